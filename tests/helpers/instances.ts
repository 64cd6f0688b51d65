import { spawn, type ChildProcess } from 'child_process';
import path from 'path';
import { root } from './strapi';

export interface ChildInstance {
  url: string;
  /** The Strapi process itself (one node process, no tsx relay), e.g. to read its CPU time. */
  pid: number;
  stop(): Promise<void>;
}

/** Stops a Strapi child process (SIGTERM: Strapi destroys itself, then exits). */
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done(); // already exited (or killed)
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

/** Starts tests/helpers/instance-process.ts with the current environment plus `env`. */
export function startChildInstance(env: Record<string, string>, timeoutMs = 120_000): Promise<ChildInstance> {
  const child: ChildProcess = spawn(process.execPath, ['--require', 'tsx/cjs', path.join(root, 'tests/helpers/instance-process.ts')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Strapi instance did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.stderr!.on('data', (d) => (output += d));
    child.stdout!.on('data', (d) => {
      output += d;
      const m = /READY (\d+)/.exec(output);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        url: `http://127.0.0.1:${m[1]}`,
        pid: child.pid!,
        stop: () => stopChild(child),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Strapi instance exited with ${code}:\n${output}`));
    });
  });
}

/**
 * Strapi as `npm start` runs it (scripts/start.js on the compiled dist/, plain node) with the current
 * environment plus `env`, ready once `/_health` answers. INSTANCE_CPU_PROFILE=<file>: a CPU profile of its life, written when it stops.
 * It listens on port 0 and the URL is the one scripts/start.js prints: a port probed free here could be
 * taken (by a parallel suite's outgoing connection) before Strapi listens on it.
 */
export async function startServedInstance(env: Record<string, string>, timeoutMs = 120_000): Promise<ChildInstance> {
  const profile = process.env.INSTANCE_CPU_PROFILE;
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${path.dirname(path.resolve(profile))}`, `--cpu-prof-name=${path.basename(profile)}`] : [];
  const child = spawn(process.execPath, [...flags, path.join(root, 'scripts/start.js')], {
    cwd: root,
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Strapi exited with ${child.exitCode}:\n${output}`);
    const url = /Tallyboard listening on (http:\/\/\S+)/.exec(output)?.[1];
    if (url && (await fetch(`${url}/_health`).then((r) => r.ok, () => false))) {
      return { url, pid: child.pid!, stop: () => stopChild(child) };
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Strapi did not answer /_health in ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
