/**
 * Admin routes of the "Battery file import" page (POST /data-exchange/lab/experiments/preview|import,
 * GET /data-exchange/lab/experiments/import-jobs/:id): no session 401, Race crew 403, Lab technician
 * previews, starts an import as a job and polls it to its experiment; a bad row fails the job with its
 * line and leaves nothing behind; another admin user cannot read the job. The import's rules themselves
 * are in battery-import.test.ts.
 */
import fs from 'fs';
import path from 'path';
import { adminToken, startStrapi, type TestApp } from '../helpers/strapi';
import { uploadMarker } from '../helpers/uploads';
import { OWN_FIXTURES, bearer } from './battery-helpers';

const PREVIEW = '/data-exchange/lab/experiments/preview';
const IMPORT = '/data-exchange/lab/experiments/import';
const JOB = (id: string) => `/data-exchange/lab/experiments/import-jobs/${id}`;
const fixture = (name: string) => path.join(OWN_FIXTURES, name);

describe('battery file import admin routes', () => {
  let app: TestApp;
  let lab: string;
  let race: string;

  beforeAll(async () => {
    app = await startStrapi();
    lab = await adminToken(app, ['Lab technician']);
    race = await adminToken(app, ['Race crew']);
  });
  afterAll(async () => {
    await app?.stop();
  });

  const post = (route: string, token: string | null, file: string | Buffer, fields: Record<string, string> = {}) => {
    let req = app.http().post(route);
    if (token) req = req.set(bearer(token));
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    const body = Buffer.isBuffer(file) ? file : fs.readFileSync(file);
    return req.attach('file', body, { filename: Buffer.isBuffer(file) ? 'data.csv' : path.basename(file), contentType: 'text/csv' });
  };

  const getJob = (id: string, token: string | null) => {
    const req = app.http().get(JOB(id));
    return token ? req.set(bearer(token)) : req;
  };

  /** Polls the job until it has ended; returns every answer seen (the last one ended). */
  const untilEnded = async (id: string, token = lab) => {
    const seen: any[] = [];
    for (let i = 0; i < 1200; i++) {
      const res = await getJob(id, token);
      expect(res.status).toBe(200);
      seen.push(res.body.data);
      if (res.body.data.state !== 'running') return seen;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job ${id} still running`);
  };

  /** Starts an import (202 with the job at once) and polls it to its end. */
  const runImport = async (file: string | Buffer, fields: Record<string, string>) => {
    const res = await post(IMPORT, lab, file, fields);
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ id: expect.any(String), state: expect.stringMatching(/running|done|failed/) });
    const seen = await untilEnded(res.body.data.id);
    return { start: res.body.data, seen, job: seen[seen.length - 1] };
  };

  it.each([PREVIEW, IMPORT])('%s: 401 without a session, 403 for Race crew', async (route) => {
    expect((await post(route, null, fixture('arbin-units.csv'), { name: 'x' })).status).toBe(401);
    expect((await post(route, race, fixture('arbin-units.csv'), { name: 'x' })).status).toBe(403);
    expect(await app.strapi.db.query('api::lab.experiment').count({ where: { name: 'x' } })).toBe(0);
  });

  it('previews an Arbin file for the Lab technician: format, mapping, first rows', async () => {
    const res = await post(PREVIEW, lab, fixture('arbin-units.csv'));
    expect(res.status).toBe(200);
    const { data } = res.body;
    expect(data).toMatchObject({ format: 'arbin', headerLine: 1 });
    expect(data.rows).toHaveLength(10);
    expect(data.columns).toEqual(expect.arrayContaining([{ column: 'Voltage(V)', field: 'voltage_v', unit: 'v' }]));
  });

  it('starts an import as a job (202 at once) and the job polled ends done with the experiment (72 rows, 3 cycles)', async () => {
    const size = fs.statSync(fixture('arbin-units.csv')).size;
    const { start, job } = await runImport(fixture('arbin-units.csv'), { name: 'admin import', description: 'from the page' });
    expect(start).toMatchObject({ totalBytes: size });
    expect(job).toMatchObject({ id: start.id, state: 'done', rows: 72, bytes: size, totalBytes: size, rowsPerSecond: expect.any(Number) });
    expect(job.result).toMatchObject({ format: 'arbin', rows: 72, cycles: 3, station: 'imported-files', summary: { cycles: expect.any(Array) } });
    const stored = await app.strapi.db.query('api::lab.experiment').findOne({ where: { id: job.result.experiment.id } });
    expect(stored).toMatchObject({ name: 'admin import', description: 'from the page', source: 'imported', sample_count: 72 });
  });

  it('the job: 401 without a session, 403 for Race crew, 404 for another Lab technician and for an unknown id', async () => {
    const { job } = await runImport(fixture('arbin-units.csv'), { name: 'admin job access' });
    expect(job.state).toBe('done');
    expect((await getJob(job.id, null)).status).toBe(401);
    expect((await getJob(job.id, race)).status).toBe(403);
    const otherLab = await adminToken(app, ['Lab technician']);
    const other = await getJob(job.id, otherLab);
    expect(other.status).toBe(404);
    expect([other.body.data, other.body.error.name]).toEqual([null, 'NotFoundError']);
    const unknown = await getJob('00000000-0000-0000-0000-000000000000', lab);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/No such import job/);
    expect((await getJob(job.id, lab)).body.data.result.experiment.id).toBe(job.result.experiment.id);
  });

  it('imports with the mapping and units adjusted on the page (multipart JSON fields)', async () => {
    const file = fixture('arbin-units.csv');
    const header = fs.readFileSync(file, 'utf8').split('\n')[0].split(',');
    // As the page sends it after an edit: every column with its field (Step_Index ignored), voltage declared in mV.
    const fields: Record<string, string | null> = { 'Test_Time(s)': 'test_time_s', Date_Time: 'recorded_at', 'Current(A)': 'current_a', 'Voltage(V)': 'voltage_v', Cycle_Index: 'cycle_index' };
    const mapping = Object.fromEntries(header.map((h) => [h, fields[h] ?? null]));
    const { result } = (await runImport(file, { name: 'admin mapped', mapping: JSON.stringify(mapping), units: JSON.stringify({ voltage_v: 'mV' }) })).job;
    expect(result).toMatchObject({ format: 'mapped', rows: 72 });
    const [first] = await app.strapi.db.connection('lab_samples').where({ experiment_id: result.experiment.id }).orderBy('seq').select('*');
    expect(Number(first.voltage_v)).toBeCloseTo(0.00356, 9);
    expect(first.step_index).toBeNull();
  });

  it('saveMappingAs saves the mapping with the import; a taken name is a plain 400 and nothing is written', async () => {
    const { result } = (await runImport(fixture('arbin-units.csv'), { name: 'admin saved mapping', units: JSON.stringify({ voltage_v: 'mV' }), saveMappingAs: 'admin rig' })).job;
    expect(result.columnMapping).toMatchObject({ name: 'admin rig' });
    const stored = await app.strapi.db.query('api::lab.column-mapping').findOne({ where: { name: 'admin rig' } });
    expect(stored).toMatchObject({ format: 'arbin', units: expect.objectContaining({ voltage_v: 'mv' }) });
    expect(stored.mapping).toMatchObject({ 'Voltage(V)': 'voltage_v', Data_Point: null });

    const experiments = await app.strapi.db.query('api::lab.experiment').count();
    const taken = await post(IMPORT, lab, fixture('arbin-units.csv'), { name: 'admin taken', saveMappingAs: 'admin rig' });
    expect(taken.status).toBe(400);
    expect(taken.body.error.details.errors[0].path).toEqual(['saveMappingAs']);
    expect(await app.strapi.db.query('api::lab.experiment').count()).toBe(experiments);
    expect(await app.strapi.db.query('api::lab.column-mapping').count({ where: { name: 'admin rig' } })).toBe(1);
  });

  it('encoding and timezone as multipart fields: a windows-1252 file with local dates; bad values a plain 400 naming them', async () => {
    const csv = Buffer.concat([
      Buffer.from('Test_Time(s),Date_Time,Cycle_Index,Current(A),Voltage(V),Temperature ('), Buffer.from([0xb0]), Buffer.from('C)\n'),
      Buffer.from('0,2026-07-01 12:00:00,1,1.0,3.7,25.5\n'),
    ]);
    const { result } = (await runImport(csv, { name: 'admin encoding', encoding: 'windows-1252', timezone: 'Europe/Madrid' })).job;
    const [row] = await app.strapi.db.connection('lab_samples').where({ experiment_id: result.experiment.id }).select('*');
    expect(Number(row.temperature_c)).toBe(25.5);
    expect(new Date(Number.isFinite(Number(row.recorded_at)) ? Number(row.recorded_at) : row.recorded_at).toISOString()).toBe('2026-07-01T10:00:00.000Z');
    for (const [option, value] of [['encoding', 'utf-7'], ['timezone', 'Europe/Nowhere']]) {
      const bad = await post(IMPORT, lab, csv, { name: 'admin bad option', [option]: value });
      expect([bad.status, bad.body.error.details.errors[0].path]).toEqual([400, [option]]);
    }
  });

  it('the uploaded temp file belongs to the job and is removed when it ends; removed after a preview and a refused import', async () => {
    const { marker, leftInTemp } = uploadMarker();
    const csv = Buffer.from(`Test_Time(s),Cycle_Index,Current(A),Voltage(V),Note\n0,1,1.0,3.7,${marker}\n60,1,1.0,3.8,x\n`);
    expect((await post(PREVIEW, lab, csv)).status).toBe(200);
    expect(await leftInTemp()).toEqual([]);
    const { job } = await runImport(csv, { name: 'temp file removed', startedAt: '2026-01-01T00:00:00Z' });
    expect(job.result.rows).toBe(2);
    // Removed in the job's finally, just after it is marked done: give the rm a moment.
    for (let i = 0; i < 20 && (await leftInTemp()).length; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await leftInTemp()).toEqual([]);
    expect((await post(IMPORT, lab, csv, { name: 'temp file removed', encoding: 'ebcdic' })).status).toBe(400);
    expect(await leftInTemp()).toEqual([]);
  });

  it('a file of several batches: polls see rows and bytes grow while running, the end at every row and byte', async () => {
    const lines = ['Data_Point,Test_Time(s),DateTime,Cycle_Index,Current(A),Voltage(V)'];
    for (let i = 1; i <= 60_000; i++) lines.push(`${i},${i},${1494377253 + i},1,1.0,3.7`);
    const csv = Buffer.from(lines.join('\n'));
    const res = await post(IMPORT, lab, csv, { name: 'admin batches' });
    // Answered before the file is read: the job reads the upload after this request has ended.
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ state: 'running', rows: 0 });
    // The bar goes by rows of an estimate from the file's first 64 kB (bytes read run far ahead of the rows).
    expect(Math.abs(res.body.data.estimatedRows - 60_000)).toBeLessThan(3_000);
    const seen = await untilEnded(res.body.data.id);
    const job = seen[seen.length - 1];
    expect(job).toMatchObject({ state: 'done', rows: 60_000, bytes: csv.length, totalBytes: csv.length });
    const running = seen.filter((s) => s.state === 'running');
    expect(running.some((s) => s.rows > 0 && s.rows < 60_000 && s.rows % 5_000 === 0)).toBe(true);
    seen.forEach((s, i) => i && expect([s.rows >= seen[i - 1].rows, s.bytes >= seen[i - 1].bytes]).toEqual([true, true]));
  });

  it('a bad row fails the job with line, column and value, and nothing is written', async () => {
    const before = await app.strapi.db.query('api::lab.experiment').count();
    const { job } = await runImport(fixture('arbin-bad-row.csv'), { name: 'bad admin import' });
    expect(job.state).toBe('failed');
    expect(job.result).toBeUndefined();
    expect(job.error).toMatchObject({ status: 400, name: 'ValidationError', details: { line: 5, column: 'Voltage(V)', value: '3.7x' } });
    expect(job.error.message).toMatch(/line 5.*nothing was imported/);
    expect(await app.strapi.db.query('api::lab.experiment').count()).toBe(before);
    expect(await app.strapi.db.query('api::lab.experiment').count({ where: { name: 'bad admin import' } })).toBe(0);
  });

  it('bad options are a plain 400 naming the option, and no job is started', async () => {
    const noName = await post(IMPORT, lab, fixture('arbin-units.csv'));
    expect(noName.status).toBe(400);
    expect(noName.body.error.details.errors[0].path).toEqual(['name']);
    const ambiguous = await post(PREVIEW, lab, fixture('arbin-ambiguous-dates.csv'));
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.details.errors[0].path).toEqual(['dateFormat']);
  });
});
