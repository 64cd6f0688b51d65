/**
 * Admin imports run as jobs so the dialog can show a progress bar: the request that starts one
 * returns at once, the dialog polls the job. Jobs live in this instance's memory for a while
 * after they end (the admin polls the instance that started it: see docs/data-exchange.md).
 */
import { randomUUID } from 'crypto';
import type { ImportProgress, ImportReport } from './csv-import';

export interface ImportJob {
  id: string;
  uid: string;
  ownerId: number;
  state: 'running' | 'done' | 'failed';
  progress: ImportProgress;
  report?: ImportReport;
  error?: { status: number; name: string; message: string; details?: unknown };
  endedAt?: number;
}

const KEEP_MS = 15 * 60 * 1000;

const importJobs = () => {
  const jobs = new Map<string, ImportJob>();
  const sweep = () => {
    const now = Date.now();
    for (const [id, job] of jobs) if (job.endedAt && now - job.endedAt > KEEP_MS) jobs.delete(id);
  };
  return {
    start(uid: string, ownerId: number, work: (onProgress: (p: ImportProgress) => void) => Promise<ImportReport>): ImportJob {
      sweep();
      const job: ImportJob = { id: randomUUID(), uid, ownerId, state: 'running', progress: { phase: 'checking', processed: 0, total: 0 } };
      jobs.set(job.id, job);
      work((progress) => {
        job.progress = progress;
      })
        .then((report) => Object.assign(job, { state: 'done', report, endedAt: Date.now() }))
        .catch((error: any) =>
          Object.assign(job, {
            state: 'failed',
            endedAt: Date.now(),
            error: { status: error?.status ?? 500, name: error?.name ?? 'Error', message: error?.message ?? String(error), details: error?.details },
          }),
        );
      return job;
    },
    get(id: string): ImportJob | undefined {
      return jobs.get(id);
    },
  };
};

export type ImportJobsService = ReturnType<typeof importJobs>;
export default importJobs;
