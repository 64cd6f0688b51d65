/**
 * A second Strapi instance in its own process (Strapi is one instance per process), for tests of
 * behaviour across instances. Prints "READY <port>" once listening; stops on SIGTERM.
 * Run with: node node_modules/tsx/dist/cli.mjs tests/helpers/instance-process.ts
 */
import fs from 'fs';
import { Session } from 'inspector';
import path from 'path';
import { createStrapi } from '@strapi/strapi';

const root = path.resolve(__dirname, '..', '..');

/** With INSTANCE_CPU_PROFILE=<file>, a CPU profile of the instance's life is written there on stop (benchmarks). */
async function startProfile(): Promise<(() => Promise<void>) | null> {
  const file = process.env.INSTANCE_CPU_PROFILE;
  if (!file) return null;
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = await post('Profiler.stop');
    fs.writeFileSync(file, JSON.stringify(profile));
  };
}

async function main() {
  const writeProfile = await startProfile();
  const app = createStrapi({ appDir: root, distDir: path.join(root, 'dist'), autoReload: false, serveAdminPanel: false });
  await app.load();
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', () => resolve()));
  const address = app.server.httpServer.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : 0}\n`);
  const stop = async () => {
    await writeProfile?.();
    await app.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`instance failed: ${error?.stack ?? error}\n`);
  process.exit(1);
});
