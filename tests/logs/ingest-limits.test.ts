import zlib from 'zlib';
import { adminToken, startStrapi, type TestApp } from '../helpers/strapi';
import { collect, connect, subscribe, waitFor } from '../helpers/sockets';
import { countEntries, createLogService, keepAlive, postRaw, storedEntries } from './ingest-helpers';

const ENDPOINT = '/api/ingest/logs';

describe('log ingestion limits, idempotency, retention and live tail', () => {
  let app: TestApp;
  let pagos: Awaited<ReturnType<typeof createLogService>>;
  let chat: Awaited<ReturnType<typeof createLogService>>;
  let defaults: Record<string, unknown>;

  beforeAll(async () => {
    app = await startStrapi();
    pagos = await createLogService(app.strapi, 'pagos', { retention_days: 7 });
    chat = await createLogService(app.strapi, 'chat', { retention_days: 30 });
    defaults = JSON.parse(JSON.stringify(app.strapi.config.get('plugin::ingest')));
  });
  afterEach(() => {
    // Each test may tighten a limit at runtime; the plugin reads its config on every request.
    app.strapi.config.set('plugin::ingest', JSON.parse(JSON.stringify(defaults)));
    app.strapi.plugin('ingest').service('rateLimiter').reset();
    app.strapi.plugin('ingest').service('liveTail').stop();
  });
  afterAll(async () => {
    keepAlive.destroy();
    await app?.stop();
  });

  const send = (token: string, body: unknown, headers: Record<string, string> = {}) =>
    postRaw(app.url + ENDPOINT, { Authorization: `Token ${token}`, 'Content-Type': 'application/json', ...headers }, typeof body === 'string' || Buffer.isBuffer(body) ? (body as any) : JSON.stringify(body));

  describe('413', () => {
    it('refuses a body over the byte limit, naming the limit, and stores nothing', async () => {
      app.strapi.config.set('plugin::ingest.maxBodyBytes', 1000);
      const before = await countEntries(app.strapi);
      const body = JSON.stringify([{ message: 'y'.repeat(1000) }]);
      const res = await send(pagos.token, body);
      expect(res.status).toBe(413);
      expect(res.body.error.message).toBe('Request body exceeds the limit of 1000 bytes');
      expect((await send(pagos.token, [{ message: 'small' }])).status).toBe(200);
      expect(await countEntries(app.strapi)).toBe(before + 1);
    });

    it('measures gzip bodies after decoding (a small bomb is refused)', async () => {
      app.strapi.config.set('plugin::ingest.maxBodyBytes', 10_000);
      const bomb = zlib.gzipSync(JSON.stringify([{ message: 'z'.repeat(1_000_000) }]));
      expect(bomb.length).toBeLessThan(10_000);
      const res = await send(pagos.token, bomb, { 'Content-Encoding': 'gzip' });
      expect(res.status).toBe(413);
      expect(res.body.error.message).toMatch(/limit of 10000 bytes/);
    });

    it('refuses more records than allowed per request', async () => {
      app.strapi.config.set('plugin::ingest.maxRecordsPerRequest', 5);
      const before = await countEntries(app.strapi);
      const res = await send(pagos.token, Array.from({ length: 6 }, (_, i) => ({ message: `r${i}` })));
      expect(res.status).toBe(413);
      expect(res.body.error.message).toMatch(/6 records; the limit is 5/);
      expect((await send(pagos.token, Array.from({ length: 5 }, (_, i) => ({ message: `r${i}` })))).body.stored).toBe(5);
      expect(await countEntries(app.strapi)).toBe(before + 5);
    });
  });

  describe('429', () => {
    it('limits each service with a token bucket and says when to retry', async () => {
      app.strapi.config.set('plugin::ingest.rate', { recordsPerSecond: 1, burst: 3 });
      const before = await countEntries(app.strapi);
      expect((await send(pagos.token, [{ message: 'a' }, { message: 'b' }, { message: 'c' }])).status).toBe(200);
      const limited = await send(pagos.token, [{ message: 'd' }, { message: 'e' }]);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.body.error.message).toMatch(/pagos/);
      // Another service has its own bucket.
      expect((await send(chat.token, [{ message: 'other service' }])).status).toBe(200);
      expect(await countEntries(app.strapi)).toBe(before + 4);
    });
  });

  describe('Idempotency-Key', () => {
    it('answers a retry with the first response and stores nothing twice', async () => {
      const before = await countEntries(app.strapi, { service_name: 'pagos' });
      const first = await send(pagos.token, [{ message: 'idem-1' }, { severity: 'x' }], { 'Idempotency-Key': 'batch-42' });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ stored: 1, rejected: [{ index: 1, reason: 'message is required' }] });
      const retry = await send(pagos.token, [{ message: 'idem-1' }, { severity: 'x' }], { 'Idempotency-Key': 'batch-42' });
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await countEntries(app.strapi, { service_name: 'pagos' })).toBe(before + 1);
      // Concurrent retries: still one copy.
      const burst = await Promise.all(Array.from({ length: 5 }, () => send(pagos.token, [{ message: 'idem-2' }], { 'Idempotency-Key': 'batch-43' })));
      expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(await countEntries(app.strapi, { message: 'idem-2' })).toBe(1);
      // Keys are per service: the same key from another service is a different request.
      expect((await send(chat.token, [{ message: 'idem-1' }], { 'Idempotency-Key': 'batch-42' })).body.stored).toBe(1);
      expect(await countEntries(app.strapi, { message: 'idem-1' })).toBe(2);
    });

    it('forgets keys after 24 hours', async () => {
      expect((await send(pagos.token, [{ message: 'idem-old' }], { 'Idempotency-Key': 'old-key' })).body.stored).toBe(1);
      await app.strapi.db.connection('ingest_idempotency').where({ idempotency_key: 'old-key' }).update({ created_at: new Date(Date.now() - 25 * 3600_000) });
      const again = await send(pagos.token, [{ message: 'idem-old' }], { 'Idempotency-Key': 'old-key' });
      expect(again.headers['idempotent-replayed']).toBeUndefined();
      expect(await countEntries(app.strapi, { message: 'idem-old' })).toBe(2);
    });
  });

  describe('retention', () => {
    it('deletes exactly the entries older than each service retention, in batches', async () => {
      app.strapi.config.set('plugin::ingest.retention.batchSize', 2);
      const now = new Date();
      const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();
      await send(pagos.token, [
        { message: 'ret-pagos-expired-1', timestamp: daysAgo(8) },
        { message: 'ret-pagos-expired-2', timestamp: daysAgo(100) },
        { message: 'ret-pagos-expired-3', timestamp: daysAgo(7.01) },
        { message: 'ret-pagos-kept', timestamp: daysAgo(6.9) },
      ]);
      await send(chat.token, [
        { message: 'ret-chat-expired', timestamp: daysAgo(31) },
        { message: 'ret-chat-kept', timestamp: daysAgo(8) },
      ]);
      const expired = (await storedEntries(app.strapi)).filter((r) => /^ret-.*-expired/.test(String(r.message)));
      expect(expired).toHaveLength(4);
      const before = await countEntries(app.strapi);

      const result = await app.strapi.plugin('ingest').service('retention').purgeExpired(now);
      expect(result.deleted).toBe(4);
      expect(result.byService).toEqual({ pagos: 3, chat: 1 });
      expect(await countEntries(app.strapi)).toBe(before - 4);
      expect((await storedEntries(app.strapi)).filter((r) => String(r.message).startsWith('ret-')).map((r) => r.message).sort()).toEqual(['ret-chat-kept', 'ret-pagos-kept']);
      expect((await app.strapi.plugin('ingest').service('retention').purgeExpired(now)).deleted).toBe(0);
    });
  });

  describe('live tail', () => {
    it('publishes stored lines on logs:tail, throttled, with a skipped count', async () => {
      app.strapi.config.set('plugin::ingest.tail', { maxLinesPerSecond: 20, intervalMs: 100 });
      const admin = await adminToken(app, ['Super Admin']);
      const socket = await connect(app.url, admin);
      try {
        expect((await subscribe(socket, 'logs:tail')).joined).toEqual(['logs:tail']);
        const events = collect(socket, 'logs:lines');
        await send(chat.token, Array.from({ length: 100 }, (_, i) => ({ message: `tail-${i}`, severity: 'warn' })));
        const total = () => events.reduce((n, e) => n + e.payload.lines.length + e.payload.skipped, 0);
        await waitFor(() => total() >= 100, 5000, '100 lines accounted for');
        const lines = events.flatMap((e) => e.payload.lines);
        expect(lines.length).toBeLessThanOrEqual(20);
        expect(lines.length).toBeGreaterThan(0);
        expect(Object.keys(lines[0]).sort()).toEqual(['attributes', 'documentId', 'host', 'id', 'message', 'received_at', 'service', 'severity', 'timestamp']);
        expect(lines[0]).toMatchObject({ service: 'chat', severity: 'WARN' });
        // A tail shows the newest lines: the oldest of the flood are the ones skipped.
        expect(lines.map((l: { message: string }) => l.message)).toEqual(Array.from({ length: lines.length }, (_, i) => `tail-${100 - lines.length + i}`));
        expect(total()).toBe(100);
      } finally {
        socket.close();
      }
    });

    it('refuses the topic to an admin without the logs permission', async () => {
      const crew = await adminToken(app, ['Race crew']);
      const socket = await connect(app.url, crew);
      try {
        expect((await subscribe(socket, 'logs:tail')).refused).toEqual([{ topic: 'logs:tail', reason: 'forbidden' }]);
      } finally {
        socket.close();
      }
    });
  });
});
