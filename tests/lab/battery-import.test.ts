/**
 * Cycler CSV import (POST /api/data-exchange/lab/experiments/import|preview): each recognised format
 * from a fixture of our own, unit conversion, sign, dates, all-or-nothing with the bad row named,
 * access. The shared Arbin files and the BEEP rule are in cycle-summary.test.ts.
 */
import fs from 'fs';
import path from 'path';
import { createApiToken, endUserToken, withStrapiAndToken, type TestApp } from '../helpers/strapi';
import { ROLLUPS_TABLE, ROLLUP_COLUMNS, rollupRows } from '../../src/api/lab/sample-rollups';
import { IMPORT_ROUTE, OWN_FIXTURES, PREVIEW_ROUTE, bearer, beepRule, postCsv, relativeClose, SUMMARY_FIELDS } from './battery-helpers';

const fixture = (name: string) => path.join(OWN_FIXTURES, name);
/** The fixtures' cell: cycle n discharges at 0.9 - 0.01 n A for 10 minutes. */
const dischargeAh = (cycle: number) => ((0.9 - 0.01 * cycle) * 600) / 3600;

describe('battery lab import', () => {
  let app: TestApp;
  let token: string;
  withStrapiAndToken((started, fullAccess) => {
    app = started;
    token = fullAccess;
  });

  const samples = (experimentId: number) =>
    app.strapi.db.connection('lab_samples').where({ experiment_id: experimentId }).orderBy('seq').select('*');

  it.each([
    ['arbin-units.csv', 'arbin', 1],
    ['bdf-milli.csv', 'bdf', 3],
    ['wattrex.csv', 'wattrex', 1],
    ['battery-archive.csv', 'beep', 1],
  ])('preview recognises %s as %s with its header line', async (file, format, headerLine) => {
    const res = await postCsv(app, PREVIEW_ROUTE, token, fixture(file));
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ format, headerLine, delimiter: ',' });
    expect(res.body.data.rows).toHaveLength(10);
    expect(res.body.data.rows[0].error).toBeUndefined();
    const fields = res.body.data.columns.map((c: { field: string | null }) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['voltage_v', 'current_a', 'recorded_at']));
  });

  it('imports an Arbin file with unit suffixes: 72 rows, 3 cycles, BEEP rule per cycle, month-first dates detected', async () => {
    const res = await postCsv(app, IMPORT_ROUTE, token, fixture('arbin-units.csv'), { name: 'arbin units', description: 'own fixture' });
    expect(res.status).toBe(201);
    const { experiment, rows, cycles, format, summary } = res.body.data;
    expect([format, rows, cycles]).toEqual(['arbin', 72, 3]);
    const rule = beepRule(fixture('arbin-units.csv'));
    for (const c of summary.cycles) {
      const expected = rule.get(c.cycle_index) as number[];
      SUMMARY_FIELDS.forEach((f, i) => expect([c.cycle_index, f, relativeClose(c[f], expected[i])]).toEqual([c.cycle_index, f, true]));
    }
    expect(summary.sources.charge_capacity_ah).toBe('per-cycle');
    const stored = await app.strapi.db.query('api::lab.experiment').findOne({ where: { id: experiment.id }, populate: ['cycler_station'] });
    expect(stored).toMatchObject({ source: 'imported', state: 'finished', sample_count: 72 });
    expect(stored.cycler_station).toMatchObject({ name: 'imported-files', virtual: true });
    expect(stored.cycle_summary.cycles).toHaveLength(3);
    const first = (await samples(experiment.id))[0];
    // 05/13/2017 can only be month first.
    expect(new Date(Number.isFinite(Number(first.recorded_at)) ? Number(first.recorded_at) : first.recorded_at).toISOString()).toBe('2017-05-13T09:01:00.000Z');
  });

  it('BDF: preamble skipped, minutes/mA/mAh/mWh converted to SI, per-test counters detected', async () => {
    const res = await postCsv(app, IMPORT_ROUTE, token, fixture('bdf-milli.csv'), { name: 'bdf' });
    expect(res.status).toBe(201);
    const { experiment, rows, summary } = res.body.data;
    expect(rows).toBe(72);
    expect(summary.sources).toMatchObject({ charge_capacity_ah: 'per-test', discharge_capacity_ah: 'per-test' });
    summary.cycles.forEach((c: any) => {
      expect(c.discharge_capacity_ah).toBeCloseTo(dischargeAh(c.cycle_index), 6);
      expect(c.charge_capacity_ah).toBeCloseTo(1 * 600 / 3600, 6);
    });
    const [first] = await samples(experiment.id);
    expect(Number(first.test_time_s)).toBeCloseTo(60, 6); // 1 min
    expect(Number(first.current_a)).toBeCloseTo(1, 9); // 1000 mA
    expect(Number(first.charge_capacity_ah)).toBeCloseTo(1 / 60, 6); // 16.666667 mAh
    expect(JSON.parse(first.extra)).toMatchObject({ 'Ambient Temperature / degC': 22 });
    // JSON text on both databases; on PostgreSQL a json column (migration 2026.12.02) read as text (src/platform/json-as-text.ts).
    expect(typeof first.extra).toBe('string');
    if (process.env.TEST_DATABASE_URL) {
      const { rows: columns } = await app.strapi.db.connection.raw(
        "select data_type from information_schema.columns where table_schema = current_schema() and table_name = 'lab_samples' and column_name = 'extra'",
      );
      expect(columns[0].data_type).toBe('json');
    }
  });

  it('WattRex: mV/mA, cycles derived from charge/discharge transitions, capacities integrated', async () => {
    const res = await postCsv(app, IMPORT_ROUTE, token, fixture('wattrex.csv'), { name: 'wattrex' });
    expect(res.status).toBe(201);
    const { experiment, rows, summary } = res.body.data;
    expect([rows, summary.cycles.length]).toEqual([72, 3]);
    expect(summary.sources.discharge_capacity_ah).toBe('integrated');
    // Trapezoids: the half intervals into and out of each discharge add up to the 10 minutes at full current.
    summary.cycles.forEach((c: any) => expect(c.discharge_capacity_ah).toBeCloseTo(dischargeAh(c.cycle_index), 9));
    expect(summary.cycles[0].coulombic_efficiency).toBeGreaterThan(0.8);
    const [first] = await samples(experiment.id);
    expect([Number(first.voltage_v), Number(first.current_a)]).toEqual([3.56, 1]);
    expect(JSON.parse(first.extra)).toEqual({ instr_id: 1, hs_voltage: 3563 });
  });

  it('Battery Archive: cell temperature chosen over the environment one, retention vs the first full cycle', async () => {
    const res = await postCsv(app, IMPORT_ROUTE, token, fixture('battery-archive.csv'), { name: 'archive' });
    expect(res.status).toBe(201);
    const [c1, , c3] = res.body.data.summary.cycles;
    expect(c1.min_temperature_c).toBeCloseTo(25.5, 9);
    expect(c3.capacity_retention).toBeCloseTo(dischargeAh(3) / dischargeAh(1), 5);
    expect(c1.coulombic_efficiency).toBeCloseTo(dischargeAh(1) / (600 / 3600), 5);
    expect(c1.duration_s).toBeCloseTo(23 * 60, 6);
  });

  it('a discharge-positive file is flipped to charge-positive when declared', async () => {
    const res = await postCsv(app, IMPORT_ROUTE, token, fixture('battery-archive.csv'), { name: 'flipped', currentSign: 'discharge-positive' });
    expect(res.status).toBe(201);
    const [first] = await samples(res.body.data.experiment.id);
    expect(Number(first.current_a)).toBe(-1);
  });

  it('refuses day/month-ambiguous dates, asking for dateFormat; imports them once declared', async () => {
    const refused = await postCsv(app, IMPORT_ROUTE, token, fixture('arbin-ambiguous-dates.csv'), { name: 'ambiguous' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/day\/month or month\/day; declare dateFormat/);
    expect(refused.body.error.details.errors[0].path).toEqual(['dateFormat']);
    const preview = await postCsv(app, PREVIEW_ROUTE, token, fixture('arbin-ambiguous-dates.csv'));
    expect(preview.status).toBe(400);

    const declared = await postCsv(app, IMPORT_ROUTE, token, fixture('arbin-ambiguous-dates.csv'), { name: 'declared', dateFormat: 'DD/MM/YYYY' });
    expect(declared.status).toBe(201);
    const stored = await app.strapi.db.query('api::lab.experiment').findOne({ where: { id: declared.body.data.experiment.id } });
    expect(new Date(stored.started_at).toISOString()).toBe('2017-06-05T10:00:10.000Z');
  });

  it('a bad row in the middle of a multi-batch file leaves nothing behind and names line, column and value', async () => {
    const lines = ['Data_Point,Test_Time(s),DateTime,Cycle_Index,Current(A),Voltage(V)'];
    for (let i = 1; i <= 12_000; i++) lines.push(`${i},${i},${1494377253 + i},1,1.0,${i === 9_000 ? '3.7V' : '3.7'}`);
    const csv = Buffer.from(lines.join('\n'));
    const before = {
      samples: Number((await app.strapi.db.connection('lab_samples').count({ n: '*' }))[0].n),
      experiments: await app.strapi.db.query('api::lab.experiment').count(),
    };
    const res = await postCsv(app, IMPORT_ROUTE, token, csv, { name: 'bad row', station: 'bad-row-station' });
    expect(res.status).toBe(400);
    // Row 9,000 is on line 9,001 (after the header), past the first batch of 5,000 written rows.
    expect(res.body.error.details).toEqual({ line: 9_001, column: 'Voltage(V)', value: '3.7V' });
    expect(res.body.error.message).toMatch(/line 9001/);
    expect(Number((await app.strapi.db.connection('lab_samples').count({ n: '*' }))[0].n)).toBe(before.samples);
    expect(await app.strapi.db.query('api::lab.experiment').count()).toBe(before.experiments);
    expect(await app.strapi.db.query('api::lab.cycler-station').findOne({ where: { name: 'bad-row-station' } })).toBeNull();
  });

  it('the import worker\'s summary and chart rollups equal those read back from the stored samples, in time order or not (bucket merge)', async () => {
    const header = 'Data_Point,Test_Time(s),DateTime,Step_Index,Cycle_Index,Current(A),Voltage(V),Charge_Capacity(Ah),Discharge_Capacity(Ah),Temperature(C)';
    // 12,000 samples at 1 Hz over 3 batches: 20-minute cycles of charge then discharge.
    const lines = Array.from({ length: 12_000 }, (_, i) => {
      const charging = i % 1200 < 600;
      return `${i + 1},${i},${1494377253 + i},${charging ? 1 : 2},${Math.floor(i / 1200) + 1},${charging ? 1 : -0.95},${(3.6 + (i % 1200) / 3000).toFixed(4)},${((i % 1200) / 3600).toFixed(6)},${charging ? 0 : ((i % 600) / 3600).toFixed(6)},${(25 + (i % 97) / 10).toFixed(1)}`;
    });
    // Reversed halves: the second half's buckets come first, then the first half's (out of time order).
    const shuffled = [...lines.slice(6000), ...lines.slice(0, 6000)];
    const summaries = app.strapi.service('api::lab.cycle-summary') as any;
    const read = async (experimentId: number) => {
      const stored = await app.strapi.db.connection(ROLLUPS_TABLE).where({ experiment_id: experimentId }).select(ROLLUP_COLUMNS);
      const key = (r: unknown[]) => `${r[1]}:${r[2]}`;
      const norm = (r: unknown[]) => r.map((v, i) => (i === 0 || v === null ? v : Number(v)));
      return new Map(stored.map((r: any) => ROLLUP_COLUMNS.map((c) => r[c])).map((r: unknown[]) => [key(r), norm(r)]));
    };
    for (const [name, body] of [['in order', lines], ['out of order', shuffled]] as const) {
      const res = await postCsv(app, IMPORT_ROUTE, token, Buffer.from(`${header}\n${body.join('\n')}\n`), { name: `worker ${name}` });
      expect(res.status).toBe(201);
      const { experiment, rows, summary } = res.body.data;
      expect(rows).toBe(12_000);
      // The summary's own GROUP BY over the stored rows gives what the worker aggregated.
      const recomputed = await summaries.compute(experiment.id);
      // Means to 1e-12: the database adds the temperatures in an order of its own.
      const comparable = (x: any) => ({ ...x, computed_at: null, cycles: x.cycles.map((c: any) => ({ ...c, mean_temperature_c: Number(c.mean_temperature_c.toPrecision(12)) })) });
      expect(comparable(summary)).toEqual(comparable(recomputed));
      const stored = (await samples(experiment.id)).map((r: any) => ({ ...r, experiment_id: experiment.id, recorded_at: new Date(Number.isFinite(Number(r.recorded_at)) ? Number(r.recorded_at) : r.recorded_at) }));
      const expected = new Map(rollupRows(stored).map((r) => [`${r[1]}:${r[2]}`, r.map((v, i) => (i === 0 || v === null ? v : Number(v)))]));
      const actual = await read(experiment.id);
      expect(actual.size).toBe(expected.size);
      expect(actual).toEqual(expected);
    }
  });

  it('a non-number names its column and value', async () => {
    const csv = Buffer.from('Test_Time(s),Cycle_Index,Current(mA),Voltage(V)\n1,1,500,3.7\n2,1,abc,3.7\n');
    const res = await postCsv(app, IMPORT_ROUTE, token, csv, { name: 'nan', startedAt: '2026-01-01T00:00:00Z' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual({ line: 3, column: 'Current(mA)', value: 'abc' });
  });

  it('a quoted cell spanning lines: the preview and a bad row name file lines, not record numbers', async () => {
    const csv = Buffer.from('Test_Time(s),Cycle_Index,Current(A),Voltage(V),Note\n1,1,0.5,3.7,"cell changed:\r\nsee log\r\n"\n2,1,0.5,3.7,plain\n3,1,x,3.7,\n');
    const preview = await postCsv(app, PREVIEW_ROUTE, token, csv, { startedAt: '2026-01-01T00:00:00Z' });
    expect(preview.status).toBe(200);
    expect(preview.body.data.rows.map((r: any) => r.line)).toEqual([2, 5, 6]);
    expect(preview.body.data.rows[0].values.extra).toEqual({ Note: 'cell changed:\r\nsee log' });
    const res = await postCsv(app, IMPORT_ROUTE, token, csv, { name: 'multi-line cell', startedAt: '2026-01-01T00:00:00Z' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual({ line: 6, column: 'Current(A)', value: 'x' });
  });

  it('a cycle index beyond 32 bits names its line, column and value (the column is a 32-bit integer)', async () => {
    const csv = Buffer.from('Test_Time(s),Cycle_Index,Current(A),Voltage(V)\n1,2147483647,0.5,3.7\n2,2147483648,0.5,3.7\n');
    const res = await postCsv(app, IMPORT_ROUTE, token, csv, { name: 'huge cycle', startedAt: '2026-01-01T00:00:00Z' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual({ line: 3, column: 'Cycle_Index', value: '2147483648' });
    expect(res.body.error.message).toMatch(/larger than 2147483647/);
    expect(await app.strapi.db.query('api::lab.experiment').count({ where: { name: 'huge cycle' } })).toBe(0);
  });

  it('streams a raw application/octet-stream body; any CSV imports through a mapping', async () => {
    const csv = 'exported by bench rig 7\n\nsecs;volts;amps;cyc\n0;3,70;0,5;1\n10;3,72;0,5;1\n20;3,60;-0,5;1\n';
    const res = await app.http().post(IMPORT_ROUTE)
      .query({ name: 'mapped', mapping: JSON.stringify({ secs: 'test_time_s', volts: 'voltage_v', amps: 'current_a', cyc: 'cycle_index' }), startedAt: '2026-01-01T00:00:00Z' })
      .set(bearer(token)).set('Content-Type', 'application/octet-stream').send(Buffer.from(csv));
    expect([res.status, res.body.error?.message]).toEqual([201, undefined]);
    expect(res.body.data).toMatchObject({ format: 'mapped', rows: 3, cycles: 1 });
    const rows = await samples(res.body.data.experiment.id);
    expect(rows.map((r: any) => Number(r.voltage_v))).toEqual([3.7, 3.72, 3.6]);
  });

  it('a raw body larger than the detection head: preview answers, a bad late row is a 400 (not a reset connection)', async () => {
    const lines = ['Test_Time(s),Cycle_Index,Current(A),Voltage(V)'];
    for (let i = 0; i < 30_000; i++) lines.push(`${i},1,1.0,${i === 29_999 ? 'high' : '3.7'}`);
    const body = Buffer.from(lines.join('\n'));
    expect(body.length).toBeGreaterThan(256 * 1024);
    const raw = (route: string, query: Record<string, string>) =>
      app.http().post(route).query({ startedAt: '2026-01-01T00:00:00Z', ...query }).set(bearer(token)).set('Content-Type', 'application/octet-stream').send(body);
    const preview = await raw(PREVIEW_ROUTE, {});
    expect([preview.status, preview.body.data?.format]).toEqual([200, 'arbin']);
    const bad = await raw(IMPORT_ROUTE, { name: 'late bad row' });
    expect([bad.status, bad.body.error?.details]).toEqual([400, { line: 30_001, column: 'Voltage(V)', value: 'high' }]);
    expect(await app.strapi.db.query('api::lab.experiment').count({ where: { name: 'late bad row' } })).toBe(0);
  });

  it('a saved column mapping is reused by name; a bad one is refused when saved', async () => {
    const created = await app.http().post('/api/column-mappings').set(bearer(token)).send({
      data: { name: 'rig-7', description: 'bench rig 7 exports', delimiter: ';', units: { voltage_v: 'mV' }, mapping: { secs: 'test_time_s', millivolts: 'voltage_v', amps: 'current_a' } },
    });
    expect(created.status).toBe(201);
    const csv = Buffer.from('rig 7\nsecs;millivolts;amps\n0;3700;0,5\n60;3750;0,5\n120;3600;-0,5\n180;3500;-0,5\n');
    for (const name of ['first use', 'second use']) {
      const res = await postCsv(app, IMPORT_ROUTE, token, csv, { name, columnMapping: 'rig-7', startedAt: '2026-02-01T00:00:00Z' });
      expect([res.status, res.body.error?.message]).toEqual([201, undefined]);
      expect(res.body.data).toMatchObject({ format: 'mapped', rows: 4, cycles: 1 });
      const rows = await samples(res.body.data.experiment.id);
      expect(rows.map((r: any) => Number(r.voltage_v))).toEqual([3.7, 3.75, 3.6, 3.5]);
    }
    // Request options win over the saved ones.
    const overridden = await postCsv(app, PREVIEW_ROUTE, token, csv, { columnMapping: 'rig-7', units: JSON.stringify({ voltage_v: 'V' }) });
    expect(overridden.body.data.rows[0].values.voltage_v).toBe(3700);
    const unknown = await postCsv(app, PREVIEW_ROUTE, token, csv, { columnMapping: 'rig-8' });
    expect([unknown.status, unknown.body.error.details.errors[0].path]).toEqual([400, ['columnMapping']]);

    const badField = await app.http().post('/api/column-mappings').set(bearer(token)).send({ data: { name: 'bad', mapping: { secs: 'seconds' } } });
    expect([badField.status, badField.body.error.details.errors?.[0]?.path]).toEqual([400, ['mapping']]);
    const badUnit = await app.http().post('/api/column-mappings').set(bearer(token)).send({ data: { name: 'bad', units: { current_a: 'furlongs' } } });
    expect([badUnit.status, badUnit.body.error.details.errors?.[0]?.path]).toEqual([400, ['units']]);
    const badSign = await app.http().post('/api/column-mappings').set(bearer(token)).send({ data: { name: 'bad', current_sign: 'up' } });
    expect([badSign.status, badSign.body.error.details.errors?.[0]?.path]).toEqual([400, ['current_sign']]);
  });

  it('saveMappingAs stores the adjusted mapping in the import\'s transaction; reused by name; a taken name or a failed import writes nothing', async () => {
    const file = fixture('arbin-units.csv');
    const header = fs.readFileSync(file, 'utf8').split('\n')[0].split(',');
    const fields: Record<string, string> = { 'Test_Time(s)': 'test_time_s', Date_Time: 'recorded_at', 'Current(A)': 'current_a', 'Voltage(V)': 'voltage_v', Cycle_Index: 'cycle_index' };
    // As the page sends an edited mapping: Step_Index ignored, voltage declared in mV.
    const mapping = Object.fromEntries(header.map((h) => [h, fields[h] ?? null]));
    const saved = await postCsv(app, IMPORT_ROUTE, token, file, { name: 'saved mapping', mapping: JSON.stringify(mapping), units: JSON.stringify({ voltage_v: 'mV' }), saveMappingAs: 'arbin mV rig' });
    expect([saved.status, saved.body.error?.message]).toEqual([201, undefined]);
    expect(saved.body.data.columnMapping).toMatchObject({ name: 'arbin mV rig' });
    const stored = await app.strapi.db.query('api::lab.column-mapping').findOne({ where: { name: 'arbin mV rig' } });
    expect(stored).toMatchObject({ format: 'mapped', current_sign: 'charge-positive', date_format: 'MM/DD/YYYY', delimiter: ',', units: expect.objectContaining({ voltage_v: 'mv' }) });
    expect(stored.mapping).toEqual(mapping);

    const reused = await postCsv(app, IMPORT_ROUTE, token, file, { name: 'reused saved mapping', columnMapping: 'arbin mV rig' });
    expect([reused.status, reused.body.data?.rows]).toEqual([201, 72]);
    const [a, b] = [await samples(saved.body.data.experiment.id), await samples(reused.body.data.experiment.id)];
    expect(Number(b[0].voltage_v)).toBeCloseTo(0.00356, 9);
    expect(b[0].step_index).toBeNull();
    expect(b.map((r: any) => [Number(r.voltage_v), Number(r.current_a), Number(r.recorded_at) || String(r.recorded_at)]))
      .toEqual(a.map((r: any) => [Number(r.voltage_v), Number(r.current_a), Number(r.recorded_at) || String(r.recorded_at)]));

    const count = async () => ({
      mappings: await app.strapi.db.query('api::lab.column-mapping').count(),
      experiments: await app.strapi.db.query('api::lab.experiment').count(),
    });
    const before = await count();
    const taken = await postCsv(app, IMPORT_ROUTE, token, file, { name: 'taken mapping name', saveMappingAs: 'arbin mV rig' });
    expect([taken.status, taken.body.error?.details?.errors?.[0]?.path]).toEqual([400, ['saveMappingAs']]);
    expect(taken.body.error.message).toMatch(/"arbin mV rig" already exists/);
    const badRow = await postCsv(app, IMPORT_ROUTE, token, fixture('arbin-bad-row.csv'), { name: 'bad row mapping', saveMappingAs: 'from a bad file' });
    expect([badRow.status, badRow.body.error?.details?.line]).toEqual([400, 5]);
    expect(await count()).toEqual(before);
    expect(await app.strapi.db.query('api::lab.column-mapping').findOne({ where: { name: 'from a bad file' } })).toBeNull();
  });

  it('timezone: the same wall-clock times read in UTC and Europe/Madrid are an offset apart, DST included; stored in a saved mapping', async () => {
    // 2026-03-29: Madrid goes from +01:00 to +02:00 at 02:00 local (02:00-02:59 do not exist there).
    const csv = Buffer.from('Test_Time(s),Date_Time,Cycle_Index,Current(A),Voltage(V)\n0,2026-03-29 01:30:00,1,1.0,3.7\n1800,2026-03-29 03:00:00,1,1.0,3.7\n3600,2026-03-29T03:30:00,1,1.0,3.7\n');
    const instants = async (query: Record<string, string>) => {
      const res = await postCsv(app, IMPORT_ROUTE, token, csv, { name: `tz ${query.timezone ?? 'default'}`, ...query });
      expect([res.status, res.body.error?.message]).toEqual([201, undefined]);
      return (await samples(res.body.data.experiment.id)).map((r: any) => new Date(Number.isFinite(Number(r.recorded_at)) ? Number(r.recorded_at) : r.recorded_at).toISOString());
    };
    const utc = await instants({});
    expect(utc).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-29T03:00:00.000Z', '2026-03-29T03:30:00.000Z']);
    const madrid = await instants({ timezone: 'Europe/Madrid' });
    expect(madrid).toEqual(['2026-03-29T00:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:30:00.000Z']);
    const hoursApart = utc.map((t, i) => (Date.parse(t) - Date.parse(madrid[i])) / 3_600_000);
    expect(hoursApart).toEqual([1, 2, 2]);
    // A time the clocks skipped is not guessed: the row is refused with its line, and nothing is written.
    const experiments = await app.strapi.db.query('api::lab.experiment').count();
    const gap = Buffer.from('Test_Time(s),Date_Time,Cycle_Index,Current(A),Voltage(V)\n0,2026-03-29 01:30:00,1,1.0,3.7\n3600,2026-03-29 02:30:00,1,1.0,3.7\n');
    const skipped = await postCsv(app, IMPORT_ROUTE, token, gap, { name: 'tz gap', timezone: 'Europe/Madrid' });
    expect([skipped.status, skipped.body.error?.details]).toEqual([400, expect.objectContaining({ line: 3, column: 'Date_Time', value: '2026-03-29 02:30:00' })]);
    expect(skipped.body.error.message).toMatch(/not a time in Europe\/Madrid: the clocks skipped it/);
    expect(await app.strapi.db.query('api::lab.experiment').count()).toBe(experiments);
    // 2026-10-25: Madrid repeats 02:00-02:59 (+02:00, then +01:00); a cycler logging through it writes that hour twice.
    const autumn = ['01:30', '02:00', '02:30', '02:00', '02:30', '03:00'];
    const repeated = Buffer.from(`Test_Time(s),Date_Time,Cycle_Index,Current(A),Voltage(V)\n${autumn.map((t, i) => `${1800 * i},2026-10-25 ${t}:00,1,1.0,3.7`).join('\n')}\n`);
    const res = await postCsv(app, IMPORT_ROUTE, token, repeated, { name: 'tz repeated hour', timezone: 'Europe/Madrid' });
    expect([res.status, res.body.error?.message]).toEqual([201, undefined]);
    const read = (await samples(res.body.data.experiment.id)).map((r: any) => new Date(Number.isFinite(Number(r.recorded_at)) ? Number(r.recorded_at) : r.recorded_at).getTime());
    expect(read).toEqual(autumn.map((_, i) => Date.parse('2026-10-24T23:30:00Z') + 1_800_000 * i));
    // Month-first slashed dates: 05/13/2017 09:01:00 in New York (EDT, -04:00).
    const ny = await postCsv(app, IMPORT_ROUTE, token, fixture('arbin-units.csv'), { name: 'tz new york', timezone: 'America/New_York' });
    const stored = await app.strapi.db.query('api::lab.experiment').findOne({ where: { id: ny.body.data.experiment.id } });
    expect(new Date(stored.started_at).toISOString()).toBe('2017-05-13T13:01:00.000Z');
    // An offset in the value wins over the option.
    const offset = Buffer.from('Test_Time(s),Date_Time,Cycle_Index,Current(A),Voltage(V)\n0,2026-07-01T12:00:00+00:00,1,1.0,3.7\n');
    const preview = await postCsv(app, PREVIEW_ROUTE, token, offset, { timezone: 'Asia/Tokyo' });
    expect([preview.body.data.timezone, preview.body.data.rows[0].values.recorded_at]).toEqual(['Asia/Tokyo', Date.parse('2026-07-01T12:00:00Z')]);

    const unknown = await postCsv(app, PREVIEW_ROUTE, token, csv, { timezone: 'Europe/Atlantis' });
    expect([unknown.status, unknown.body.error.details.errors[0].path]).toEqual([400, ['timezone']]);
    const badSaved = await app.http().post('/api/column-mappings').set(bearer(token)).send({ data: { name: 'bad zone', timezone: 'CEST' } });
    expect([badSaved.status, badSaved.body.error.details.errors?.[0]?.path]).toEqual([400, ['timezone']]);
    const saved = await app.http().post('/api/column-mappings').set(bearer(token)).send({ data: { name: 'madrid rig', timezone: 'Europe/Madrid' } });
    expect(saved.status).toBe(201);
    const reused = await postCsv(app, PREVIEW_ROUTE, token, csv, { columnMapping: 'madrid rig' });
    expect(reused.body.data.rows[0].values.recorded_at).toBe(Date.parse(madrid[0]));
  });

  it('encoding: a windows-1252 file with "Temperature (°C)" reads with encoding declared (refused as UTF-8); UTF-16LE found by its BOM, streamed', async () => {
    // Bytes as a Windows cycler PC writes them: ° is 0xB0 (one byte), € 0x80 (windows-1252 only; a C1 control in latin1).
    const ascii = (text: string) => Buffer.from(text, 'ascii');
    const cp1252 = Buffer.concat([
      ascii('Test_Time(s),Cycle_Index,Current(A),Voltage(V),Temperature ('), Buffer.from([0xb0]), ascii('C),Note\r\n'),
      ascii('0,1,1.0,3.7,25.5,5 '), Buffer.from([0x80]), ascii('\r\n60,1,1.0,3.8,25.75,ok\r\n'),
    ]);
    const asUtf8 = await postCsv(app, PREVIEW_ROUTE, token, cp1252, { startedAt: '2026-01-01T00:00:00Z' });
    expect(asUtf8.status).toBe(400);
    expect(asUtf8.body.error.message).toMatch(/column "Temperature \(\uFFFDC\)": unit "\uFFFDc"/);
    const res = await postCsv(app, IMPORT_ROUTE, token, cp1252, { name: 'windows-1252', encoding: 'windows-1252', startedAt: '2026-01-01T00:00:00Z' });
    expect([res.status, res.body.error?.message, res.body.data?.rows]).toEqual([201, undefined, 2]);
    const rows = await samples(res.body.data.experiment.id);
    expect(rows.map((r: any) => Number(r.temperature_c))).toEqual([25.5, 25.75]);
    expect(JSON.parse(rows[0].extra)).toEqual({ Note: '5 €' });
    const latin1 = await postCsv(app, PREVIEW_ROUTE, token, cp1252, { encoding: 'ISO-8859-1', startedAt: '2026-01-01T00:00:00Z' });
    expect(latin1.body.data.columns.map((c: any) => c.column)).toContain('Temperature (°C)');
    expect(latin1.body.data.rows[0].values.extra).toEqual({ Note: '5 \u0080' });

    // UTF-16LE with its BOM (Excel's "Unicode text"), larger than the detection head: no option needed.
    const lines = ['Test_Time(s),Cycle_Index,Current(mA),Voltage(V),Temperature (°C)'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},1,${i === 19_999 ? 750 : 500},3.7,25.${i % 10}`);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.join('\n'), 'utf16le')]);
    expect(utf16.length).toBeGreaterThan(3 * 256 * 1024);
    const wide = await app.http().post(IMPORT_ROUTE).query({ name: 'utf-16le', startedAt: '2026-01-01T00:00:00Z' })
      .set(bearer(token)).set('Content-Type', 'application/octet-stream').send(utf16);
    expect([wide.status, wide.body.error?.message, wide.body.data?.rows]).toEqual([201, undefined, 20_000]);
    const wideRows = await samples(wide.body.data.experiment.id);
    expect([Number(wideRows[19_999].current_a), Number(wideRows[12_345].temperature_c)]).toEqual([0.75, 25.5]);

    const unknown = await postCsv(app, PREVIEW_ROUTE, token, cp1252, { encoding: 'ebcdic' });
    expect([unknown.status, unknown.body.error.details.errors[0].path]).toEqual([400, ['encoding']]);
    const badSaved = await app.http().post('/api/column-mappings').set(bearer(token)).send({ data: { name: 'bad encoding', encoding: 'klingon' } });
    expect([badSaved.status, badSaved.body.error.details.errors?.[0]?.path]).toEqual([400, ['encoding']]);
    const saved = await postCsv(app, IMPORT_ROUTE, token, cp1252, { name: 'windows-1252 saved', encoding: 'cp1252', startedAt: '2026-01-01T00:00:00Z', saveMappingAs: 'windows rig' });
    expect(saved.status).toBe(201);
    const reused = await postCsv(app, PREVIEW_ROUTE, token, cp1252, { columnMapping: 'windows rig', startedAt: '2026-01-01T00:00:00Z' });
    expect([reused.status, reused.body.data?.rows[0].values.extra]).toEqual([200, { Note: '5 €' }]);
  });

  it('bad options are 400s naming the option; a name is required', async () => {
    const noName = await postCsv(app, IMPORT_ROUTE, token, fixture('arbin-units.csv'));
    expect(noName.status).toBe(400);
    expect(noName.body.error.details.errors[0].path).toEqual(['name']);
    const badFormat = await postCsv(app, IMPORT_ROUTE, token, fixture('arbin-units.csv'), { name: 'x', format: 'maccor' });
    expect(badFormat.body.error.details.errors[0].path).toEqual(['format']);
    const unknown = await postCsv(app, PREVIEW_ROUTE, token, Buffer.from('a,b,c\n1,2,3\n'));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.errors[0].path).toEqual(['format']);
  });

  it('access: no credentials are refused, an invalid token is 401, a token or role without experiment create is 403', async () => {
    for (const route of [IMPORT_ROUTE, PREVIEW_ROUTE]) {
      const anonymous = await postCsv(app, route, null, fixture('arbin-units.csv'), { name: 'anon' });
      expect([route, anonymous.status]).toEqual([route, 403]);
      expect((await postCsv(app, route, 'not-a-token', fixture('arbin-units.csv'), { name: 'x' })).status).toBe(401);
      const readOnly = await createApiToken(app.strapi, 'custom', ['api::lab.experiment.find']);
      expect((await postCsv(app, route, readOnly, fixture('arbin-units.csv'), { name: 'x' })).status).toBe(403);
      const { jwt } = await endUserToken(app.strapi, 'teacher');
      expect((await postCsv(app, route, jwt, fixture('arbin-units.csv'), { name: 'x' })).status).toBe(403);
    }
    const creator = await createApiToken(app.strapi, 'custom', ['api::lab.experiment.create']);
    expect((await postCsv(app, PREVIEW_ROUTE, creator, fixture('arbin-units.csv'))).status).toBe(200);
  });

  it('refuses to import onto a real cycler station', async () => {
    await app.strapi.documents('api::lab.cycler-station').create({ data: { name: 'real-station', state: 'offline' } as any });
    const res = await postCsv(app, IMPORT_ROUTE, token, fixture('arbin-units.csv'), { name: 'x', station: 'real-station' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0].path).toEqual(['station']);
  });
});
