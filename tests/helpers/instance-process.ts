/**
 * A second Strapi instance in its own process (Strapi is one instance per process), for tests of
 * behaviour across instances. Prints "READY <port>" once listening; stops on SIGTERM.
 * Run with: node node_modules/tsx/dist/cli.mjs tests/helpers/instance-process.ts
 */
import path from 'path';
import { createStrapi } from '@strapi/strapi';

const root = path.resolve(__dirname, '..', '..');

async function main() {
  const app = createStrapi({ appDir: root, distDir: path.join(root, 'dist'), autoReload: false, serveAdminPanel: false });
  await app.load();
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', () => resolve()));
  const address = app.server.httpServer.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : 0}\n`);
  const stop = async () => {
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
