/**
 * src/platform/admin-session-cache.ts: admin authentications are reused for a few seconds, yet a
 * logout, a deactivated user or a changed role takes effect on the next request.
 */
import { createAdminUser, startStrapi, type TestApp } from '../helpers/strapi';

describe('admin authentication cache', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi();
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function login(roleNames: string[]) {
    const { email, password } = await createAdminUser(app.strapi, roleNames);
    const res = await app.http().post('/admin/login').send({ email, password });
    expect(res.status).toBe(200);
    const user = await app.strapi.db.query('admin::user').findOne({ where: { email } });
    return { token: (res.body.data.token ?? res.body.data.accessToken) as string, userId: user.id as number };
  }
  const get = (token: string, route = '/lap-control/state') => app.http().get(route).set('Authorization', `Bearer ${token}`);

  /**
   * Statements on the tables authentication reads (admin users, roles, permissions, sessions) run
   * during `work`. Other tables are left out: the platform's own timers (station checks, rollup
   * compaction) may query them at any moment, and counted they made this test flaky.
   */
  async function statements(work: () => Promise<unknown>): Promise<number> {
    let count = 0;
    const onQuery = (query: { sql?: string }) => {
      if (/\b(admin_\w+|strapi_sessions)\b/.test(query.sql ?? '')) count++;
    };
    app.strapi.db.connection.on('query', onQuery);
    try {
      await work();
    } finally {
      app.strapi.db.connection.off('query', onQuery);
    }
    return count;
  }

  it('a repeated request authenticates without touching the database', async () => {
    const { token } = await login(['Race crew']);
    expect((await get(token, '/admin/users/me')).status).toBe(200);
    // /admin/users/me answers from the authenticated user alone: with the cache, no statement at all.
    expect(await statements(async () => expect((await get(token, '/admin/users/me')).status).toBe(200))).toBe(0);
  });

  it('logging out ends the session at once', async () => {
    const { token } = await login(['Race crew']);
    expect((await get(token)).status).toBe(200);
    expect((await app.http().post('/admin/logout').set('Authorization', `Bearer ${token}`).send({})).status).toBe(200);
    expect((await get(token)).status).toBe(401);
  });

  it('a deactivated admin is refused at once', async () => {
    const { token, userId } = await login(['Race crew']);
    expect((await get(token)).status).toBe(200);
    await (app.strapi.service('admin::user') as any).updateById(userId, { isActive: false });
    expect((await get(token)).status).toBe(401);
  });

  it('a role change applies to the next request', async () => {
    const { token, userId } = await login(['Race crew']);
    expect((await get(token)).status).toBe(200);
    const kiosk = await app.strapi.db.query('admin::role').findOne({ where: { name: 'Lab technician' } });
    await (app.strapi.service('admin::user') as any).updateById(userId, { roles: [kiosk.id] });
    expect((await get(token)).status).toBe(403);
  });

  it('a permission removed from the role applies to the next request', async () => {
    const role = await app.strapi.service('admin::role').create({ name: `Crew copy ${Date.now()}`, description: 'test' });
    await app.strapi.service('admin::permission').createMany([{ action: 'plugin::lap-control.read', subject: null, properties: {}, conditions: [], role: role.id }]);
    const { token } = await login([role.name]);
    expect((await get(token)).status).toBe(200);
    await app.strapi.db.query('admin::permission').deleteMany({ where: { role: role.id } });
    expect((await get(token)).status).toBe(403);
  });

  it('a forged token sharing nothing but the route is refused', async () => {
    const { token } = await login(['Race crew']);
    expect((await get(token)).status).toBe(200);
    const [header, payload] = token.split('.');
    expect((await get(`${header}.${payload}.forged-signature`)).status).toBe(401);
    expect((await get('not-a-token')).status).toBe(401);
  });
});
