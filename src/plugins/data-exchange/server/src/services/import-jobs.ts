/**
 * Admin imports of the generic CSV import run as jobs so the dialog can show a progress bar: the request
 * that starts one returns at once, the dialog polls the job (shared between instances through the job
 * board, src/platform/admin-jobs.ts).
 */
import type { Core } from '@strapi/strapi';
import { adminJobs, type AdminJob, type JobError } from '../../../../../platform/admin-jobs';
import { PLUGIN_ID, getService } from '../utils';
import type { ImportProgress, ImportReport } from './csv-import';

export type ImportJob = AdminJob<ImportProgress, ImportReport>;

/** A job whose instance stopped: its import ran in one transaction, so the database rolled it back. */
export const LOST_JOB: JobError = {
  status: 500,
  name: 'ApplicationError',
  message: 'the instance running this import stopped before it ended: nothing was written (its transaction was rolled back)',
};

const importJobs = ({ strapi }: { strapi: Core.Strapi }) =>
  adminJobs<ImportProgress, ImportReport>({
    kind: 'csv-import',
    toError: (error: any) => ({ status: error?.status ?? 500, name: error?.name ?? 'Error', message: error?.message ?? String(error), details: error?.details }),
    lostError: LOST_JOB,
    board: () => getService('jobBoard', strapi).board(),
    heartbeatMs: strapi.plugin(PLUGIN_ID).config<number>('jobHeartbeatMs'),
    log: strapi.log,
  });

export type ImportJobsService = ReturnType<typeof importJobs>;
export default importJobs;
