import type { Outcome, SnapshotColor } from '../../../server/src/classroom/contract';

/** The seed's colours: red any error, green output and nothing empty, blue otherwise. */
export const SNAPSHOT_COLORS: Record<SnapshotColor, string> = { red: '#d02b20', green: '#328048', blue: '#4945ff' };

export const OUTCOME_COLORS: Record<Outcome, string> = {
  error: '#ee5e52',
  display: '#5cb176',
  stream: '#9fd4a8',
  ok: '#328048',
  empty: '#dcdce4',
  not_run: '#f6ecfc',
};

export const OUTCOME_LABELS: Record<Outcome, string> = {
  error: 'error',
  display: 'display',
  stream: 'stream',
  ok: 'ok',
  empty: 'empty',
  not_run: 'not run',
};
