/**
 * The per-minute rollup behind /api/logs/stats: whatever path writes, edits or deletes entries (bulk
 * ingest, REST, Document Service edits, service rename, retention), the rollup equals a plain count of
 * logs_entries, and stats read through it equal stats computed by scanning the entries.
 */
import { compactLogRollup, ensureLogRollup, ROLLUP_TABLE } from '../../src/api/logs/log-rollup';
import { createApiToken, startStrapi, type TestApp } from '../helpers/strapi';
import { generateEntries, insertEntries } from './helpers';
import { createLogService } from './ingest-helpers';

type Key = string;

describe('logs per-minute rollup', () => {
  let app: TestApp;
  let now: number;
  const knex = () => app.strapi.db.connection;
  const query = () => app.strapi.service('api::logs.log-query') as any;

  beforeAll(async () => {
    app = await startStrapi();
    now = Date.now();
    await insertEntries(app.strapi, generateEntries(1500, now, 7));
  });
  afterAll(async () => {
    await app?.stop();
  });

  /** Independent count: plain SQL grouping of logs_entries by epoch minute, in JS. */
  async function countedFromEntries(): Promise<Map<Key, number>> {
    const rows = await knex()('logs_entries').select('timestamp', 'service_name', 'severity');
    const out = new Map<Key, number>();
    for (const r of rows as any[]) {
      const ms = typeof r.timestamp === 'number' ? r.timestamp : new Date(r.timestamp).getTime();
      const key = `${Math.floor(ms / 60000)}|${r.service_name ?? ''}|${r.severity}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
    return out;
  }

  async function rollup(): Promise<Map<Key, number>> {
    const rows = await knex()(ROLLUP_TABLE).select('minute', 'service_name', 'severity', 'entries');
    const out = new Map<Key, number>();
    // A key may have several shard rows (PostgreSQL): readers sum them.
    for (const r of rows as any[]) {
      const key = `${Number(r.minute)}|${r.service_name}|${r.severity}`;
      out.set(key, (out.get(key) ?? 0) + Number(r.entries));
    }
    for (const [key, n] of out) if (n === 0) out.delete(key);
    return out;
  }

  async function expectRollupMatches() {
    const [expected, actual] = await Promise.all([countedFromEntries(), rollup()]);
    expect(actual.size).toBeGreaterThan(0);
    expect(Object.fromEntries([...actual].sort())).toEqual(Object.fromEntries([...expected].sort()));
  }

  it('counts entries written by the query engine (bulk insert through createMany)', async () => {
    await expectRollupMatches();
  });

  it('spreads concurrent batches over shard rows and folds them back without losing a count', async () => {
    const { token } = await createLogService(app.strapi, 'shard-svc');
    const minute = Math.floor(now / 60_000) * 60_000 + 30_000;
    // Separate requests are separate transactions: on PostgreSQL they pick shards by transaction id.
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        app.http().post('/api/ingest/logs').set('Authorization', `Token ${token}`).send(Array.from({ length: 5 }, (_, k) => ({ message: `shard ${i}.${k}`, severity: 'warn', timestamp: minute }))),
      ),
    );
    const keyRows = () => knex()(ROLLUP_TABLE).where({ service_name: 'shard-svc', severity: 'WARN' }).select('shard', 'entries');
    const before = await keyRows();
    expect(before.reduce((n: number, r: any) => n + Number(r.entries), 0)).toBe(30);
    if (app.db.client === 'postgres') expect(new Set(before.map((r: any) => Number(r.shard))).size).toBeGreaterThan(1);
    await expectRollupMatches();

    const folded = await compactLogRollup(knex() as any, Math.floor(Date.now() / 60_000) + 1);
    const after = await keyRows();
    expect(after.map((r: any) => [Number(r.shard), Number(r.entries)])).toEqual([[0, 30]]);
    // Every key's shards are folded, not only this one's.
    if (app.db.client === 'postgres') expect(folded).toBeGreaterThanOrEqual(before.filter((r: any) => Number(r.shard) !== 0).length);
    else expect(folded).toBe(0);
    expect(Number((await knex()(ROLLUP_TABLE).whereNot('shard', 0).count({ n: '*' }).first())?.n)).toBe(0);
    await expectRollupMatches();
  });

  it('follows the ingest path, the REST API, edits, deletes, renames and retention', async () => {
    const { token } = await createLogService(app.strapi, 'rollup-svc', { retention_days: 2 });
    const ingest = await app
      .http()
      .post('/api/ingest/logs')
      .set('Authorization', `Bearer ${token}`)
      .send([
        { message: 'a', severity: 'error', timestamp: now - 3 * 86_400_000 }, // expires under retention
        { message: 'b', severity: 'warn', timestamp: now - 3_600_000 },
        { message: 'c', severity: 'info', timestamp: now - 3_600_000 + 61_000 },
      ]);
    expect(ingest.status).toBeLessThan(300);
    await expectRollupMatches();

    const apiToken = await createApiToken(app.strapi, 'full-access');
    const svc = await app.strapi.db.query('api::logs.log-service').findOne({ where: { name: 'rollup-svc' } });
    const created = await app
      .http()
      .post('/api/log-entries')
      .set('Authorization', `Bearer ${apiToken}`)
      .send({ data: { message: 'rest', severity: 'DEBUG', timestamp: new Date(now - 600_000).toISOString(), service_name: 'rollup-svc' } });
    expect(created.status).toBe(201);
    await expectRollupMatches();

    // An admin edit moves an entry to another minute and severity.
    await app.strapi.documents('api::logs.log-entry').update({
      documentId: created.body.data.documentId,
      data: { severity: 'FATAL', timestamp: new Date(now - 7_200_000) } as any,
    });
    await expectRollupMatches();

    const victim = await knex()('logs_entries').where('service_name', 'pagos').first('document_id');
    await app.strapi.documents('api::logs.log-entry').delete({ documentId: victim.document_id });
    await expectRollupMatches();

    await app.strapi.documents('api::logs.log-service').update({ documentId: svc.documentId, data: { name: 'rollup-renamed' } as any });
    expect(Number((await knex()('logs_entries').where('service_name', 'rollup-renamed').count({ c: '*' }))[0].c)).toBe(4);
    await expectRollupMatches();

    const purged = await app.strapi.plugin('ingest').service('retention').purgeExpired(new Date(now));
    expect(purged.deleted).toBeGreaterThanOrEqual(1);
    await expectRollupMatches();
  });

  it('answers stats equal to a scan of the entries, partial minutes at both ends included', async () => {
    const cases: Record<string, string>[] = [
      { from: new Date(now - 3 * 3_600_000 - 17_345).toISOString(), to: new Date(now - 1_234).toISOString() },
      { from: '-7d' },
      { from: '-24h', service: 'pagos,rollup-renamed' },
      { from: '-24h', minSeverity: 'WARN' },
      { from: new Date(now - 9 * 86_400_000).toISOString(), to: new Date(now - 86_400_000 + 59_999).toISOString(), severity: 'ERROR' },
    ];
    for (const params of cases) {
      const filters = query().parseFilters(params, now);
      expect(query().statsQuery(filters, now).usesRollup).toBe(true);
      const viaRollup = await query().stats(filters, now);
      const viaScan = await query().stats(filters, now, { rollup: false });
      expect(viaRollup.total).toBeGreaterThan(0);
      expect(viaRollup).toEqual(viaScan);
    }
    // Text filters need the rows: they scan.
    expect(query().statsQuery(query().parseFilters({ from: '-24h', q: 'pago' }, now), now).usesRollup).toBe(false);
  });

  it('errorsByService reads the same counts', async () => {
    const got = await query().errorsByService(48, now);
    const since = now - 48 * 3_600_000;
    const rows = await knex()('logs_entries').whereIn('severity', ['ERROR', 'FATAL']).select('timestamp', 'service_name');
    const expected = new Map<string, number>();
    for (const r of rows as any[]) {
      const ms = typeof r.timestamp === 'number' ? r.timestamp : new Date(r.timestamp).getTime();
      if (ms >= since && ms <= now) expected.set(r.service_name, (expected.get(r.service_name) ?? 0) + 1);
    }
    expect(Object.fromEntries(got.map((g: any) => [g.service, g.count]))).toEqual(Object.fromEntries(expected));
  });

  it('fills a new rollup from the entries already stored (upgrade of an existing database)', async () => {
    await knex().schema.dropTable(ROLLUP_TABLE);
    await ensureLogRollup(app.strapi);
    await expectRollupMatches();
    // Boot twice: idempotent, no double counting.
    await ensureLogRollup(app.strapi);
    await expectRollupMatches();
  });
});
