/**
 * Access and validation of the reading routes: Public gets nothing, API tokens and users-permissions
 * roles need the exact action, bad parameters are 400s that name the parameter.
 */
import { createApiToken, endUserToken, grantToRole, startStrapi, type TestApp } from '../helpers/strapi';
import { generateEntries, insertEntries } from './helpers';

describe('logs reading API: access and validation', () => {
  let app: TestApp;
  let full: Record<string, string>;

  beforeAll(async () => {
    app = await startStrapi();
    full = { Authorization: `Bearer ${await createApiToken(app.strapi, 'full-access')}` };
    await insertEntries(app.strapi, generateEntries(50, Date.now()));
  });
  afterAll(async () => {
    await app?.stop();
  });

  const ROUTES = ['/api/logs/search', '/api/logs/search?format=csv', '/api/logs/search?format=ndjson', '/api/logs/stats'];

  it.each(ROUTES)('unauthenticated %s is 403 (Public has nothing)', async (route) => {
    const res = await app.http().get(route);
    expect(res.status).toBe(403);
  });

  it.each(ROUTES)('a full-access API token gets 200 on %s', async (route) => {
    expect((await app.http().get(route).set(full)).status).toBe(200);
  });

  it('API-token look-ups are cached, yet a revoked, regenerated or re-scoped token changes at once', async () => {
    // src/platform/api-token-cache.ts: every write to a token or its permissions empties the cache.
    const tokens = app.strapi.service('admin::api-token-content-api') as any;
    const created = await tokens.create({ name: `cache-${Date.now()}`, type: 'custom', permissions: ['api::logs.log-query.search'], lifespan: null });
    const get = (key: string, route = '/api/logs/search') => app.http().get(route).set('Authorization', `Bearer ${key}`);
    expect((await get(created.accessKey)).status).toBe(200);
    expect((await get(created.accessKey)).status).toBe(200); // served from the cache
    expect((await get(created.accessKey, '/api/logs/stats')).status).toBe(403);

    await tokens.update(created.id, { permissions: ['api::logs.log-query.search', 'api::logs.log-query.stats'] });
    expect((await get(created.accessKey, '/api/logs/stats')).status).toBe(200);

    const regenerated = await tokens.regenerate(created.id);
    expect((await get(created.accessKey)).status).toBe(401);
    expect((await get(regenerated.accessKey)).status).toBe(200);

    await tokens.revoke(created.id);
    expect((await get(regenerated.accessKey)).status).toBe(401);
  });

  it('a custom token with only api::logs.log-query.search can search but not read stats', async () => {
    const token = await createApiToken(app.strapi, 'custom', ['api::logs.log-query.search']);
    const auth = { Authorization: `Bearer ${token}` };
    const search = await app.http().get('/api/logs/search').set(auth);
    expect(search.status).toBe(200);
    expect(search.body.data).toHaveLength(50);
    expect((await app.http().get('/api/logs/search?format=csv').set(auth)).status).toBe(200);
    expect((await app.http().get('/api/logs/stats').set(auth)).status).toBe(403);
  });

  it('a custom token with only .stats cannot search; a read-only token has neither', async () => {
    const statsOnly = { Authorization: `Bearer ${await createApiToken(app.strapi, 'custom', ['api::logs.log-query.stats'])}` };
    expect((await app.http().get('/api/logs/stats').set(statsOnly)).status).toBe(200);
    expect((await app.http().get('/api/logs/search').set(statsOnly)).status).toBe(403);
    const readOnly = { Authorization: `Bearer ${await createApiToken(app.strapi, 'custom', ['api::logs.log-entry.find'])}` };
    expect((await app.http().get('/api/logs/search').set(readOnly)).status).toBe(403);
    expect((await app.http().get('/api/logs/stats').set(readOnly)).status).toBe(403);
  });

  it('users-permissions: a role without the action gets 403, granted it gets 200', async () => {
    const { jwt } = await endUserToken(app.strapi, 'teacher');
    const auth = { Authorization: `Bearer ${jwt}` };
    expect((await app.http().get('/api/logs/search').set(auth)).status).toBe(403);
    await grantToRole(app.strapi, 'teacher', ['api::logs.log-query.search']);
    expect((await app.http().get('/api/logs/search').set(auth)).status).toBe(200);
    expect((await app.http().get('/api/logs/stats').set(auth)).status).toBe(403);
  });

  const BAD: Array<[string, string, string]> = [
    ['severity=LOUD', 'severity', '/api/logs/search'],
    ['minSeverity=2', 'minSeverity', '/api/logs/search'],
    ['from=yesterday', 'from', '/api/logs/search'],
    ['to=2026-13-45T99:00:00Z', 'to', '/api/logs/search'],
    ['from=-5x', 'from', '/api/logs/stats'],
    ['from=-1h&to=-2h', 'from', '/api/logs/stats'],
    ['limit=0', 'limit', '/api/logs/search'],
    ['limit=1001', 'limit', '/api/logs/search'],
    ['limit=ten', 'limit', '/api/logs/search'],
    ['cursor=not-a-cursor', 'cursor', '/api/logs/search'],
    ['cursor=WzEsMl0', 'cursor', '/api/logs/search'], // a well-formed array, but wrong type for the dialect on one of them
    ['attr.bad%20key=1', 'attr.bad key', '/api/logs/search'],
    ['attr.code=', 'attr.code', '/api/logs/search'],
    ['format=xml', 'format', '/api/logs/search'],
    ['format=csv', 'format', '/api/logs/stats'],
    ['sevrity=ERROR', 'sevrity', '/api/logs/search'],
    ['severity[a]=1', 'severity', '/api/logs/stats'],
  ];

  it.each(BAD)('bad parameter %s -> 400 naming "%s"', async (qs, parameter, route) => {
    const res = await app.http().get(`${route}?${qs}`).set(full);
    if (qs.startsWith('cursor=WzEsMl0')) {
      // [1,2] is a valid SQLite cursor (epoch ms), not a PostgreSQL one: accept 200 only on SQLite.
      if (app.db.client === 'sqlite') return expect(res.status).toBe(200);
    }
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(`"${parameter}"`);
    expect(res.body.error.details).toEqual({ parameter });
  });

  it('an entry created through the generic REST API is found by every filter', async () => {
    // service_name must name an existing log service (src/api/logs/register.ts).
    const created = await app.http().post('/api/log-entries').set(full).send({
      data: { service_name: 'pagos', timestamp: '2030-05-06T07:08:09.123Z', severity: 'FATAL', message: 'Disk FULL on /var', attributes: { disk: 'sda', pct: 99 }, host: 'db-1' },
    });
    expect(created.status).toBe(201);
    const query = { service: 'pagos', severity: 'FATAL', from: '2030-05-06T07:08:09.123Z', to: '2030-05-06T07:08:09.123Z', q: 'disk full', 'attr.disk': 'sda', 'attr.pct': '99' };
    const res = await app.http().get('/api/logs/search').query(query).set(full);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      {
        id: created.body.data.id,
        documentId: created.body.data.documentId,
        service: 'pagos',
        timestamp: '2030-05-06T07:08:09.123Z',
        received_at: null,
        severity: 'FATAL',
        message: 'Disk FULL on /var',
        attributes: { disk: 'sda', pct: 99 },
        host: 'db-1',
      },
    ]);
    // One millisecond off either bound excludes it.
    for (const bounds of [{ from: '2030-05-06T07:08:09.124Z', to: '2030-05-06T07:08:10Z' }, { from: '2030-05-06T07:08:08Z', to: '2030-05-06T07:08:09.122Z' }]) {
      const miss = await app.http().get('/api/logs/search').query({ ...query, ...bounds }).set(full);
      expect([miss.status, miss.body.data]).toEqual([200, []]);
    }
    expect((await app.http().delete(`/api/log-entries/${created.body.data.documentId}`).set(full)).status).toBe(204);
  });

  it('a bad parameter writes nothing and leaks no SQL', async () => {
    const res = await app.http().get("/api/logs/search?q=%27%3B%20drop%20table%20logs_entries%3B--").set(full);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
    expect(Number((await app.strapi.db.connection('logs_entries').count({ c: '*' }))[0].c)).toBe(50);
  });
});
