/**
 * Experiment CSV export (GET /api/data-exchange/lab/experiments/:id/export.csv): BDF names by default,
 * re-imported by the import route to the same samples (every column of every row), a time window,
 * native names, bad parameters, access.
 */
import path from 'path';
import Papa from 'papaparse';
import { createApiToken, endUserToken, withStrapiAndToken, type TestApp } from '../helpers/strapi';
import { IMPORT_ROUTE, OWN_FIXTURES, bearer, postCsv } from './battery-helpers';
import { waitFor } from './helpers';
import { BDF_HEADERS, SAMPLE_COLUMNS } from '../../src/api/lab/services/lab-samples';

const exportRoute = (id: number | string) => `/api/data-exchange/lab/experiments/${id}/export.csv`;
const fixture = (name: string) => path.join(OWN_FIXTURES, name);
const T0 = 1_764_000_000_000;
/** Rows written directly: more than two export pages (5,000), values no fixture has. */
const DIRECT_ROWS = 12_345;

/** A stored sample as plain values: numbers as numbers, recorded_at as epoch ms, extra parsed. */
type Sample = Record<string, unknown>;

describe('battery lab export', () => {
  let app: TestApp;
  let token: string;
  withStrapiAndToken((started, fullAccess) => {
    app = started;
    token = fullAccess;
  });

  const getCsv = (route: string, auth: string | null, query: Record<string, string> = {}) => {
    let req = app.http().get(route).query(query);
    if (auth) req = req.set(bearer(auth));
    return req.buffer(true).parse((res, cb) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => cb(null, text));
    });
  };

  async function samples(experimentId: number): Promise<Sample[]> {
    const rows = await app.strapi.db.connection('lab_samples').where({ experiment_id: experimentId }).orderBy('seq').select('*');
    return rows.map((r: any) => {
      const out: Sample = {};
      for (const c of SAMPLE_COLUMNS) {
        const v = r[c];
        if (c === 'experiment_id') continue;
        if (c === 'recorded_at') out[c] = v instanceof Date ? v.getTime() : Number.isFinite(Number(v)) ? Number(v) : Date.parse(v);
        else if (c === 'extra') out[c] = v == null ? null : typeof v === 'string' ? JSON.parse(v) : v;
        else out[c] = v == null ? null : Number(v);
      }
      return out;
    });
  }

  const importFile = async (file: string | Buffer, name: string) => {
    const res = await postCsv(app, IMPORT_ROUTE, token, file, { name });
    expect([name, res.status]).toEqual([name, 201]);
    return res.body.data as { experiment: { id: number; documentId: string }; format: string; rows: number; summary: any };
  };

  /** Every column of every row equal; seq renumbered from 0 when the export was a window. */
  function expectSameSamples(actual: Sample[], expected: Sample[]) {
    expect(actual).toHaveLength(expected.length);
    const base = Number(expected[0]?.seq ?? 0);
    const shifted = expected.map((s) => ({ ...s, seq: Number(s.seq) - base }));
    for (let i = 0; i < actual.length; i++) if (JSON.stringify(actual[i]) !== JSON.stringify(shifted[i])) expect([i, actual[i]]).toEqual([i, shifted[i]]);
    expect(actual).toEqual(shifted);
  }

  let direct: number;
  beforeAll(async () => {
    const e = await app.strapi.documents('api::lab.experiment').create({ data: { name: 'written directly', state: 'finished' } as any });
    direct = (e as any).id;
    const rows = Array.from({ length: DIRECT_ROWS }, (_, i) => ({
      experiment_id: direct,
      seq: i,
      recorded_at: new Date(T0 + i * 1000 + (i % 7)),
      test_time_s: i + (i % 7) / 1000,
      voltage_v: 3 + Math.sin(i / 100) / 3,
      current_a: i % 600 < 300 ? Math.PI / 3 : -Math.E / 5,
      power_w: i % 3 === 0 ? null : Math.sqrt(i) / 7,
      temperature_c: i % 5 === 0 ? null : 25 + 1e-9 * i,
      cycle_index: 1 + Math.floor(i / 600),
      step_index: i % 600 < 300 ? 1 : 2,
      charge_capacity_ah: i / 3601,
      discharge_capacity_ah: i % 11 === 0 ? null : i / 7201,
      charge_energy_wh: 1e-12 * i,
      discharge_energy_wh: 123456.789 + i,
      extra: i % 4 === 0 ? null : JSON.stringify({ 'Internal_Resistance(Ohm)': 0.05 + i * 1e-6, note: i % 2 ? 'says "hi", twice' : 'plain', ...(i % 3 ? { 'Aux / V': -i } : {}) }),
    }));
    await (app.strapi.service('api::lab.lab-samples') as any).insertSamples(rows);
  });

  it('exports in BDF names by default and re-imports (format bdf) to identical samples: written directly, over three pages', async () => {
    const res = await getCsv(exportRoute(direct), token);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="experiment-${direct}.csv"`);
    const [header] = Papa.parse<string[]>(res.body, { preview: 1 }).data;
    expect(header).toEqual([...Object.values(BDF_HEADERS), 'Aux / V', 'Internal_Resistance(Ohm)', 'note']);
    const imported = await importFile(Buffer.from(res.body, 'utf8'), 'round trip direct');
    expect([imported.format, imported.rows]).toEqual(['bdf', DIRECT_ROWS]);
    expectSameSamples(await samples(imported.experiment.id), await samples(direct));
  });

  it.each(['arbin-units.csv', 'bdf-milli.csv'])('an imported %s exports and re-imports to identical samples and the same cycle summary', async (file) => {
    const original = await importFile(fixture(file), `original ${file}`);
    const res = await getCsv(exportRoute(original.experiment.documentId), token);
    expect(res.status).toBe(200);
    const again = await importFile(Buffer.from(res.body, 'utf8'), `again ${file}`);
    expect([again.format, again.rows]).toEqual(['bdf', original.rows]);
    expectSameSamples(await samples(again.experiment.id), await samples(original.experiment.id));
    const strip = (s: any) => ({ ...s, computed_at: undefined });
    expect(strip(again.summary)).toEqual(strip(original.summary));
  });

  it('exports a time window (epoch ms or ISO, inclusive) that re-imports to exactly those samples', async () => {
    const all = await samples(direct);
    const from = T0 + 5_000 * 1000;
    const to = T0 + 5_010 * 1000;
    const expected = all.filter((s) => (s.recorded_at as number) >= from && (s.recorded_at as number) <= to);
    expect(expected.length).toBeGreaterThan(5);
    for (const query of [{ from: String(from), to: String(to) }, { from: new Date(from).toISOString(), to: new Date(to).toISOString() }]) {
      const res = await getCsv(exportRoute(direct), token, query);
      expect(res.status).toBe(200);
      expect(res.body.trim().split('\n')).toHaveLength(expected.length + 1);
      const imported = await importFile(Buffer.from(res.body, 'utf8'), `window ${query.from}`);
      expectSameSamples(await samples(imported.experiment.id), expected);
    }
    const open = await getCsv(exportRoute(direct), token, { from: String(T0 + (DIRECT_ROWS - 3) * 1000) });
    expect(open.body.trim().split('\n')).toHaveLength(1 + 3);
    const empty = await getCsv(exportRoute(direct), token, { from: String(T0 + DIRECT_ROWS * 1000) });
    expect([empty.status, empty.body.split('\n')]).toEqual([200, [Object.values(BDF_HEADERS).join(','), '']]);
  });

  it('names=native writes the lab_samples columns (recorded_at ISO, extra as JSON)', async () => {
    const res = await getCsv(exportRoute(direct), token, { names: 'native', to: String(T0 + 1000 + 1) });
    expect(res.status).toBe(200);
    const rows = Papa.parse<string[]>(res.body.trim()).data;
    expect(rows[0]).toEqual([...SAMPLE_COLUMNS]);
    expect(rows).toHaveLength(3);
    const [first] = await samples(direct);
    const second = rows[2];
    expect(second.slice(0, 4)).toEqual([String(direct), '1', new Date(T0 + 1001).toISOString(), String(1.001)]);
    expect(rows[1][rows[1].length - 1]).toBe('');
    expect(JSON.parse(second[second.length - 1])).toEqual({ 'Internal_Resistance(Ohm)': 0.05 + 1e-6, note: 'says "hi", twice', 'Aux / V': -1 });
    expect(Number(rows[1][SAMPLE_COLUMNS.indexOf('voltage_v')])).toBe(first.voltage_v);
  });

  const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
  const exportStream = (id: number) => (app.strapi.service('api::lab.lab-samples') as any).exportCsv(id);

  (onPostgres ? it.skip : it)('SQLite: reads pages only as the reader asks for them (a stalled reader holds the query back, not memory)', async () => {
    const pages: string[] = [];
    const onQuery = (q: { sql: string }) => {
      if (/from .lab_samples./i.test(q.sql) && /limit/i.test(q.sql)) pages.push(q.sql);
    };
    const knex = app.strapi.db.connection;
    knex.on('query', onQuery);
    try {
      const stream = exportStream(direct);
      const first: string = await new Promise((resolve, reject) => stream.once('data', resolve).once('error', reject));
      stream.pause();
      await new Promise((r) => setTimeout(r, 300));
      // The page read plus at most one ahead, of the three the experiment has.
      expect(pages.length).toBeGreaterThanOrEqual(1);
      expect(pages.length).toBeLessThanOrEqual(2);
      expect(first.split('\n').length).toBeGreaterThan(5000);
      stream.destroy();
    } finally {
      knex.removeListener('query', onQuery);
    }
  });

  (onPostgres ? it : it.skip)('PostgreSQL (COPY TO): a stalled reader holds the COPY back, not memory; a reader that goes away frees the connection', async () => {
    const pool = (app.strapi.db.connection.client as any).pool;
    // Strapi's timers (station checks, log rollups) hold a connection for a moment now and then:
    // the baseline is the fewest in use over half a second, and each count is awaited, not sampled once.
    let used = pool.numUsed();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 25));
      used = Math.min(used, pool.numUsed());
    }
    const holding = (n: number) => waitFor(`${n} connection(s) in use`, () => pool.numUsed() === n, 5_000, 20);
    const stream = exportStream(direct);
    try {
      await new Promise((resolve, reject) => stream.once('data', resolve).once('error', reject));
      stream.pause();
      await new Promise((r) => setTimeout(r, 300));
      // The whole export is ~2.5 MB: a stalled reader leaves no more than the streams' buffers queued.
      expect(stream.readableLength).toBeLessThan(256 * 1024);
      await holding(used + 1);
    } finally {
      // Also when an expectation failed: a paused COPY would hold its connection through the shutdown.
      stream.destroy();
    }
    await holding(used);
    // The pool still serves exports (the aborted COPY's connection is not handed out again).
    const again = await getCsv(exportRoute(direct), token, { to: String(T0 + 1000) });
    expect([again.status, again.body.trim().split('\n').length]).toEqual([200, 2]);
    await holding(used);
  });

  it('a bad parameter is a 400 naming it; an unknown experiment is a 404', async () => {
    for (const [query, path] of [
      [{ from: 'soon' }, 'from'],
      [{ to: '2026-13-45T99:00:00Z' }, 'to'],
      [{ from: String(T0 + 10), to: String(T0) }, 'to'],
      [{ names: 'arbin' }, 'names'],
    ] as Array<[Record<string, string>, string]>) {
      const res = await app.http().get(exportRoute(direct)).query(query).set(bearer(token));
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.body.error.details.errors[0].path).toEqual([path]);
    }
    expect((await app.http().get(exportRoute(999_999)).set(bearer(token))).status).toBe(404);
    expect((await app.http().get(exportRoute('no-such-document')).set(bearer(token))).status).toBe(404);
  });

  it('access: no credentials are refused, an invalid token is 401, a token or role without experiment find is 403', async () => {
    const route = exportRoute(direct);
    // Strapi answers 403 here, not 401: the Public role has other permissions (docs/battery-data.md).
    expect((await app.http().get(route)).status).toBe(403);
    expect((await app.http().get(route).set(bearer('not-a-token'))).status).toBe(401);
    const creator = await createApiToken(app.strapi, 'custom', ['api::lab.experiment.create']);
    expect((await app.http().get(route).set(bearer(creator))).status).toBe(403);
    const { jwt } = await endUserToken(app.strapi, 'teacher');
    expect((await app.http().get(route).set(bearer(jwt))).status).toBe(403);
    const reader = await createApiToken(app.strapi, 'custom', ['api::lab.experiment.find']);
    const ok = await getCsv(route, reader, { to: String(T0) });
    expect(ok.status).toBe(200);
    expect(ok.body.trim().split('\n')).toHaveLength(2);
  });
});
