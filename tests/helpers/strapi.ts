/**
 * Boots the real Strapi (compiled by tests/setup/global-setup.ts) on a fresh database and listens
 * on 127.0.0.1 with a random port. One instance per test file: Strapi sets a process-wide global.
 */
import path from 'path';
import { createStrapi, type Core } from '@strapi/strapi';
import supertest from 'supertest';
import { createTestDatabase, type TestDatabase } from './databases';

export const root = path.resolve(__dirname, '..', '..');

export interface TestApp {
  strapi: Core.Strapi;
  db: TestDatabase;
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234 */
  url: string;
  http: () => supertest.Agent;
  stop(): Promise<void>;
}

export interface StartOptions {
  serveAdminPanel?: boolean;
  /** Extra environment for this instance (e.g. REDIS_URL). */
  env?: Record<string, string>;
  /** Reuse an existing database (second boot of the same data); a fresh one otherwise. */
  database?: TestDatabase;
  /** Keep the database when stopping (to boot again on it). */
  keepDatabase?: boolean;
}

export async function startStrapi(options: StartOptions = {}): Promise<TestApp> {
  const db = options.database ?? (await createTestDatabase());
  Object.assign(process.env, db.env, options.env ?? {});
  const app = createStrapi({
    appDir: root,
    distDir: path.join(root, 'dist'),
    autoReload: false,
    serveAdminPanel: options.serveAdminPanel ?? false,
  });
  await app.load();
  // Not app.listen(): that prints the startup banner into every test's output.
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', () => resolve()));
  const address = app.server.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    strapi: app,
    db,
    url,
    http: () => supertest.agent(app.server.httpServer),
    async stop() {
      await app.destroy();
      if (!options.keepDatabase) await db.drop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Credentials of every kind the platform accepts.

export type ApiTokenType = 'full-access' | 'read-only' | 'custom';

/** A Strapi API token (what machines use); returns the plain access key. */
export async function createApiToken(
  strapi: Core.Strapi,
  type: ApiTokenType = 'full-access',
  permissions: string[] = [],
): Promise<string> {
  const token = await (strapi.service('admin::api-token-content-api') as any).create({
    name: `test-${type}-${Math.random().toString(36).slice(2, 8)}`,
    description: 'created by a test',
    type,
    permissions: type === 'custom' ? permissions : undefined,
    lifespan: null,
  });
  return token.accessKey;
}

/**
 * Boots Strapi for the test file with a full-access API token (beforeAll) and stops it (afterAll);
 * `ready` receives both, for the file's own variables.
 */
export function withStrapiAndToken(ready: (app: TestApp, token: string) => void, options: StartOptions = {}): void {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startStrapi(options);
    ready(app, await createApiToken(app.strapi, 'full-access'));
  });
  afterAll(async () => {
    await app?.stop();
  });
}

/** An admin panel user with the given admin roles (by name, e.g. 'Super Admin', 'Lab technician'). */
export async function createAdminUser(strapi: Core.Strapi, roleNames: string[], email?: string) {
  const roles = await strapi.db.query('admin::role').findMany({ where: { name: { $in: roleNames } } });
  if (roles.length !== roleNames.length) throw new Error(`admin roles not found: ${roleNames.join(', ')}`);
  const password = 'Test-password-1';
  const user = await (strapi.service('admin::user') as any).create({
    email: email ?? `admin-${Math.random().toString(36).slice(2, 8)}@tallyboard.test`,
    firstname: 'Test',
    lastname: roleNames.join(' '),
    password,
    isActive: true,
    registrationToken: null,
    roles: roles.map((r) => r.id),
  });
  return { user, email: user.email as string, password };
}

/** Logs an admin user in through the real /admin/login route; returns the access token. */
export async function adminToken(app: TestApp, roleNames: string[]): Promise<string> {
  const { email, password } = await createAdminUser(app.strapi, roleNames);
  const res = await app.http().post('/admin/login').send({ email, password });
  if (res.status !== 200) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.token ?? res.body.data.accessToken;
}

/** A users-permissions user with a role (by type, e.g. 'competition'); returns its JWT. */
export async function endUserToken(strapi: Core.Strapi, roleType: string): Promise<{ id: number; jwt: string }> {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: roleType } });
  if (!role) throw new Error(`users-permissions role not found: ${roleType}`);
  const name = `${roleType}-${Math.random().toString(36).slice(2, 8)}`;
  const user = await strapi.db.query('plugin::users-permissions.user').create({
    data: { username: name, email: `${name}@tallyboard.test`, password: 'Test-password-1', confirmed: true, blocked: false, role: role.id, provider: 'local' },
  });
  const jwt = await strapi.plugin('users-permissions').service('jwt').issue({ id: user.id });
  return { id: user.id, jwt };
}

/** Grants content-API actions (e.g. 'api::race.runner.find') to a users-permissions role. */
export async function grantToRole(strapi: Core.Strapi, roleType: string, actions: string[]): Promise<void> {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: roleType } });
  for (const action of actions) {
    await strapi.db.query('plugin::users-permissions.permission').create({ data: { action, role: role.id } });
  }
}
