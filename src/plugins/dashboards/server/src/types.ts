/**
 * The part of the logs query service (`api::logs.log-query`, owned by the logs domain) this plugin
 * relies on; its data types come from the service itself so the two cannot drift apart.
 */
import type { LogEntryView, LogFilters, LogSearchResult, LogStats, ExportFormat } from '../../../../api/logs/services/log-query';

export type { LogEntryView, LogFilters, LogStats, Severity } from '../../../../api/logs/services/log-query';

export interface LogQueryService {
  parseFilters(query: Record<string, unknown>): LogFilters;
  search(filters: LogFilters): Promise<LogSearchResult>;
  /** The same page as JSON text (written by the database on PostgreSQL). */
  searchJson(filters: LogFilters): Promise<string>;
  stats(filters: LogFilters): Promise<LogStats>;
  exportStream(filters: LogFilters, format: ExportFormat): NodeJS.ReadableStream;
  errorsByService(hours?: number): Promise<{ service: string; count: number }[]>;
}
