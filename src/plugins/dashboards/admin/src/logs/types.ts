/** Shapes of the logs query service's answers: the shared contract of the logs capability. */
import type { LogEntryView, LogSearchResult } from '../../../../../api/logs/contract';

export { SEVERITIES } from '../../../../../api/logs/contract';
export type { LogEntryView, LogStats, Severity } from '../../../../../api/logs/contract';

export type LogSearchPage = LogSearchResult;

/** Payload of the realtime event `logs:lines` on topic `logs:tail`. */
export interface TailPayload {
  lines: LogEntryView[];
  skipped: number;
}
