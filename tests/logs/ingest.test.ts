import zlib from 'zlib';
import { adminToken, createApiToken, startStrapi, type TestApp } from '../helpers/strapi';
import { asDate, countEntries, createLogService, keepAlive, postRaw, storedEntries } from './ingest-helpers';

const ENDPOINT = '/api/ingest/logs';

describe('log ingestion (POST /api/ingest/logs)', () => {
  let app: TestApp;
  let pagos: Awaited<ReturnType<typeof createLogService>>;
  let pedidos: Awaited<ReturnType<typeof createLogService>>;

  beforeAll(async () => {
    app = await startStrapi();
    pagos = await createLogService(app.strapi, 'pagos');
    pedidos = await createLogService(app.strapi, 'pedidos');
  });
  afterAll(async () => {
    keepAlive.destroy();
    await app?.stop();
  });

  const post = (token: string | null, scheme = 'Token') => {
    const req = app.http().post(ENDPOINT);
    return token ? req.set('Authorization', `${scheme} ${token}`) : req;
  };

  describe('input forms', () => {
    it('stores one JSON object', async () => {
      const res = await post(pagos.token).send({ message: 'pago aprobado', severity: 'info', host: 'pay-1', attributes: { amount: 12.5 } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ stored: 1, rejected: [] });
      const rows = await storedEntries(app.strapi, { 'e.message': 'pago aprobado' });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ service_name: 'pagos', known_service: 'pagos', severity: 'INFO', host: 'pay-1' });
      expect(rows[0].document_id).toMatch(/^[a-z][a-z0-9]{23}$/);
      expect(JSON.parse(String(rows[0].attributes))).toEqual({ amount: 12.5 });
    });

    it('stores a JSON array, with Bearer as well as Token', async () => {
      const res = await post(pagos.token, 'Bearer').send([{ message: 'array-1' }, { message: 'array-2', severity: 'ERROR' }]);
      expect(res.status).toBe(200);
      expect(res.body.stored).toBe(2);
      expect((await storedEntries(app.strapi, { 'e.service_name': 'pagos' })).filter((r) => String(r.message).startsWith('array-')).map((r) => r.severity)).toEqual(['INFO', 'ERROR']);
    });

    it('stores NDJSON (blank lines ignored)', async () => {
      const body = ['{"message":"nd-1"}', '', '{"message":"nd-2","severity":"warning"}', '{"message":"nd-3","severity":"crit"}'].join('\n');
      const res = await post(pagos.token).set('Content-Type', 'application/x-ndjson').send(body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ stored: 3, rejected: [] });
      const rows = await storedEntries(app.strapi);
      expect(rows.filter((r) => String(r.message).startsWith('nd-')).map((r) => r.severity)).toEqual(['INFO', 'WARN', 'FATAL']);
    });

    it('stores gzip-encoded JSON and NDJSON', async () => {
      const json = zlib.gzipSync(JSON.stringify([{ message: 'gz-json-1' }, { message: 'gz-json-2' }]));
      const res1 = await postRaw(app.url + ENDPOINT, { Authorization: `Token ${pagos.token}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, json);
      expect([res1.status, res1.body]).toEqual([200, { stored: 2, rejected: [] }]);
      const nd = zlib.gzipSync('{"message":"gz-nd-1"}\n{"message":"gz-nd-2"}\n');
      const res2 = await post(pagos.token).set('Content-Type', 'application/x-ndjson').set('Content-Encoding', 'gzip').send(nd);
      expect(res2.status).toBe(200);
      expect(res2.body.stored).toBe(2);
      expect(await countEntries(app.strapi, { message: 'gz-nd-2', service_name: 'pagos' })).toBe(1);
    });

    it('rejects a gzip body that is not gzip with 400', async () => {
      const res = await postRaw(app.url + ENDPOINT, { Authorization: `Token ${pagos.token}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, '{"message":"x"}');
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/gzip/);
    });

    it('normalises timestamps (ISO and epoch ms) and severity aliases', async () => {
      const epoch = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
      const res = await post(pagos.token).send([
        { message: 'ts-iso', timestamp: '2026-01-02T03:04:05.678Z', severity: 'Err' },
        { message: 'ts-epoch', timestamp: epoch, severity: 'TRACE' },
        { message: 'ts-offset', timestamp: '2026-01-02T05:04:05.678+02:00', severity: 'notice' },
      ]);
      expect(res.body).toEqual({ stored: 3, rejected: [] });
      const rows = (await storedEntries(app.strapi)).filter((r) => String(r.message).startsWith('ts-'));
      expect(rows.map((r) => asDate(r.timestamp).getTime())).toEqual([epoch, epoch, epoch]);
      expect(rows.map((r) => r.severity)).toEqual(['ERROR', 'DEBUG', 'INFO']);
    });
  });

  describe('validation', () => {
    it('reports the exact indices of invalid records and stores only the valid ones', async () => {
      const before = await countEntries(app.strapi);
      const res = await post(pagos.token).send([
        { message: 'mixed-0' },
        { severity: 'INFO' },
        { message: 'mixed-2', timestamp: 'yesterday-ish' },
        'not an object',
        { message: 'mixed-4', severity: 'loud' },
        { message: 'mixed-5', attributes: [1, 2] },
        { message: 42 },
        { message: 'mixed-7', severity: 'fatal' },
      ]);
      expect(res.status).toBe(200);
      expect(res.body.stored).toBe(2);
      expect(res.body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(res.body.rejected[0].reason).toMatch(/message is required/);
      expect(res.body.rejected[1].reason).toMatch(/timestamp/);
      expect(res.body.rejected[2].reason).toMatch(/JSON object/);
      expect(res.body.rejected[3].reason).toMatch(/severity/);
      expect(res.body.rejected[4].reason).toMatch(/attributes/);
      expect(res.body.rejected[5].reason).toMatch(/message must be a string/);
      expect(await countEntries(app.strapi)).toBe(before + 2);
      expect((await storedEntries(app.strapi)).filter((r) => String(r.message).startsWith('mixed-')).map((r) => r.message)).toEqual(['mixed-0', 'mixed-7']);
    });

    it('answers 400 and stores nothing when no record is valid; NDJSON lines are reported with their line', async () => {
      const before = await countEntries(app.strapi);
      const res = await post(pagos.token).set('Content-Type', 'application/x-ndjson').send('{"message":""}\n\n{oops\n');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        stored: 0,
        rejected: [
          { index: 0, line: 1, reason: expect.stringMatching(/empty/) },
          { index: 1, line: 3, reason: expect.stringMatching(/line 3 is not valid JSON/) },
        ],
      });
      expect(await countEntries(app.strapi)).toBe(before);
    });

    it('rejects a body that is not JSON with 400', async () => {
      const res = await post(pagos.token).set('Content-Type', 'application/json').send('{"message": ');
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/not valid JSON/);
    });

    it('rejects messages longer than the configured maximum', async () => {
      const max = app.strapi.config.get('plugin::ingest.maxMessageLength') as number;
      const res = await post(pagos.token).send([{ message: 'x'.repeat(max + 1) }, { message: 'x'.repeat(max) }]);
      expect(res.body.stored).toBe(1);
      expect(res.body.rejected).toEqual([{ index: 0, reason: `message is longer than ${max} characters` }]);
    });
  });

  describe('authentication', () => {
    it('answers 401 without a token, with a wrong token and with a malformed header', async () => {
      const before = await countEntries(app.strapi);
      expect((await post(null).send({ message: 'x' })).status).toBe(401);
      expect((await post(pagos.token.slice(0, -1) + (pagos.token.endsWith('a') ? 'b' : 'a')).send({ message: 'x' })).status).toBe(401);
      expect((await post(`${pagos.prefix}_${'A'.repeat(32)}`).send({ message: 'x' })).status).toBe(401);
      expect((await post('garbage').send({ message: 'x' })).status).toBe(401);
      expect((await app.http().post(ENDPOINT).set('Authorization', pagos.token).send({ message: 'x' })).status).toBe(401);
      expect(await countEntries(app.strapi)).toBe(before);
    });

    it('answers 401 for the token of an inactive service', async () => {
      const dormant = await createLogService(app.strapi, 'dormant', { active: false });
      expect((await post(dormant.token).send({ message: 'x' })).status).toBe(401);
    });

    it('never lets a service token post as another service', async () => {
      const before = await countEntries(app.strapi, { service_name: 'pedidos' });
      const res = await post(pagos.token).send([{ message: 'own' }, { message: 'spoof', service: 'pedidos' }]);
      expect(res.status).toBe(200);
      expect(res.body.rejected).toEqual([{ index: 1, reason: expect.stringMatching(/belongs to "pagos"/) }]);
      const viaQuery = await app.http().post(`${ENDPOINT}?service=pedidos`).set('Authorization', `Token ${pagos.token}`).send({ message: 'spoof' });
      expect(viaQuery.status).toBe(403);
      expect(await countEntries(app.strapi, { service_name: 'pedidos' })).toBe(before);
      expect(await countEntries(app.strapi, { message: 'spoof' })).toBe(0);
    });

    it('accepts a full-access API token naming the service (query or per record); unknown service is 400', async () => {
      const apiToken = await createApiToken(app.strapi, 'full-access');
      const res = await app.http().post(`${ENDPOINT}?service=pedidos`).set('Authorization', `Bearer ${apiToken}`).send([{ message: 'api-1' }, { message: 'api-2', service: 'pagos' }]);
      expect(res.status).toBe(200);
      expect(res.body.stored).toBe(2);
      const rows = (await storedEntries(app.strapi)).filter((r) => String(r.message).startsWith('api-'));
      expect(rows.map((r) => [r.message, r.service_name, r.known_service])).toEqual([
        ['api-1', 'pedidos', 'pedidos'],
        ['api-2', 'pagos', 'pagos'],
      ]);
      const unknown = await app.http().post(`${ENDPOINT}?service=nope`).set('Authorization', `Bearer ${apiToken}`).send({ message: 'x' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toMatch(/Unknown log service "nope"/);
      const unnamed = await app.http().post(ENDPOINT).set('Authorization', `Token ${apiToken}`).send({ message: 'x' });
      expect(unnamed.status).toBe(400);
      expect(unnamed.body.rejected[0].reason).toMatch(/service is required/);
    });

    it('accepts a custom API token only with the ingest permission', async () => {
      const granted = await createApiToken(app.strapi, 'custom', ['plugin::ingest.logs.ingest']);
      const other = await createApiToken(app.strapi, 'custom', ['api::logs.log-entry.find']);
      const readOnly = await createApiToken(app.strapi, 'read-only');
      const send = (t: string) => app.http().post(`${ENDPOINT}?service=pedidos`).set('Authorization', `Bearer ${t}`).send({ message: 'custom' });
      expect((await send(granted)).status).toBe(200);
      expect((await send(other)).status).toBe(401);
      expect((await send(readOnly)).status).toBe(401);
      expect(await countEntries(app.strapi, { message: 'custom' })).toBe(1);
    });

    it('rotating a token invalidates the old one immediately', async () => {
      const svc = await createLogService(app.strapi, 'rotating');
      expect((await post(svc.token).send({ message: 'before rotation' })).status).toBe(200);
      const issued = await app.strapi.plugin('ingest').service('logTokens').issue(svc.service.documentId);
      expect(issued.token).not.toBe(svc.token);
      expect((await post(svc.token).send({ message: 'old token' })).status).toBe(401);
      expect((await post(issued.token).send({ message: 'new token' })).status).toBe(200);
      const stored = await app.strapi.db.query('api::logs.log-service').findOne({ where: { id: svc.service.id } });
      expect(stored.token_prefix).toBe(issued.token_prefix);
      expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(stored)).not.toContain(issued.token);
    });
  });

  describe('admin token route', () => {
    const route = (documentId: string) => `/ingest/log-services/${documentId}/token`;

    it('answers 401 unauthenticated and 403 without the permission', async () => {
      expect((await app.http().post(route(pagos.service.documentId))).status).toBe(401);
      const crew = await adminToken(app, ['Race crew']);
      expect((await app.http().post(route(pagos.service.documentId)).set('Authorization', `Bearer ${crew}`)).status).toBe(403);
      // The old token still works: nothing was rotated.
      expect((await post(pagos.token).send({ message: 'still valid' })).status).toBe(200);
    });

    it('creates a token once for a Super Admin, and the new token posts', async () => {
      const admin = await adminToken(app, ['Super Admin']);
      const svc = await app.strapi.documents('api::logs.log-service').create({ data: { name: 'from-admin' } as any });
      const res = await app.http().post(route(svc.documentId)).set('Authorization', `Bearer ${admin}`);
      expect(res.status).toBe(200);
      expect(res.body.data.token).toMatch(/^tbl_[A-Za-z0-9]{8}_[A-Za-z0-9]{32}$/);
      expect(res.body.data.token.startsWith(res.body.data.token_prefix)).toBe(true);
      expect(res.headers['cache-control']).toBe('no-store');
      expect((await post(res.body.data.token).send({ message: 'admin-made' })).status).toBe(200);
      expect((await app.http().post(route('doesnotexist')).set('Authorization', `Bearer ${admin}`)).status).toBe(404);
      // The Content Manager never shows the hash.
      const cm = await app.http().get(`/content-manager/collection-types/api::logs.log-service/${svc.documentId}`).set('Authorization', `Bearer ${admin}`);
      expect(cm.status).toBe(200);
      expect(cm.body.data.token_prefix).toBe(res.body.data.token_prefix);
      expect(cm.body.data.token_hash).toBeUndefined();
    });
  });

  describe('Content Manager on bulk-ingested rows', () => {
    it('edits and deletes a bulk-ingested row and shows its service', async () => {
      const admin = await adminToken(app, ['Super Admin']);
      await post(pedidos.token).send([{ message: 'cm-edit' }, { message: 'cm-delete' }]);
      const [edit, del] = (await storedEntries(app.strapi)).filter((r) => String(r.message).startsWith('cm-'));
      const base = '/content-manager/collection-types/api::logs.log-entry';
      const shown = await app.http().get(`${base}/${edit.document_id}`).set('Authorization', `Bearer ${admin}`);
      expect(shown.status).toBe(200);
      expect(shown.body.data).toMatchObject({ message: 'cm-edit', service_name: 'pedidos' });

      const updated = await app.http().put(`${base}/${edit.document_id}`).set('Authorization', `Bearer ${admin}`).send({ message: 'cm-edited', severity: 'ERROR' });
      expect(updated.status).toBe(200);
      const [row] = await storedEntries(app.strapi, { 'e.id': edit.id });
      expect(row).toMatchObject({ message: 'cm-edited', severity: 'ERROR', service_name: 'pedidos', known_service: 'pedidos' });

      // The form refuses a service that does not exist, naming the field, and writes nothing.
      const unknown = await app.http().put(`${base}/${edit.document_id}`).set('Authorization', `Bearer ${admin}`).send({ service_name: 'nobody' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.details.errors[0].path).toEqual(['service_name']);
      expect((await storedEntries(app.strapi, { 'e.id': edit.id }))[0].service_name).toBe('pedidos');

      const deleted = await app.http().delete(`${base}/${del.document_id}`).set('Authorization', `Bearer ${admin}`);
      expect(deleted.status).toBe(200);
      expect(await countEntries(app.strapi, { id: del.id })).toBe(0);
    });

    it('takes service_name from REST entries only for an existing service, and follows a service rename', async () => {
      const apiToken = await createApiToken(app.strapi, 'full-access');
      const res = await app.http().post('/api/log-entries').set('Authorization', `Bearer ${apiToken}`).send({
        data: { message: 'rest-entry', timestamp: new Date().toISOString(), severity: 'INFO', service_name: 'pedidos' },
      });
      expect(res.status).toBe(201);
      const [row] = await storedEntries(app.strapi, { 'e.message': 'rest-entry' });
      expect(row).toMatchObject({ service_name: 'pedidos', known_service: 'pedidos' });
      const forged = await app.http().post('/api/log-entries').set('Authorization', `Bearer ${apiToken}`).send({
        data: { message: 'forged-entry', timestamp: new Date().toISOString(), severity: 'INFO', service_name: 'forged' },
      });
      expect(forged.status).toBe(400);
      expect(forged.body.error.message).toMatch(/service_name "forged" is not a log service/);
      expect(await countEntries(app.strapi, { message: 'forged-entry' })).toBe(0);

      const renamed = await app.strapi.documents('api::logs.log-service').create({ data: { name: 'old-name' } as any });
      const issued = await app.strapi.plugin('ingest').service('logTokens').issue(renamed.documentId);
      await post(issued.token).send({ message: 'renamed-entry' });
      await app.strapi.documents('api::logs.log-service').update({ documentId: renamed.documentId, data: { name: 'new-name' } as any });
      const [after] = await storedEntries(app.strapi, { 'e.message': 'renamed-entry' });
      expect(after.service_name).toBe('new-name');
      // The token still posts, under the new name.
      expect((await post(issued.token).send({ message: 'after-rename' })).status).toBe(200);
      expect((await storedEntries(app.strapi, { 'e.message': 'after-rename' }))[0].service_name).toBe('new-name');
    });
  });
});
