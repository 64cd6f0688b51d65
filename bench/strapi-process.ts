/**
 * What the benchmarks share: Strapi served from its own process, so the load generator never shares
 * its event loop, and that process's CPU time, so a figure can be read per request.
 */
import fs from 'fs';
import http from 'http';
import path from 'path';

export const root = path.resolve(__dirname, '..');

/**
 * The PostgreSQL server the bench runs on (BENCH_DATABASE_URL, else TEST_DATABASE_URL), made the
 * tests' helpers' server, with a run id of its own so its databases are told apart.
 */
export function benchPostgres(): string {
  const dbUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!dbUrl) throw new Error('set BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (the bench measures PostgreSQL)');
  process.env.TEST_DATABASE_URL = dbUrl;
  process.env.TALLYBOARD_TEST_RUN = `bench${Date.now().toString(36)}`;
  return dbUrl;
}

/** The number after `--name` on the command line, or `fallback`. */
export function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Strapi in a child process on the database named by `env` (the tests' helper). */
import { startServedInstance } from '../tests/helpers/instances';
export { startChildInstance as startStrapiProcess, type ChildInstance as StrapiProcess } from '../tests/helpers/instances';

/**
 * Strapi as `npm start` runs it (startServedInstance: plain node; the tests' child instance runs under
 * tsx, whose hooks keep ~40 MB of heap of their own) for a measured run on `env`'s database (cycler
 * bridge off; BENCH_STRAPI_HEAP_MB caps its V8 heap, to tell held memory from uncollected garbage),
 * its RSS read after a settling second (`idle`), then sampled every 50 ms until `stopSampling` (overall
 * and per round).
 */
export async function startMeasuredStrapi(env: Record<string, string>) {
  const instance = await startServedInstance({ ...env, CYCLER_BRIDGE_ENABLED: 'false', LOG_LEVEL: 'warn', ...(process.env.BENCH_STRAPI_HEAP_MB ? { NODE_OPTIONS: `--max-old-space-size=${process.env.BENCH_STRAPI_HEAP_MB}` } : {}) });
  await new Promise((r) => setTimeout(r, 1000));
  const idle = rssMb(instance.pid);
  let peak = idle;
  let roundPeak = idle;
  const sampler = setInterval(() => {
    const rss = rssMb(instance.pid);
    peak = Math.max(peak, rss);
    roundPeak = Math.max(roundPeak, rss);
  }, 50);
  return {
    instance,
    idle,
    peak: () => peak,
    /** Starts a round: its peak from the RSS now; answers that RSS. */
    startRound: () => (roundPeak = rssMb(instance.pid)),
    roundPeak: () => roundPeak,
    stopSampling: () => clearInterval(sampler),
  };
}

/** A process's resident memory, MB (0 once it has exited). */
export function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) of a process so far, ms. */
export function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
}

/** One HTTP request over `agent` (keep-alive, no Nagle delay); the body as text. */
export function request(
  agent: http.Agent,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers, ...(options.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(options.body)) } : {}) };
    const req = http.request(url, { method: options.method ?? 'GET', agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.on('socket', (socket) => socket.setNoDelay(true));
    req.end(options.body);
  });
}
