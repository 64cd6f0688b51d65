import { spawn, type ChildProcess } from 'child_process';
import path from 'path';
import { root } from './strapi';

export interface ChildInstance {
  url: string;
  /** The Strapi process itself (one node process, no tsx relay), e.g. to read its CPU time. */
  pid: number;
  stop(): Promise<void>;
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
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Strapi instance exited with ${code}:\n${output}`));
    });
  });
}
