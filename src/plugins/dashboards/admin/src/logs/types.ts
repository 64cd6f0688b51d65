/** Shapes of the logs query service's answers (shared contract of issue 4). */
export const SEVERITIES = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface LogEntryView {
  id: number;
  documentId: string;
  service: string | null;
  timestamp: string;
  received_at: string | null;
  severity: Severity;
  message: string | null;
  attributes: Record<string, unknown> | null;
  host: string | null;
}

export interface LogStats {
  total: number;
  byService: { service: string; count: number }[];
  bySeverity: { severity: string; count: number }[];
  histogram: { bucketSeconds: number; buckets: { start: string; counts: Record<Severity, number> }[] };
}

export interface LogSearchPage {
  data: LogEntryView[];
  meta: { nextCursor: string | null };
}

/** Payload of the realtime event `logs:lines` on topic `logs:tail`. */
export interface TailPayload {
  lines: LogEntryView[];
  skipped: number;
}
