import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { root } from '../helpers/strapi';

/** Boots the compiled app in production mode in a child process and returns what it printed. */
function bootProduction(env: Record<string, string | undefined>) {
  const script = `
    const { createStrapi } = require('@strapi/strapi');
    createStrapi({ appDir: ${JSON.stringify(root)}, distDir: ${JSON.stringify(path.join(root, 'dist'))}, autoReload: false, serveAdminPanel: false })
      .load().then(async (app) => { console.log('BOOTED'); await app.destroy(); process.exit(0); })
      .catch((e) => { console.error(String(e && e.stack || e)); process.exit(1); });`;
  fs.mkdirSync(path.join(root, '.tmp', 'test'), { recursive: true });
  const full: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: '',
    DATABASE_CLIENT: 'sqlite',
    DATABASE_FILENAME: path.join(root, '.tmp', 'test', `secrets-${process.pid}.db`),
    ENV_PATH: path.join(root, 'tests', 'fixtures', 'empty.env'),
    ...env,
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete full[k];
  const result = spawnSync(process.execPath, ['-e', script], { cwd: root, env: full, encoding: 'utf8', timeout: 60000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('production secrets', () => {
  afterAll(() => {
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(path.join(root, '.tmp', 'test', `secrets-${process.pid}.db${suffix}`), { force: true });
  });

  it('refuses to start without APP_KEYS and names the variable', () => {
    const { status, output } = bootProduction({ APP_KEYS: undefined });
    expect(status).not.toBe(0);
    expect(output).toMatch(/Secret APP_KEYS is missing/);
    expect(output).not.toMatch(/BOOTED/);
  });

  it('refuses a secret still set to the template default', () => {
    const { status, output } = bootProduction({ ADMIN_JWT_SECRET: 'toBeModified' });
    expect(status).not.toBe(0);
    expect(output).toMatch(/Secret ADMIN_JWT_SECRET is still set to a default value/);
  });

  it('refuses a missing JWT_SECRET for the users-permissions plugin', () => {
    const { status, output } = bootProduction({ JWT_SECRET: '' });
    expect(status).not.toBe(0);
    expect(output).toMatch(/Secret JWT_SECRET is missing/);
  });

  it('boots in production when every secret is set', () => {
    const { status, output } = bootProduction({});
    expect(output).toMatch(/BOOTED/);
    expect(status).toBe(0);
  });
});
