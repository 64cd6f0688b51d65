/**
 * What the benchmarks share: Strapi served from its own process, so the load generator never shares
 * its event loop, and that process's CPU time, so a figure can be read per request.
 */
import fs from 'fs';
import http from 'http';
import path from 'path';

export const root = path.resolve(__dirname, '..');

/** Strapi in a child process on the database named by `env` (the tests' helper). */
export { startChildInstance as startStrapiProcess, type ChildInstance as StrapiProcess } from '../tests/helpers/instances';

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
