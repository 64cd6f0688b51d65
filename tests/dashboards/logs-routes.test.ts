import { adminToken, startStrapi, type TestApp } from '../helpers/strapi';

/**
 * Admin routes of the Logs page (dashboards plugin): who may call them, and that they answer with the
 * logs domain's query results (the query service itself is tested with the logs domain).
 */
describe('dashboards: Logs admin routes', () => {
  let app: TestApp;
  const now = Date.now();
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60000);

  beforeAll(async () => {
    app = await startStrapi();
    const services = app.strapi.db.query('api::logs.log-service');
    await services.create({ data: { name: 'pagos', active: true } });
    await services.create({ data: { name: 'pedidos', active: true } });
    const entries = [
      { service_name: 'pagos', severity: 'ERROR', message: 'Tarjeta rechazada', minutes: 10 },
      { service_name: 'pagos', severity: 'FATAL', message: 'Pasarela caida', minutes: 20 },
      { service_name: 'pagos', severity: 'INFO', message: 'Pago aprobado, "ok"', minutes: 30 },
      { service_name: 'pedidos', severity: 'ERROR', message: 'Sin stock', minutes: 40 },
      { service_name: 'pedidos', severity: 'WARN', message: 'Stock bajo', minutes: 50 },
      { service_name: 'pedidos', severity: 'ERROR', message: 'Antiguo', minutes: 60 * 30 },
    ];
    for (const e of entries) {
      await app.strapi.db.query('api::logs.log-entry').create({
        data: { service_name: e.service_name, severity: e.severity, message: e.message, timestamp: at(e.minutes), received_at: at(e.minutes), host: 'h1' },
      });
    }
  });
  afterAll(async () => {
    await app?.stop();
  });

  const ROUTES = [
    '/dashboards/logs/search',
    '/dashboards/logs/stats',
    '/dashboards/logs/export?format=csv',
    '/dashboards/logs/errors-by-service',
    '/dashboards/logs/services',
  ];

  it.each(ROUTES)('refuses %s without an admin session (401)', async (route) => {
    expect((await app.http().get(route)).status).toBe(401);
  });

  it('refuses a Race crew admin (403) on every route', async () => {
    const auth = { Authorization: `Bearer ${await adminToken(app, ['Race crew'])}` };
    for (const route of ROUTES) expect([route, (await app.http().get(route).set(auth)).status]).toEqual([route, 403]);
  });

  it('serves an Analyst (granted logs.read at role creation) and a Super Admin', async () => {
    for (const role of ['Analyst', 'Super Admin']) {
      const auth = { Authorization: `Bearer ${await adminToken(app, [role])}` };
      for (const route of ROUTES) expect([role, route, (await app.http().get(route).set(auth)).status]).toEqual([role, route, 200]);
    }
  });

  describe('as an Analyst', () => {
    let auth: Record<string, string>;
    beforeAll(async () => {
      auth = { Authorization: `Bearer ${await adminToken(app, ['Analyst'])}` };
    });

    it('searches with the shared filters, newest first, with a cursor for the next page', async () => {
      const first = await app.http().get('/dashboards/logs/search?service=pagos&limit=2').set(auth);
      expect(first.status).toBe(200);
      expect(first.body.data.map((e: any) => e.message)).toEqual(['Tarjeta rechazada', 'Pasarela caida']);
      expect(Object.keys(first.body.data[0]).sort()).toEqual(['attributes', 'documentId', 'host', 'id', 'message', 'received_at', 'service', 'severity', 'timestamp']);
      const next = await app.http().get(`/dashboards/logs/search?service=pagos&limit=2&cursor=${first.body.meta.nextCursor}`).set(auth);
      expect(next.body.data.map((e: any) => e.message)).toEqual(['Pago aprobado, "ok"']);
      expect(next.body.meta.nextCursor).toBeNull();
    });

    it('answers 400 naming the parameter for bad filters', async () => {
      const res = await app.http().get('/dashboards/logs/search?severity=LOUD').set(auth);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(/severity/);
      const hours = await app.http().get('/dashboards/logs/errors-by-service?hours=0').set(auth);
      expect(hours.status).toBe(400);
      expect(JSON.stringify(hours.body)).toMatch(/hours/);
      const format = await app.http().get('/dashboards/logs/export?format=xml').set(auth);
      expect(format.status).toBe(400);
      expect(JSON.stringify(format.body)).toMatch(/format/);
    });

    it('computes stats of the filtered range', async () => {
      const res = await app.http().get('/dashboards/logs/stats?from=-24h').set(auth);
      expect(res.body.data.total).toBe(5);
      const buckets = res.body.data.histogram.buckets;
      const errors = buckets.reduce((sum: number, b: any) => sum + b.counts.ERROR, 0);
      expect(errors).toBe(2);
    });

    it('exports the query as a CSV attachment with the contract columns', async () => {
      const res = await app.http().get('/dashboards/logs/export?format=csv&service=pagos').set(auth).buffer(true).parse((r, cb) => {
        let text = '';
        r.on('data', (c: Buffer) => (text += c.toString('utf8')));
        r.on('end', () => cb(null, text));
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/csv/);
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="logs-.*\.csv"$/);
      const lines = (res.body as string).trim().split(/\r?\n/);
      expect(lines[0]).toBe('id,documentId,service,timestamp,received_at,severity,message,attributes,host');
      expect(lines).toHaveLength(4);
      expect(lines[3]).toContain('"Pago aprobado, ""ok"""');
    });

    it('counts ERROR and FATAL per service over the last 24 h', async () => {
      const res = await app.http().get('/dashboards/logs/errors-by-service').set(auth);
      expect(res.body.data).toEqual([
        { service: 'pagos', count: 2 },
        { service: 'pedidos', count: 1 },
      ]);
    });

    it('lists the services to filter by', async () => {
      const res = await app.http().get('/dashboards/logs/services').set(auth);
      expect(res.body.data).toEqual([
        { name: 'pagos', active: true },
        { name: 'pedidos', active: true },
      ]);
    });
  });
});
