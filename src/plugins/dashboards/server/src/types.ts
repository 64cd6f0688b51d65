/**
 * The part of the logs query service (`api::logs.log-query`, owned by the logs domain) this plugin
 * relies on. Declared here, not imported, so the plugin depends on the shared contract only.
 */
export type Severity = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

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

export type LogFilters = unknown;

export interface LogStats {
  total: number;
  byService: { service: string; count: number }[];
  bySeverity: { severity: string; count: number }[];
  histogram: { bucketSeconds: number; buckets: { start: string; counts: Record<Severity, number> }[] };
}

export interface LogQueryService {
  parseFilters(query: Record<string, unknown>): LogFilters;
  search(filters: LogFilters): Promise<{ data: LogEntryView[]; meta: { nextCursor: string | null } }>;
  stats(filters: LogFilters): Promise<LogStats>;
  exportStream(filters: LogFilters, format: 'csv' | 'ndjson'): NodeJS.ReadableStream;
  errorsByService(hours?: number): Promise<{ service: string; count: number }[]>;
}
