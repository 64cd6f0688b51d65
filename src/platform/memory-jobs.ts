/**
 * Long admin operations as jobs kept in this instance's memory: the request that starts one answers at
 * once with its id, the page polls it (and finds it again after a reload). A job is kept `keepMs` after
 * it ends, then forgotten. Nothing is shared between instances: with several, the admin must reach the
 * instance that started the job (sticky sessions), or the poll finds no job (docs/battery-data.md).
 */
import { randomUUID } from 'crypto';

export interface JobError {
  status: number;
  name: string;
  message: string;
  details?: unknown;
}

export interface MemoryJob<P, R> {
  id: string;
  /** The admin user who started it: the only one who may read it. */
  ownerId: number;
  state: 'running' | 'done' | 'failed';
  startedAt: number;
  endedAt?: number;
  progress: P;
  result?: R;
  error?: JobError;
}

export interface MemoryJobs<P, R> {
  /** Runs `work` in the background; `setProgress` replaces the job's progress; a rejection is the job's `error` (by `toError`). */
  start(ownerId: number, initial: P, work: (setProgress: (progress: P) => void) => Promise<R>): MemoryJob<P, R>;
  /** The job if it is known here and `ownerId` started it (anyone else: undefined, as for an unknown id). */
  get(id: string, ownerId: number): MemoryJob<P, R> | undefined;
}

export const JOB_KEEP_MS = 15 * 60 * 1000;

export function memoryJobs<P, R>({ toError, keepMs = JOB_KEEP_MS }: { toError: (error: unknown) => JobError; keepMs?: number }): MemoryJobs<P, R> {
  const jobs = new Map<string, MemoryJob<P, R>>();
  // Swept on each start and look-up: no timer to stop on destroy.
  const sweep = () => {
    const now = Date.now();
    for (const [id, job] of jobs) if (job.endedAt && now - job.endedAt > keepMs) jobs.delete(id);
  };
  return {
    start(ownerId, initial, work) {
      sweep();
      const job: MemoryJob<P, R> = { id: randomUUID(), ownerId, state: 'running', startedAt: Date.now(), progress: initial };
      jobs.set(job.id, job);
      // Deferred so a synchronous throw in `work` fails the job instead of the request.
      Promise.resolve()
        .then(() => work((progress) => (job.progress = progress)))
        .then(
          (result) => Object.assign(job, { state: 'done', result, endedAt: Date.now() }),
          (error) => Object.assign(job, { state: 'failed', error: toError(error), endedAt: Date.now() }),
        );
      return job;
    },
    get(id, ownerId) {
      sweep();
      const job = jobs.get(id);
      return job && job.ownerId === ownerId ? job : undefined;
    },
  };
}
