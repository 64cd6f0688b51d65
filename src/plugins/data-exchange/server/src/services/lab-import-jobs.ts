/**
 * The admin page "Battery file import" runs each import as a job (src/platform/admin-jobs.ts): the
 * errors it reports are the content API's 400s (a bad row names line/column/value, a layout problem its
 * option), so the page shows what the REST import would answer.
 */
import type { Core } from '@strapi/strapi';
import { LayoutError, RowError, type ImportResult } from '../../../../../api/lab/services/battery-import';
import { adminJobs, type AdminJob, type JobError } from '../../../../../platform/admin-jobs';
import { PLUGIN_ID, getService } from '../utils';

export interface LabImportProgress { rows: number; bytes: number; totalBytes: number; estimatedRows: number | null }
export type LabImportResult = ImportResult & { elapsedMs: number };
export type LabImportJob = AdminJob<LabImportProgress, LabImportResult>;

/** An import failure as the job's `error`. */
export function labImportError(error: unknown): JobError {
  if (error instanceof RowError) {
    return { status: 400, name: 'ValidationError', message: `${error.message}; nothing was imported`, details: { line: error.line, column: error.column, value: error.value } };
  }
  if (error instanceof LayoutError) {
    return { status: 400, name: 'ValidationError', message: error.message, details: { errors: [{ path: [error.option], message: error.message }] } };
  }
  strapi.log.error(`[data-exchange] battery import failed: ${(error as Error)?.stack ?? error}`);
  return { status: 500, name: 'ApplicationError', message: `import failed, nothing was written: ${(error as Error)?.message ?? error}` };
}

const labImportJobs = ({ strapi }: { strapi: Core.Strapi }) =>
  adminJobs<LabImportProgress, LabImportResult>({
    kind: 'lab-import',
    toError: labImportError,
    // The import is one transaction: the database rolled it back when the instance's connection went.
    lostError: { status: 500, name: 'ApplicationError', message: 'the instance running this import stopped before it ended: nothing was imported' },
    board: () => getService('jobBoard', strapi).board(),
    heartbeatMs: strapi.plugin(PLUGIN_ID).config<number>('jobHeartbeatMs'),
    log: strapi.log,
  });

export type LabImportJobsService = ReturnType<typeof labImportJobs>;
export default labImportJobs;
