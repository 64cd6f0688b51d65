import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { withQuery, type QueryParams } from '../chart-kit';
import type { LogEntryView, LogSearchPage } from './types';

export type LogRow = { kind: 'entry'; key: string; entry: LogEntryView } | { kind: 'skipped'; key: string; count: number };

const entryRow = (entry: LogEntryView): LogRow => ({ kind: 'entry', key: `e${entry.id}`, entry });
const MAX_ROWS = 5000; // keeps a long live tail or a long scroll from eating the tab's memory

/**
 * Search results page by page (keyset cursor from the server), restarting when the filters change.
 * `prepend` adds live-tail lines on top without disturbing the cursor of the pages below.
 */
export function useLogPages(params: QueryParams) {
  const { get } = useFetchClient();
  const key = JSON.stringify(params);
  const [rows, setRows] = React.useState<LogRow[]>([]);
  const [cursor, setCursor] = React.useState<string | null>(null);
  const [isLoading, setLoading] = React.useState(false);
  const [error, setError] = React.useState<Error | null>(null);
  const generation = React.useRef(0);
  const loading = React.useRef(false);

  const load = React.useCallback(
    async (after: string | null) => {
      if (loading.current) return;
      loading.current = true;
      const mine = generation.current;
      setLoading(true);
      try {
        const res = await get<LogSearchPage>(withQuery('/dashboards/logs/search', { ...JSON.parse(key), cursor: after ?? undefined }));
        if (mine !== generation.current) return; // filters changed meanwhile: this page belongs to the old query
        setRows((prev) => [...(after ? prev : []), ...res.data.data.map(entryRow)].slice(0, MAX_ROWS));
        setCursor(res.data.meta.nextCursor);
        setError(null);
      } catch (e) {
        if (mine === generation.current) setError(e as Error);
      } finally {
        loading.current = false;
        if (mine === generation.current) setLoading(false);
      }
    },
    [get, key],
  );

  React.useEffect(() => {
    generation.current += 1;
    loading.current = false;
    setRows([]);
    setCursor(null);
    void load(null);
  }, [load]);

  const loadMore = React.useCallback(() => {
    if (cursor) void load(cursor);
  }, [cursor, load]);

  const prepend = React.useCallback((entries: LogEntryView[], skipped: number) => {
    setRows((prev) => {
      const marker: LogRow[] = skipped > 0 ? [{ kind: 'skipped', key: `s${Date.now()}-${Math.random()}`, count: skipped }] : [];
      // Newest first, like the search: the last line of a batch is the newest.
      return [...marker, ...[...entries].reverse().map(entryRow), ...prev].slice(0, MAX_ROWS);
    });
  }, []);

  return { rows, hasMore: cursor !== null, isLoading, error, loadMore, prepend, reload: () => load(null) };
}
