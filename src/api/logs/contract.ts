/**
 * The logs capability's answer shapes, shared by the server (log-query service) and the admin pages
 * (dashboards plugin). Plain types and constants only: the admin bundle imports this file.
 */
export const SEVERITIES = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One log entry as every API of the logs capability returns it. */
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

export interface LogSearchResult {
  data: LogEntryView[];
  meta: { nextCursor: string | null };
}

export interface LogHistogram {
  bucketSeconds: number;
  from: string;
  to: string;
  buckets: { start: string; counts: Record<Severity, number> }[];
}

export interface LogStats {
  total: number;
  byService: { service: string; count: number }[];
  bySeverity: { severity: Severity; count: number }[];
  histogram: LogHistogram;
}
