/**
 * Long admin operations (imports) as jobs: the request that starts one answers at once with its id, the
 * page polls it (and finds it again after a reload). A job runs in the instance that received its request.
 * With a job board (Redis, the one socket.io's adapter uses when several instances share a database), its
 * state is also written there, so a poll that a load balancer sends to another instance finds it; without
 * one (a single instance) jobs live in this instance's memory only. A job is kept `keepMs` after it ends.
 * A running job's board entry is refreshed every `heartbeatMs`: if the instance running it stops, the
 * refreshes stop and other instances report the job failed instead of running forever.
 */
import { randomUUID } from 'crypto';
import Redis from 'ioredis';

export interface JobError {
  status: number;
  name: string;
  message: string;
  details?: unknown;
}

export interface AdminJob<P, R> {
  id: string;
  /** The admin user who started it: the only one who may read it. */
  ownerId: number;
  /** What it works on, when the job's kind has several (the generic import: a content type uid). */
  subject?: string;
  state: 'running' | 'done' | 'failed';
  startedAt: number;
  endedAt?: number;
  /** Last time the instance running it wrote it to the board (epoch ms). */
  heartbeatAt: number;
  progress: P;
  result?: R;
  error?: JobError;
}

export interface AdminJobs<P, R> {
  /**
   * Runs `work` in the background; `setProgress` replaces the job's progress; a rejection is the job's
   * `error` (by `toError`). Resolves once the job can be read from every instance.
   */
  start(ownerId: number, initial: P, work: (setProgress: (progress: P) => void) => Promise<R>, subject?: string): Promise<AdminJob<P, R>>;
  /** The job if it is known (here, or on the board) and `ownerId` started it (anyone else: undefined, as for an unknown id). */
  get(id: string, ownerId: number): Promise<AdminJob<P, R> | undefined>;
}

/** Where instances share their jobs: entries that expire by themselves. */
export interface JobBoard {
  write(key: string, value: string, ttlMs: number): Promise<void>;
  read(key: string): Promise<string | null>;
  close(): Promise<void>;
}

export const JOB_KEEP_MS = 15 * 60 * 1000;
export const JOB_HEARTBEAT_MS = 5000;
/** Progress is written to the board at most this often (a poll elsewhere sees it this late at most). */
const PROGRESS_WRITE_MS = 500;

/** A board in Redis under `<prefix>:jobs:`; a Redis failure is logged, never fails a job. */
export function redisJobBoard(url: string, prefix: string, log: { warn(message: string): void }): JobBoard {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
  let warned = false;
  redis.on('error', (error) => {
    if (!warned) log.warn(`[admin-jobs] Redis ${url}: ${error.message} (jobs are not shared until it is back)`);
    warned = true;
  });
  redis.on('ready', () => (warned = false));
  const key = (k: string) => `${prefix}:jobs:${k}`;
  return {
    async write(k, value, ttlMs) {
      await redis.set(key(k), value, 'PX', ttlMs);
    },
    read: (k) => redis.get(key(k)),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export function adminJobs<P, R>({
  kind,
  toError,
  lostError,
  board,
  keepMs = JOB_KEEP_MS,
  heartbeatMs = JOB_HEARTBEAT_MS,
  log,
}: {
  /** Tells this store's entries on the board from another's. */
  kind: string;
  toError: (error: unknown) => JobError;
  /** The error of a job whose instance stopped before it ended. */
  lostError: JobError;
  /** Read at each use: the board of the current Strapi (none: jobs stay in this instance). */
  board: () => JobBoard | null;
  keepMs?: number;
  heartbeatMs?: number;
  log: { warn(message: string): void };
}): AdminJobs<P, R> {
  const local = new Map<string, AdminJob<P, R>>();
  // Swept on each start and look-up: no timer to stop on destroy.
  const sweep = () => {
    const now = Date.now();
    for (const [id, job] of local) if (job.endedAt && now - job.endedAt > keepMs) local.delete(id);
  };
  const boardKey = (id: string) => `${kind}:${id}`;

  /**
   * Writes the job to the board (if any). A running job's entry is kept at least `keepMs` (and 10
   * heartbeats), so a stopped instance's job is still there to be reported lost (after 3 missed
   * heartbeats) rather than vanishing as unknown.
   */
  const publish = async (job: AdminJob<P, R>) => {
    const shared = board();
    if (!shared) return;
    job.heartbeatAt = Date.now();
    const ttl = job.state === 'running' ? Math.max(keepMs, 10 * heartbeatMs) : keepMs;
    await shared.write(boardKey(job.id), JSON.stringify(job), ttl).catch((error: Error) => log.warn(`[admin-jobs] ${kind} job ${job.id} not shared: ${error.message}`));
  };

  return {
    async start(ownerId, initial, work, subject) {
      sweep();
      const now = Date.now();
      const job: AdminJob<P, R> = { id: randomUUID(), ownerId, ...(subject ? { subject } : {}), state: 'running', startedAt: now, heartbeatAt: now, progress: initial };
      local.set(job.id, job);
      await publish(job);
      // Progress reaches the board at most every PROGRESS_WRITE_MS; the heartbeat also carries it.
      let lastWrite = Date.now();
      const heartbeat = setInterval(() => void publish(job), heartbeatMs);
      heartbeat.unref();
      const setProgress = (progress: P) => {
        job.progress = progress;
        if (Date.now() - lastWrite >= PROGRESS_WRITE_MS) {
          lastWrite = Date.now();
          void publish(job);
        }
      };
      // Deferred so a synchronous throw in `work` fails the job instead of the request.
      void Promise.resolve()
        .then(() => work(setProgress))
        .then(
          (result) => Object.assign(job, { state: 'done', result, endedAt: Date.now() }),
          (error) => Object.assign(job, { state: 'failed', error: toError(error), endedAt: Date.now() }),
        )
        .then(() => {
          clearInterval(heartbeat);
          return publish(job);
        });
      return job;
    },
    async get(id, ownerId) {
      sweep();
      let job = local.get(id);
      if (!job) {
        const shared = board();
        const text = shared ? await shared.read(boardKey(id)).catch((error: Error) => (log.warn(`[admin-jobs] ${kind} job ${id} not read: ${error.message}`), null)) : null;
        job = text ? (JSON.parse(text) as AdminJob<P, R>) : undefined;
        if (job?.state === 'running' && Date.now() - job.heartbeatAt > 3 * heartbeatMs) {
          job = { ...job, state: 'failed', error: lostError, endedAt: job.heartbeatAt };
        }
      }
      return job && job.ownerId === ownerId ? job : undefined;
    },
  };
}
