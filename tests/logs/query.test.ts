/**
 * GET /api/logs/search and /api/logs/stats against a few thousand generated entries: every filter,
 * the keyset walk, stats and exports are compared with independent reads of the same table.
 */
import Papa from 'papaparse';
import { createApiToken, startStrapi, type TestApp } from '../helpers/strapi';
import { generateEntries, insertEntries, readAllRows, SERVICES, SEVERITIES } from './helpers';

type Row = Awaited<ReturnType<typeof readAllRows>>[number];

const COUNT = 3000;

describe('logs reading API', () => {
  let app: TestApp;
  let auth: Record<string, string>;
  let rows: Row[];
  let now: number;

  beforeAll(async () => {
    app = await startStrapi();
    auth = { Authorization: `Bearer ${await createApiToken(app.strapi, 'full-access')}` };
    now = Date.now();
    await insertEntries(app.strapi, generateEntries(COUNT, now));
    rows = await readAllRows(app.strapi);
  });
  afterAll(async () => {
    await app?.stop();
  });

  const knex = () => app.strapi.db.connection;
  /** Rows newest first, the order the API promises. */
  const ordered = (list: Row[]) => [...list].sort((a, b) => b.ts - a.ts || b.id - a.id);

  /** Walks every page of a search; returns ids in order and the number of pages. */
  async function walk(query: Record<string, string>) {
    const ids: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await app.http().get('/api/logs/search').query({ ...query, ...(cursor ? { cursor } : {}) }).set(auth);
      expect(res.status).toBe(200);
      ids.push(...res.body.data.map((e: { id: number }) => e.id));
      cursor = res.body.meta.nextCursor;
      pages++;
      if (pages > 500) throw new Error('pagination does not end');
    } while (cursor);
    return { ids, pages };
  }

  it('stores the generated rows', async () => {
    expect(rows).toHaveLength(COUNT);
  });

  it('returns the shared entry shape, newest first', async () => {
    const res = await app.http().get('/api/logs/search').query({ limit: '5' }).set(auth);
    expect(res.status).toBe(200);
    const expected = ordered(rows).slice(0, 5);
    expect(res.body.data.map((e: any) => e.id)).toEqual(expected.map((r) => r.id));
    const entry = res.body.data[0];
    expect(Object.keys(entry)).toEqual(['id', 'documentId', 'service', 'timestamp', 'received_at', 'severity', 'message', 'attributes', 'host']);
    expect(entry.documentId).toMatch(/^[a-z][a-z0-9]{23}$/);
    expect(entry.timestamp).toBe(new Date(expected[0].ts).toISOString());
    expect(entry.received_at).toBe(new Date(expected[0].ts + 5).toISOString());
    expect(entry.attributes).toEqual(expected[0].attributes);
    expect(typeof res.body.meta.nextCursor).toBe('string');
  });

  const FILTERS: Array<{ name: string; query: () => Record<string, string>; keep: (r: Row) => boolean }> = [
    { name: 'severity list', query: () => ({ severity: 'ERROR,fatal' }), keep: (r) => ['ERROR', 'FATAL'].includes(r.severity) },
    { name: 'minSeverity', query: () => ({ minSeverity: 'WARN' }), keep: (r) => ['WARN', 'ERROR', 'FATAL'].includes(r.severity) },
    { name: 'severity and minSeverity intersect', query: () => ({ severity: 'INFO,ERROR', minSeverity: 'warn' }), keep: (r) => r.severity === 'ERROR' },
    { name: 'one service', query: () => ({ service: 'pagos' }), keep: (r) => r.service === 'pagos' },
    { name: 'two services', query: () => ({ service: 'pagos,chat' }), keep: (r) => ['pagos', 'chat'].includes(r.service) },
    {
      name: 'absolute from/to (ISO)',
      query: () => ({ from: new Date(now - 5 * 86_400_000).toISOString(), to: new Date(now - 2 * 86_400_000).toISOString() }),
      keep: (r) => r.ts >= now - 5 * 86_400_000 && r.ts <= now - 2 * 86_400_000,
    },
    { name: 'relative from -24h', query: () => ({ from: '-24h' }), keep: (r) => r.ts >= now - 24 * 3_600_000 },
    { name: 'relative from -7d to -24h', query: () => ({ from: '-7d', to: '-24h' }), keep: (r) => r.ts >= now - 7 * 86_400_000 && r.ts <= now - 24 * 3_600_000 },
    { name: 'relative -15m to now', query: () => ({ from: '-15m', to: 'now' }), keep: (r) => r.ts >= now - 15 * 60_000 },
    { name: 'q, case-insensitive', query: () => ({ q: 'timeout' }), keep: (r) => r.message.toLowerCase().includes('timeout') },
    { name: 'q with % is literal', query: () => ({ q: '50%' }), keep: (r) => r.message.includes('50%') },
    { name: 'q with _ is literal', query: () => ({ q: 'user_id' }), keep: (r) => r.message.includes('user_id') },
    { name: 'q non-ASCII', query: () => ({ q: 'Ñandú' }), keep: (r) => r.message.includes('Ñandú') },
    { name: 'attr number', query: () => ({ 'attr.code': '500' }), keep: (r) => r.attributes.code === 500 },
    { name: 'attr string', query: () => ({ 'attr.region': 'eu' }), keep: (r) => r.attributes.region === 'eu' },
    { name: 'attr boolean', query: () => ({ 'attr.retry': 'true' }), keep: (r) => r.attributes.retry === true },
    { name: 'attr in bracket form', query: () => ({ 'attr[region]': 'us', 'attr[code]': '404' }), keep: (r) => r.attributes.region === 'us' && r.attributes.code === 404 },
    { name: 'attr missing key', query: () => ({ 'attr.nope': 'x' }), keep: () => false },
    {
      name: 'everything combined',
      query: () => ({ minSeverity: 'INFO', service: 'pedidos,chat', from: '-7d', q: 'PAGO', 'attr.region': 'us' }),
      keep: (r) =>
        r.severity !== 'DEBUG' && ['pedidos', 'chat'].includes(r.service) && r.ts >= now - 7 * 86_400_000 && r.message.toLowerCase().includes('pago') && r.attributes.region === 'us',
    },
  ];

  it.each(FILTERS)('filter: $name walks exactly the matching rows, in order', async ({ query, keep }) => {
    const expected = ordered(rows.filter(keep)).map((r) => r.id);
    const { ids, pages } = await walk({ ...query(), limit: '250' });
    expect(ids).toEqual(expected);
    expect(pages).toBe(Math.max(1, Math.ceil(expected.length / 250)));
  });

  it('filters agree with plain SQL counts', async () => {
    const sqlCount = async (build: (qb: any) => any) => Number((await build(knex()('logs_entries')).count({ c: '*' }))[0].c);
    const apiCount = async (query: Record<string, string>) => (await walk({ ...query, limit: '1000' })).ids.length;
    expect(await apiCount({ severity: 'ERROR,FATAL' })).toBe(await sqlCount((qb) => qb.whereIn('severity', ['ERROR', 'FATAL'])));
    expect(await apiCount({ minSeverity: 'WARN' })).toBe(await sqlCount((qb) => qb.whereNotIn('severity', ['DEBUG', 'INFO'])));
    for (const s of SERVICES) expect(await apiCount({ service: s })).toBe(await sqlCount((qb) => qb.where('service_name', s)));
  });

  it('keyset pagination with small pages visits every row once, including equal timestamps', async () => {
    const { ids } = await walk({ limit: '97' });
    expect(ids).toEqual(ordered(rows).map((r) => r.id));
    expect(new Set(ids).size).toBe(COUNT);
    const tied = rows.length - new Set(rows.map((r) => r.ts)).size;
    expect(tied).toBeGreaterThan(100);
  });

  it('stats equal plain SQL counts over the range (totals, by service, by severity, histogram)', async () => {
    const from = now - 3 * 86_400_000;
    const to = now - 86_400_000;
    const res = await app.http().get('/api/logs/stats').query({ from: new Date(from).toISOString(), to: new Date(to).toISOString() }).set(auth);
    expect(res.status).toBe(200);
    const inRange = rows.filter((r) => r.ts >= from && r.ts <= to);
    const ids = inRange.map((r) => r.id);
    const chunks = async (build: (qb: any) => any) => {
      // Plain SQL GROUP BY on exactly those ids (ids chunked for SQLite's bind limit).
      const out = new Map<string, number>();
      for (let i = 0; i < ids.length; i += 400) {
        for (const g of await build(knex()('logs_entries').whereIn('id', ids.slice(i, i + 400)))) out.set(g.k, (out.get(g.k) ?? 0) + Number(g.c));
      }
      return out;
    };
    const bySeverity = await chunks((qb) => qb.select('severity as k').count({ c: '*' }).groupBy('severity'));
    const byService = await chunks((qb) => qb.select('service_name as k').count({ c: '*' }).groupBy('service_name'));
    expect(inRange.length).toBeGreaterThan(300);
    expect(res.body.total).toBe(inRange.length);
    expect(res.body.bySeverity).toEqual(SEVERITIES.map((severity) => ({ severity, count: bySeverity.get(severity) ?? 0 })));
    expect(Object.fromEntries(res.body.byService.map((s: any) => [s.service, s.count]))).toEqual(Object.fromEntries(byService));

    // 48 h -> 15 minute buckets (192 at 15m would be > 120, so 1 h: 48 buckets).
    const h = res.body.histogram;
    expect(h.bucketSeconds).toBe(3600);
    const size = h.bucketSeconds * 1000;
    expect(new Date(h.buckets[0].start).getTime()).toBe(Math.floor(from / size) * size);
    expect(h.buckets).toHaveLength(Math.floor(to / size) - Math.floor(from / size) + 1);
    let sum = 0;
    for (const bucket of h.buckets) {
      const start = new Date(bucket.start).getTime();
      for (const severity of SEVERITIES) {
        const expected = inRange.filter((r) => r.severity === severity && r.ts >= start && r.ts < start + size).length;
        expect([bucket.start, severity, bucket.counts[severity]]).toEqual([bucket.start, severity, expected]);
        sum += bucket.counts[severity];
      }
    }
    expect(sum).toBe(inRange.length);
  });

  it('stats choose the bucket size from the range and honour the other filters', async () => {
    const cases: Array<[string, number]> = [['-15m', 15], ['-1h', 60], ['-24h', 900], ['-7d', 3 * 3600], ['-30d', 6 * 3600], ['-365d', 7 * 86400]];
    for (const [from, bucketSeconds] of cases) {
      const res = await app.http().get('/api/logs/stats').query({ from }).set(auth);
      expect([from, res.status, res.body.histogram.bucketSeconds]).toEqual([from, 200, bucketSeconds]);
      expect(res.body.histogram.buckets.length).toBeLessThanOrEqual(121);
    }
    // Default window: the last 24 h.
    const res = await app.http().get('/api/logs/stats').query({ service: 'chat', minSeverity: 'ERROR' }).set(auth);
    const expected = rows.filter((r) => r.service === 'chat' && ['ERROR', 'FATAL'].includes(r.severity) && r.ts >= now - 86_400_000);
    expect(res.body.total).toBe(expected.length);
    expect(res.body.byService).toEqual(expected.length ? [{ service: 'chat', count: expected.length }] : []);
  });

  it('errorsByService counts ERROR and FATAL of the last hours per service', async () => {
    const got = await (app.strapi.service('api::logs.log-query') as any).errorsByService(48);
    const expected = SERVICES.map((service) => ({
      service,
      count: rows.filter((r) => r.service === service && ['ERROR', 'FATAL'].includes(r.severity) && r.ts >= now - 48 * 3_600_000).length,
    }))
      .filter((e) => e.count > 0)
      .sort((a, b) => b.count - a.count || a.service.localeCompare(b.service));
    expect(got).toEqual(expected);
  });

  it('CSV export streams exactly the matching rows, header once, formulas neutralised', async () => {
    const res = await app.http().get('/api/logs/search').query({ format: 'csv', service: 'pagos', limit: '10' }).set(auth).buffer(true).parse((r, cb) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (d: string) => (text += d));
      r.on('end', () => cb(null, text));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="logs-.*\.csv"$/);
    const parsed = Papa.parse<string[]>(res.body as string, { skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    const [header, ...data] = parsed.data;
    expect(header).toEqual(['id', 'documentId', 'service', 'timestamp', 'received_at', 'severity', 'message', 'attributes', 'host']);
    // The export ignores page size: the whole query (more than one export page of 1000).
    const expected = ordered(rows.filter((r) => r.service === 'pagos'));
    expect(expected.length).toBeGreaterThan(900);
    expect(data.map((d) => Number(d[0]))).toEqual(expected.map((r) => r.id));
    const byId = new Map(expected.map((r) => [r.id, r]));
    for (const d of data) {
      const row = byId.get(Number(d[0]))!;
      const neutral = /^[=+\-@]/.test(row.message) ? `'${row.message}` : row.message;
      expect(d[6]).toBe(neutral);
      expect(d[2]).toBe('pagos');
      expect(JSON.parse(d[7])).toEqual(row.attributes);
    }
    for (const cell of data.flat()) expect(cell).not.toMatch(/^[=+\-@]/);
    expect(data.some((d) => d[6] === `'=HYPERLINK("http://evil","click")`)).toBe(true);
    expect(data.some((d) => d[6] === 'quoted "text", with comma\nand newline')).toBe(true);
  });

  it('CSV of an empty result is the header line only', async () => {
    const res = await app.http().get('/api/logs/search').query({ format: 'csv', service: 'nobody' }).set(auth).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (d: Buffer) => (text += d.toString('utf8')));
      r.on('end', () => cb(null, text));
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe('id,documentId,service,timestamp,received_at,severity,message,attributes,host\r\n');
  });

  it('NDJSON export streams exactly the matching rows as entry objects', async () => {
    const res = await app.http().get('/api/logs/search').query({ format: 'ndjson', minSeverity: 'ERROR', from: '-7d' }).set(auth).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (d: Buffer) => (text += d.toString('utf8')));
      r.on('end', () => cb(null, text));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(res.headers['content-disposition']).toMatch(/\.ndjson"$/);
    const lines = (res.body as string).split('\n');
    expect(lines.pop()).toBe('');
    const entries = lines.map((l) => JSON.parse(l));
    const expected = ordered(rows.filter((r) => ['ERROR', 'FATAL'].includes(r.severity) && r.ts >= now - 7 * 86_400_000));
    expect(entries.map((e) => e.id)).toEqual(expected.map((r) => r.id));
    expect(entries[0]).toEqual(expect.objectContaining({ service: expected[0].service, severity: expected[0].severity, message: expected[0].message, timestamp: new Date(expected[0].ts).toISOString() }));
  });
});
