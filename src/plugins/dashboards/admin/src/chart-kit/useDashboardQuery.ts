import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { withQuery, type QueryParams } from './query';

export interface DashboardQuery<T> {
  data: T | undefined;
  error: Error | undefined;
  isLoading: boolean;
  refetch: () => void;
}

/**
 * GET a dashboard endpoint with the admin's session (useFetchClient adds the token and refreshes it).
 * Refetches when the URL changes; a stale response never overwrites a newer one. `path: null` waits.
 */
export function useDashboardQuery<T>(path: string | null, params?: QueryParams): DashboardQuery<T> {
  const { get } = useFetchClient();
  const url = path ? withQuery(path, params) : null;
  const [state, setState] = React.useState<{ data?: T; error?: Error; isLoading: boolean }>({ isLoading: !!url });
  const [tick, setTick] = React.useState(0);

  React.useEffect(() => {
    if (!url) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, isLoading: true, error: undefined }));
    get<T>(url, { signal: controller.signal })
      .then((res) => {
        if (!controller.signal.aborted) setState({ data: res.data, isLoading: false });
      })
      .catch((error: Error) => {
        if (!controller.signal.aborted) setState((s) => ({ data: s.data, error, isLoading: false }));
      });
    return () => controller.abort();
    // `get` is stable enough; re-running on its identity would refetch on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [url, tick]);

  const refetch = React.useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, isLoading: state.isLoading, refetch };
}
