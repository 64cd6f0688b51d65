/**
 * External services some suites need. On a bare machine `npm test` skips those suites with a line
 * saying what to install; `.ci/run` sets TALLYBOARD_REQUIRE_SERVICES=1 so a missing one fails instead.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const required = process.env.TALLYBOARD_REQUIRE_SERVICES === '1';

export function chromiumMissing(): string | null {
  return fs.existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\``;
}

/** Synchronous TCP probe (a child process), so suites can decide to skip at collection time. */
export function tcpReachable(url: string, timeoutMs = 1500): boolean {
  const { hostname, port } = new URL(url);
  const probe = `const s=require('net').connect(${Number(port)},${JSON.stringify(hostname)});` +
    `s.setTimeout(${timeoutMs},()=>process.exit(1));s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe], { timeout: timeoutMs + 1000 }).status === 0;
}

export function redisMissing(): string | null {
  const url = process.env.TEST_REDIS_URL;
  if (!url) return 'TEST_REDIS_URL is not set: install Redis (`apt-get install -y redis-server`) and set TEST_REDIS_URL=redis://127.0.0.1:6379';
  return tcpReachable(url) ? null : `Redis is not reachable at ${url}: start it with \`redis-server --daemonize yes\``;
}

/**
 * describe() when the service is there, describe.skip() with a printed reason when it is not,
 * and a failing test when the run requires every service.
 */
export function describeWhen(missing: string | null, name: string, fn: () => void): void {
  if (!missing) return describe(name, fn);
  if (required) {
    return describe(name, () => {
      it('has the services it needs', () => {
        throw new Error(`${name}: ${missing}`);
      });
    });
  }
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED ${name}: ${missing}`);
  return describe.skip(name, fn);
}
