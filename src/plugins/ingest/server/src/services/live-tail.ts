import type { Core } from '@strapi/strapi';
import { ingestConfig } from '../utils';

export const TAIL_TOPIC = 'logs:tail';
export const TAIL_EVENT = 'logs:lines';

/** The entry shape shared by every API of the logs capability. */
export interface LogEntryView {
  id: number;
  documentId: string;
  service: string;
  timestamp: string;
  received_at: string;
  severity: string;
  message: string;
  attributes: Record<string, unknown> | null;
  host: string | null;
}

/**
 * Entries just stored by one ingest transaction, in input order. Their view objects are built only
 * for the few lines the tail will send: building all of them cost ~10 % of a 1,000-line request.
 */
export interface StoredEntries {
  count: number;
  /** Views of the entries from `start` to the end. */
  views(start: number): LogEntryView[];
}

/**
 * Throttled publisher of freshly stored lines: at most one event every `intervalMs`, at most
 * `maxLinesPerSecond` lines per second. A tail is for watching, not for completeness, so lines over
 * the budget are dropped and counted in `skipped` instead of queueing up behind a flood.
 */
const createLiveTailService = ({ strapi }: { strapi: Core.Strapi }) => {
  let pending: LogEntryView[] = [];
  let skipped = 0;
  let timer: NodeJS.Timeout | null = null;
  let windowStart = 0;
  let sentInWindow = 0;

  const flush = () => {
    timer = null;
    const { maxLinesPerSecond } = ingestConfig(strapi).tail;
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      sentInWindow = 0;
    }
    const budget = Math.max(0, maxLinesPerSecond - sentInWindow);
    const lines = pending.slice(0, budget);
    skipped += pending.length - lines.length;
    pending = [];
    sentInWindow += lines.length;
    if (lines.length || skipped) {
      const realtime = strapi.plugin('realtime')?.service('realtime') as { publish(t: string, e: string, p: unknown): void } | undefined;
      realtime?.publish(TAIL_TOPIC, TAIL_EVENT, { lines, skipped });
      skipped = 0;
    }
  };

  return {
    push(stored: StoredEntries) {
      if (!stored.count) return;
      const { maxLinesPerSecond, intervalMs } = ingestConfig(strapi).tail;
      // Never hold more than a second's budget in memory; the rest only needs counting.
      const room = Math.max(0, maxLinesPerSecond - pending.length);
      const kept = Math.min(room, stored.count);
      skipped += stored.count - kept;
      if (kept) pending.push(...stored.views(stored.count - kept));
      if (!timer) {
        timer = setTimeout(flush, intervalMs);
        timer.unref();
      }
    },
    /** Drops whatever is pending and starts a fresh one-second window (shutdown, tests). */
    stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      pending = [];
      skipped = 0;
      windowStart = 0;
      sentInWindow = 0;
    },
  };
};

export type LiveTailService = ReturnType<typeof createLiveTailService>;
export default createLiveTailService;
