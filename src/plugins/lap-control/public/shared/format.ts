/** How the race screens write times: lap durations, running timers and clock times in the race's zone. */

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** 83_456 → "1:23.4"; an hour or more → "1:02:03.4". Negative (clock skew) shows as 0. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const tenths = Math.floor(Math.max(0, ms) / 100);
  const seconds = Math.floor(tenths / 10);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const rest = `${pad(s)}.${tenths % 10}`;
  return h > 0 ? `${h}:${pad(m)}:${rest}` : `${m}:${rest}`;
}

/** Wall-clock time of an instant in the race's time zone (never the viewer's), e.g. "14:05". */
export function formatClock(iso: string, timeZone: string | undefined, withSeconds = false): string {
  const options: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (withSeconds) options.second = '2-digit';
  try {
    return new Intl.DateTimeFormat(undefined, { ...options, timeZone }).format(new Date(iso));
  } catch {
    return new Intl.DateTimeFormat(undefined, options).format(new Date(iso)); // unknown zone name
  }
}

export function formatDateTime(iso: string, timeZone: string | undefined): string {
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
  } catch {
    return new Date(iso).toLocaleString();
  }
}

/** Test times are stored in seconds (decimal). */
export const formatSeconds = (seconds: number | null | undefined) =>
  seconds === null || seconds === undefined ? '–' : formatDuration(seconds * 1000);
