/**
 * What the benchmarks share: Strapi served from its own process, so the load generator never shares
 * its event loop, and that process's CPU time, so a figure can be read per request.
 */
import { spawn } from 'child_process';
import fs from 'fs';
import http from 'http';
import path from 'path';

export const root = path.resolve(__dirname, '..');

export interface StrapiProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Strapi in a child process (one node process, no tsx relay) on the database named by `env`. */
export function startStrapiProcess(env: Record<string, string>): Promise<StrapiProcess> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(root, 'tests/helpers/instance-process.ts')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Strapi did not start in 120 s:\n${output}`));
    }, 120_000);
    child.stderr!.on('data', (d) => (output += d));
    child.stdout!.on('data', (d) => {
      output += d;
      const m = /READY (\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: `http://127.0.0.1:${m[1]}`,
          pid: child.pid!,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Strapi exited with ${code}:\n${output}`));
    });
  });
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
