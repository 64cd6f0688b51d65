/** Time ranges as dashboards pick them: "the last N" (moves with the clock) or fixed bounds. */
export const RELATIVE_RANGES = ['15m', '1h', '24h', '7d', '30d'] as const;
export type RelativeRange = (typeof RELATIVE_RANGES)[number];

export type TimeRange = { kind: 'relative'; last: RelativeRange } | { kind: 'absolute'; from: string; to: string };

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const relativeMs = (last: RelativeRange): number => {
  const unit = last.slice(-1) as keyof typeof UNIT_MS;
  return Number(last.slice(0, -1)) * UNIT_MS[unit];
};

/** Query parameters understood by the logs query service (and meant for every dashboard API). */
export function rangeToParams(range: TimeRange): { from: string; to: string } {
  return range.kind === 'relative' ? { from: `-${range.last}`, to: 'now' } : { from: range.from, to: range.to };
}

/** Concrete bounds, e.g. to fix a chart's x axis. */
export function rangeBounds(range: TimeRange, now = Date.now()): { from: Date; to: Date } {
  if (range.kind === 'relative') return { from: new Date(now - relativeMs(range.last)), to: new Date(now) };
  return { from: new Date(range.from), to: new Date(range.to) };
}

/** Parses `15m`/`24h`/... or `<iso>..<iso>` (the form dashboards put in their URL). */
export function parseRange(text: string | null | undefined, fallback: TimeRange): TimeRange {
  if (!text) return fallback;
  if ((RELATIVE_RANGES as readonly string[]).includes(text)) return { kind: 'relative', last: text as RelativeRange };
  const [from, to] = text.split('..');
  if (from && to && !Number.isNaN(Date.parse(from)) && !Number.isNaN(Date.parse(to))) return { kind: 'absolute', from, to };
  return fallback;
}

export const formatRange = (range: TimeRange): string =>
  range.kind === 'relative' ? range.last : `${range.from}..${range.to}`;
