export interface StationView {
  id: number;
  name: string;
  state: string;
  location?: string | null;
  last_heartbeat_at: string | null;
  malformed_messages: number | null;
  experiment: { id: number; name: string; state: string; current_step: number | null; sample_count: number | null } | null;
}

export type { SeriesPoint } from '../../../../../api/lab/contract';

export interface ExperimentView {
  id: number;
  name: string;
  state: string;
  current_step: number | null;
  sample_count: number | null;
  station: string | null;
  profile: { name: string; instructions: string; steps: Array<{ line: number; mode: string }> } | null;
  bounds: { from: number | null; to: number | null };
}

export interface LivePush {
  experiment: number;
  columns: string[];
  points: Array<[number, number | null, number | null, number | null, number | null, number | null, number | null]>;
}
