/**
 * Admin routes of the battery lab's Experiments page (GET /data-exchange/lab/experiments[...]): no
 * session 401, Race crew 403; the list with its filters and sorts, the filter choices, the summary,
 * and the CSV and HTML downloads (the content-API export and report handlers behind the lab monitor's
 * read action).
 */
import fs from 'fs';
import path from 'path';
import { adminToken, startStrapi, type TestApp } from '../helpers/strapi';
import { OWN_FIXTURES, bearer } from './battery-helpers';
import { createLabFixture, queueExperiment } from './helpers';
import type { BatteryImportService } from '../../src/api/lab/services/battery-import';

const LIST = '/data-exchange/lab/experiments';

describe('battery lab Experiments admin routes', () => {
  let app: TestApp;
  let lab: string;
  let analyst: string;
  let race: string;
  let id: number;
  // Three experiments that differ in every sortable column (tests below look only at these ids:
  // the table is the whole database's).
  let other: number;
  let queued: number;
  let lithium: { batteryId: number; profileId: number; stationIds: Record<string, number> };
  let leadAcidId: number;
  let leadProfileId: number;

  beforeAll(async () => {
    app = await startStrapi();
    lab = await adminToken(app, ['Lab technician']);
    analyst = await adminToken(app, ['Analyst']);
    race = await adminToken(app, ['Race crew']);
    const service = app.strapi.service('api::lab.battery-import') as unknown as BatteryImportService;
    const options = await service.options({ name: 'Experiments page arbin', description: 'three cycles' });
    const result = await service.importCsv(fs.createReadStream(path.join(OWN_FIXTURES, 'arbin-units.csv')), options);
    id = result.experiment.id;

    // `other`: lead-acid, on virtual station "bench-b", with a profile, ran 2020-01-01 to 01-03 (a second
    // import of the same file: 72 samples, 3 cycles, then 40 samples set by hand to differ).
    // `queued`: lithium, live, never started (created now), no samples, no cycle summary.
    lithium = await createLabFixture(app.strapi, ['catalog-station']);
    const lead: any = await app.strapi.documents('api::lab.battery').create({
      data: { name: 'Alpha lead cell', technology: 'lead_acid', nominal_capacity_ah: 7, specification: [{ __component: 'lab.lead-acid' }] } as any,
    });
    leadAcidId = lead.id;
    const otherOptions = await service.options({ name: 'Zeta catalogue run', station: 'bench-b', battery: lead.documentId });
    other = (await service.importCsv(fs.createReadStream(path.join(OWN_FIXTURES, 'arbin-units.csv')), otherOptions)).experiment.id;
    const profile: any = await app.strapi.documents('api::lab.profile').create({ data: { name: 'Lead profile', instructions: 'WAIT, 60' } as any });
    leadProfileId = profile.id;
    await app.strapi.db.query('api::lab.experiment').update({ where: { id: other }, data: { started_at: new Date('2020-01-01T10:00:00Z'), finished_at: new Date('2020-01-03T10:00:00Z'), sample_count: 40, profile: profile.id } });
    await app.strapi.db.query('api::lab.experiment').update({ where: { id }, data: { battery: lithium.batteryId } });
    queued = await queueExperiment(app.strapi, lithium as any, 'catalog-station', 'middle queued run');
  });
  afterAll(async () => {
    await app?.stop();
  });

  const get = (route: string, token: string | null) => {
    let req = app.http().get(route);
    if (token) req = req.set(bearer(token));
    return req.buffer(true).parse((res, cb) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => cb(null, text));
    });
  };

  it.each([LIST, `${LIST}/filter-options`, `${LIST}/1/summary`, `${LIST}/1/export.csv`, `${LIST}/1/report.html`])('%s: 401 without a session, 403 for Race crew', async (route) => {
    expect((await get(route, null)).status).toBe(401);
    expect((await get(route, race)).status).toBe(403);
  });

  it('lists the imported experiment with its cycles, and filters by state, source and name', async () => {
    const res = await get(LIST, lab);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    const row = body.data.find((e: { id: number }) => e.id === id);
    expect(row).toMatchObject({ name: 'Experiments page arbin', state: 'finished', source: 'imported', sample_count: 72, cycles: 3, station: 'imported-files' });
    expect(body.meta.pagination).toMatchObject({ page: 1, pageSize: 25 });
    const ids = async (query: string) => JSON.parse((await get(`${LIST}?${query}`, analyst)).body).data.map((e: { id: number }) => e.id);
    expect(await ids('q=PAGE%20ARB')).toEqual([id]);
    expect(await ids('q=three%20cycles')).toEqual([id]);
    expect(await ids('q=nothing-like-this')).toEqual([]);
    expect(await ids('source=live')).not.toContain(id);
    expect(await ids('source=imported&state=finished')).toContain(id);
    expect(await ids('state=running')).not.toContain(id);
    const bad = await get(`${LIST}?state=done`, lab);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toMatch(/state/);
    expect((await get(`${LIST}?pageSize=1000`, lab)).status).toBe(400);
  });

  const ours = async (query: string) => {
    const res = await get(`${LIST}?pageSize=100&${query}`, analyst);
    expect(res.status).toBe(200);
    return JSON.parse(res.body).data.map((e: { id: number }) => e.id).filter((e: number) => [id, other, queued].includes(e));
  };

  it('sorts by every column, both ways, empty values last', async () => {
    // id order: id < other < queued. Names: "Experiments page arbin" < "middle queued run" < "Zeta catalogue run"
    // (without regard to case). Batteries: "Alpha lead cell" < "cell-…" (twice). Samples 40 < 72, 0 for queued.
    // Equal values: newest first (other before id).
    const expected: Record<string, number[]> = {
      'id:asc': [id, other, queued],
      'name:asc': [id, queued, other],
      'battery:asc': [other, queued, id],
      'technology:asc': [other, queued, id],
      'station:asc': [other, queued, id],
      'profile:asc': [other, queued, id],
      'state:asc': [other, id, queued],
      'source:asc': [other, id, queued],
      'samples:asc': [queued, other, id],
      'started:asc': [id, other, queued],
      'finished:asc': [id, other, queued],
      'cycles:asc': [queued, other, id],
      'created:asc': [id, other, queued],
    };
    for (const [sort, order] of Object.entries(expected)) {
      expect([sort, await ours(`sort=${sort}`)]).toEqual([sort, order]);
    }
    // Descending reverses the order, except that empty values stay last (queued has not started).
    expect(await ours('sort=name:desc')).toEqual([other, queued, id]);
    expect(await ours('sort=started:desc')).toEqual([other, id, queued]);
    expect(await ours('sort=cycles:desc')).toEqual([other, id, queued]);
    expect(await ours('sort=name')).toEqual([id, queued, other]);
    // Default: newest first.
    expect(await ours('')).toEqual([queued, other, id]);
    // The cycle count sorted on is the one shown.
    const rows = JSON.parse((await get(`${LIST}?pageSize=100&sort=cycles:asc`, lab)).body).data;
    expect(rows.find((r: { id: number }) => r.id === queued)).toMatchObject({ cycles: 0, technology: 'lithium', station: 'catalog-station', started_at: null });
    expect(rows.find((r: { id: number }) => r.id === other)).toMatchObject({ cycles: 3, battery: 'Alpha lead cell', technology: 'lead_acid', profile: 'Lead profile', station: 'bench-b', started_at: '2020-01-01T10:00:00.000Z' });
  });

  it('pages through a sorted list', async () => {
    const all = JSON.parse((await get(`${LIST}?pageSize=100&sort=name:asc`, lab)).body);
    const first = JSON.parse((await get(`${LIST}?pageSize=2&page=1&sort=name:asc`, lab)).body);
    const second = JSON.parse((await get(`${LIST}?pageSize=2&page=2&sort=name:asc`, lab)).body);
    expect(first.meta.pagination).toEqual({ page: 1, pageSize: 2, pageCount: Math.ceil(all.meta.pagination.total / 2), total: all.meta.pagination.total });
    expect([...first.data, ...second.data].map((e: { id: number }) => e.id)).toEqual(all.data.slice(0, 4).map((e: { id: number }) => e.id));
  });

  it('filters by technology, battery, station, profile and the period an experiment ran in', async () => {
    expect(await ours('technology=lead_acid')).toEqual([other]);
    expect(await ours('technology=lithium')).toEqual([queued, id]);
    expect(await ours('technology=redox_flow')).toEqual([]);
    expect(await ours(`battery=${leadAcidId}`)).toEqual([other]);
    expect(await ours(`battery=${lithium.batteryId}`)).toEqual([queued, id]);
    expect(await ours(`station=${lithium.stationIds['catalog-station']}`)).toEqual([queued]);
    expect(await ours(`profile=${leadProfileId}`)).toEqual([other]);
    expect(await ours(`profile=${lithium.profileId}`)).toEqual([queued]);
    // Ran on 2017-05-13 (id, 71 minutes), from 2020-01-01T10:00 to 01-03T10:00 (other); queued has not
    // started and counts from its creation (today).
    expect(await ours('from=2019-12-31&to=2020-01-01')).toEqual([other]);
    expect(await ours('from=2020-01-02&to=2020-01-02')).toEqual([other]); // started before, finished after
    expect(await ours('to=2017-05-13')).toEqual([id]); // a bare `to` date covers that whole day
    expect(await ours('to=2017-05-12')).toEqual([]);
    expect(await ours('from=2017-05-14&to=2019-12-31')).toEqual([]); // between the two runs
    expect(await ours('from=2020-01-03T10:00:00Z')).toEqual([queued, other]);
    expect(await ours('from=2020-01-03T10:00:01Z')).toEqual([queued]);
    expect(await ours(`from=${new Date(Date.now() - 3600_000).toISOString()}`)).toEqual([queued]);
    // A running experiment (started, not finished) ran through every period since its start.
    const experiments = app.strapi.db.query('api::lab.experiment');
    await experiments.update({ where: { id: queued }, data: { started_at: new Date('2019-06-01T00:00:00Z') } });
    try {
      expect(await ours('from=2020-06-01&to=2020-06-02')).toEqual([queued]);
      expect(await ours('to=2019-05-31')).not.toContain(queued);
    } finally {
      await experiments.update({ where: { id: queued }, data: { started_at: null } });
    }
    // Filters combine with each other, with search and with the sort.
    expect(await ours(`technology=lithium&source=imported`)).toEqual([id]);
    expect(await ours(`battery=${lithium.batteryId}&q=queued&sort=name:asc`)).toEqual([queued]);
    expect(await ours(`technology=lithium&sort=name:desc`)).toEqual([queued, id]);
  });

  it.each([
    ['sort=bogus', 'sort'],
    ['sort=name:up', 'sort'],
    ['sort=name:asc:x', 'sort'],
    ['technology=nickel', 'technology'],
    ['battery=abc', 'battery'],
    ['station=0', 'station'],
    ['profile=-1', 'profile'],
    ['from=yesterday', 'from'],
    ['to=2026-13-45', 'to'],
    ['from=2020-02-01&to=2020-01-01', 'to'],
  ])('%s: 400 naming %s', async (query, field) => {
    const res = await get(`${LIST}?${query}`, lab);
    expect(res.status).toBe(400);
    const error = JSON.parse(res.body).error;
    expect(error.message).toMatch(new RegExp(`^${field} `));
    expect(error.details.errors[0].path).toEqual([field]);
  });

  it('offers the filter choices that some experiment uses', async () => {
    const res = await get(`${LIST}/filter-options`, analyst);
    expect(res.status).toBe(200);
    const options = JSON.parse(res.body).data;
    expect(options.technologies).toEqual(['lithium', 'lead_acid', 'redox_flow']);
    expect(options.batteries).toEqual(expect.arrayContaining([
      { id: leadAcidId, name: 'Alpha lead cell', technology: 'lead_acid' },
      expect.objectContaining({ id: lithium.batteryId, technology: 'lithium' }),
    ]));
    expect(options.stations.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['bench-b', 'catalog-station', 'imported-files']));
    expect(options.profiles).toEqual(expect.arrayContaining([{ id: leadProfileId, name: 'Lead profile' }, expect.objectContaining({ id: lithium.profileId })]));
    // Names in order, without regard to case: "Alpha lead cell" before "cell-…".
    expect(options.batteries[0].name).toBe('Alpha lead cell');
    // A battery no experiment uses is not offered.
    const unused: any = await app.strapi.documents('api::lab.battery').create({ data: { name: 'unused cell', technology: 'redox_flow', specification: [{ __component: 'lab.redox-stack' }] } as any });
    const again = JSON.parse((await get(`${LIST}/filter-options`, lab)).body).data;
    expect(again.batteries.map((b: { id: number }) => b.id)).not.toContain(unused.id);
  });

  it('answers the summary, the BDF CSV and the HTML report; 404 for an unknown experiment', async () => {
    const summary = JSON.parse((await get(`${LIST}/${id}/summary`, lab)).body).data;
    expect(summary).toMatchObject({ id, name: 'Experiments page arbin', station: 'imported-files' });
    expect(summary.cycle_summary.cycles).toHaveLength(3);

    const csv = await get(`${LIST}/${id}/export.csv`, lab);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="experiment-${id}.csv"`);
    const lines = csv.body.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^Test Time \/ s,Unix Time \/ s,Voltage \/ V,Current \/ A/);
    expect(lines).toHaveLength(73);

    const report = await get(`${LIST}/${id}/report.html`, analyst);
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toMatch(/text\/html/);
    expect(report.headers['content-disposition']).toMatch(new RegExp(`attachment; filename="experiment-${id}-.*\\.html"`));
    expect(report.body).toContain('Experiments page arbin');

    for (const route of ['summary', 'export.csv', 'report.html']) expect((await get(`${LIST}/999999/${route}`, lab)).status).toBe(404);
  });
});
