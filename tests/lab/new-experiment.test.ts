/**
 * New-experiment rules (profile checks with line numbers, compatible stations and profiles, queueing)
 * and the lab admin routes' access: no session 401, Race crew 403, Lab technician 200.
 */
import { checkProfile, intersectLimits, batteryLimits, stationLimits } from '../../src/api/lab/services/profile-instructions';
import { adminToken, startStrapi, type TestApp } from '../helpers/strapi';
import { bridgeEnv, createLabFixture, uniqueNames, type LabFixture } from './helpers';

const names = uniqueNames(__filename);

describe('profile check against battery and station limits', () => {
  const limits = intersectLimits(
    batteryLimits({ min_voltage_v: 2.5, max_voltage_v: 4.2, max_charge_current_a: 3, max_discharge_current_a: 5 }),
    stationLimits({ min_voltage_v: 0, max_voltage_v: 10, min_current_a: -4, max_current_a: 10 }),
  );

  it('intersects the limits (discharge is negative current)', () => {
    expect(limits).toEqual({ min_voltage_v: 2.5, max_voltage_v: 4.2, min_current_a: -4, max_current_a: 3 });
  });

  it('names the line and the reason of every problem', () => {
    const text = ['CC, 1, TIME, 60', 'CV, 4.1, VOLTAGE, 3', 'CC, 5, TIME, 10', 'CC, -4.5, VOLTAGE, 2.0', 'WAIT', 'cc, 1, TIME, 5', 'CC, x, TIME, 5', 'CC, 1, CURRENT, 1', 'CV, 4.3, TIME, 10'].join('\n');
    const { issues } = checkProfile(text, limits);
    expect(issues.map((i) => i.line)).toEqual([2, 5, 6, 7, 8]);
    expect(issues[0].message).toBe('CV cannot end on VOLTAGE: use TIME or CURRENT');
    expect(issues[1].message).toMatch(/WAIT takes 2 elements/);
    expect(issues[2].message).toMatch(/capitals/);
    expect(issues[3].message).toMatch(/"x" is not a number/);
    expect(issues[4].message).toBe('CC cannot end on CURRENT: use TIME or VOLTAGE');
    // Syntax first; once it parses, the envelope.
    const envelope = checkProfile('CC, 1, TIME, 60\nCC, 5, TIME, 10\nCC, -4.5, VOLTAGE, 2.0\nCV, 4.3, TIME, 10', limits, 'battery ∩ station').issues;
    expect(envelope.map((i) => [i.line, i.message])).toEqual([
      [2, 'CC current 5 A is outside battery ∩ station (-4 A .. 3 A)'],
      [3, 'CC current -4.5 A is outside battery ∩ station (-4 A .. 3 A)'],
      [3, 'CC voltage limit 2 V is outside battery ∩ station (2.5 V .. 4.2 V)'],
      [4, 'CV voltage 4.3 V is outside battery ∩ station (2.5 V .. 4.2 V)'],
    ]);
    expect(checkProfile('# nothing', limits).issues).toEqual([{ line: 1, message: 'the profile needs at least one WAIT, CC or CV line' }]);
  });
});

describe('New-experiment and monitor admin routes', () => {
  let app: TestApp;
  let fixture: LabFixture;
  let lab: string;
  let crew: string;
  let stationDoc: string;
  let narrowDoc: string;

  beforeAll(async () => {
    // No cycler beats here: a long timeout keeps the stations marked available by the test online.
    app = await startStrapi({ env: bridgeEnv(names, { LAB_STATION_TIMEOUT_MS: '600000' }) });
    fixture = await createLabFixture(app.strapi, [names.station('ok'), names.station('narrow')]);
    const stations = await app.strapi.db.query('api::lab.cycler-station').findMany({ where: { name: { $in: [names.station('ok'), names.station('narrow')] } } });
    for (const s of stations) await app.strapi.db.query('api::lab.cycler-station').update({ where: { id: s.id }, data: { state: 'available', last_heartbeat_at: new Date() } });
    stationDoc = stations.find((s: any) => s.name === names.station('ok')).documentId;
    narrowDoc = stations.find((s: any) => s.name === names.station('narrow')).documentId;
    await app.strapi.db.query('api::lab.cycler-station').update({ where: { documentId: narrowDoc }, data: { max_voltage_v: 3 } });
    await app.strapi.documents('api::lab.profile').create({ data: { name: 'too strong', instructions: 'CC, 9, TIME, 10' } as any });
    lab = await adminToken(app, ['Lab technician']);
    crew = await adminToken(app, ['Race crew']);
  });
  afterAll(async () => {
    await app?.stop();
  });

  const get = (path: string, token?: string) => {
    const req = app.http().get(path);
    return token ? req.set('Authorization', `Bearer ${token}`) : req;
  };
  const post = (path: string, body: object, token?: string) => {
    const req = app.http().post(path).send(body);
    return token ? req.set('Authorization', `Bearer ${token}`) : req;
  };

  it.each([
    ['GET', '/cycler-bridge/monitor/stations'],
    ['GET', '/cycler-bridge/new-experiment/options?technology=lithium'],
    ['POST', '/cycler-bridge/new-experiment/check'],
    ['POST', '/cycler-bridge/experiments'],
  ])('%s %s: 401 without a session, 403 for Race crew', async (method, path) => {
    const anonymous = method === 'GET' ? await get(path) : await post(path, {});
    expect(anonymous.status).toBe(401);
    const wrongRole = method === 'GET' ? await get(path, crew) : await post(path, {}, crew);
    expect(wrongRole.status).toBe(403);
  });

  it('offers batteries of the technology, stations covering the battery, profiles fitting both', async () => {
    const byTech = await get('/cycler-bridge/new-experiment/options?technology=lithium', lab);
    expect(byTech.status).toBe(200);
    expect(byTech.body.data.batteries.map((b: any) => b.documentId)).toContain(fixture.batteryDocumentId);
    const withBattery = await get(`/cycler-bridge/new-experiment/options?technology=lithium&battery=${fixture.batteryDocumentId}`, lab);
    const offered = withBattery.body.data.stations.map((s: any) => s.documentId);
    expect(offered).toContain(stationDoc);
    expect(offered).not.toContain(narrowDoc); // 3 V max does not cover the battery's 4.2 V
    const full = await get(`/cycler-bridge/new-experiment/options?technology=lithium&battery=${fixture.batteryDocumentId}&station=${stationDoc}`, lab);
    const profiles = full.body.data.profiles.map((p: any) => p.name);
    expect(profiles.some((p: string) => p.startsWith('profile-'))).toBe(true);
    expect(profiles).not.toContain('too strong');
    // The battery alone (landing after creating it) names the battery and implies its technology.
    const landing = await get(`/cycler-bridge/new-experiment/options?battery=${fixture.batteryDocumentId}`, lab);
    expect(landing.status).toBe(200);
    expect(landing.body.data.technology).toBe('lithium');
    expect(landing.body.data.battery.documentId).toBe(fixture.batteryDocumentId);
    expect(landing.body.data.batteries.map((b: any) => b.documentId)).toContain(fixture.batteryDocumentId);
    expect(landing.body.data.stations.map((s: any) => s.documentId)).toContain(stationDoc);
    const unknown = await get('/cycler-bridge/new-experiment/options?battery=nope', lab);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.field).toBe('battery');
    const bad = await get('/cycler-bridge/new-experiment/options?technology=nuclear', lab);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('technology');
  });

  it('checks a written profile and refuses to save one with errors, naming the lines', async () => {
    const check = await post('/cycler-bridge/new-experiment/check', { battery: fixture.batteryDocumentId, station: stationDoc, instructions: 'CC, 1, TIME, 10\nCV, 4.1, VOLTAGE, 3' }, lab);
    expect(check.status).toBe(200);
    expect(check.body.data.ok).toBe(false);
    expect(check.body.data.issues).toEqual([{ line: 2, message: 'CV cannot end on VOLTAGE: use TIME or CURRENT' }]);
    const refused = await post('/cycler-bridge/experiments', { name: 'bad', battery: fixture.batteryDocumentId, station: stationDoc, instructions: 'CC, 8, TIME, 10' }, lab);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.field).toBe('instructions');
    expect(refused.body.error.message).toMatch(/^line 1: CC current 8 A is outside/);
    expect(await app.strapi.db.query('api::lab.experiment').count({ where: { name: 'bad' } })).toBe(0);
  });

  it('queues the experiment with a new profile made from the instructions', async () => {
    const res = await post('/cycler-bridge/experiments', { name: 'from the page', battery: fixture.batteryDocumentId, station: stationDoc, instructions: 'CC, 1, TIME, 10\nWAIT, 5' }, lab);
    expect(res.status).toBe(201);
    const stored = await app.strapi.db.query('api::lab.experiment').findOne({ where: { id: res.body.data.id }, populate: ['profile', 'battery', 'cycler_station'] });
    // No cycler answers on this broker: dispatch sends the start command and marks it running.
    expect(['queued', 'running']).toContain(stored.state);
    expect(stored.queued_at).toBeTruthy();
    expect(stored.profile.steps).toHaveLength(2);
    expect(stored.cycler_station.documentId).toBe(stationDoc);
    const refused = await post('/cycler-bridge/experiments', { name: 'wrong station', battery: fixture.batteryDocumentId, station: narrowDoc, instructions: 'WAIT, 5' }, lab);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.field).toBe('station');
  });

  it('never offers nor accepts a virtual station (imported experiments), even one a cycler beats for', async () => {
    const name = names.station('virtual');
    const virtual = await app.strapi.db.query('api::lab.cycler-station').create({
      data: { name, state: 'available', virtual: true, min_voltage_v: 0, max_voltage_v: 10, min_current_a: -10, max_current_a: 10, documentId: `virtual-${Date.now()}` },
    });
    const options = await get(`/cycler-bridge/new-experiment/options?technology=lithium&battery=${fixture.batteryDocumentId}`, lab);
    expect(options.status).toBe(200);
    expect(JSON.stringify(options.body)).not.toContain(name);
    const refused = await post('/cycler-bridge/experiments', { name: 'on a virtual one', battery: fixture.batteryDocumentId, station: virtual.documentId, instructions: 'WAIT, 5' }, lab);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.field).toBe('station');
    expect(refused.body.error.message).toContain('virtual');
    // A heartbeat under its name is not a station of ours: counted as malformed, state untouched.
    const stations = app.strapi.plugin('cycler-bridge').service('stations') as any;
    await stations.heartbeat(name, { state: 'available' });
    expect(stations.malformedCounts()[name]).toBe(1);
    expect((await app.strapi.db.query('api::lab.cycler-station').findOne({ where: { id: virtual.id } })).last_heartbeat_at).toBeNull();
  });

  it('serves a downsampled series and the full-resolution CSV of a range', async () => {
    const experiment = (await app.strapi.db.query('api::lab.experiment').findOne({ where: { name: 'from the page' } })).id;
    const t0 = 1_764_000_000_000;
    const rows = Array.from({ length: 3000 }, (_, i) => ({ experiment_id: experiment, seq: i, recorded_at: new Date(t0 + i * 1000), test_time_s: i, voltage_v: 3 + i / 3000, current_a: 1 }));
    await (app.strapi.service('api::lab.lab-samples') as any).insertSamples(rows);
    const series = await get(`/cycler-bridge/monitor/experiments/${experiment}/series?points=100`, lab);
    expect(series.status).toBe(200);
    // 25 M4 columns of ~2 minutes over 50 minutes: read from the 1-minute rollups.
    expect(series.body.data).toMatchObject({ resolutionMs: 60_000, bucketMs: 119_961, total: null, from: t0, to: t0 + 2_999_000 });
    expect(series.body.data.points.length).toBeLessThanOrEqual(100);
    expect(series.body.data.points[series.body.data.points.length - 1]).toMatchObject({ t: t0 + 2_999_000, voltage_v: 3 + 2999 / 3000 });
    const csv = await get(`/cycler-bridge/monitor/experiments/${experiment}/export?from=${t0 + 10_000}&to=${t0 + 19_000}`, lab);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="experiment-${experiment}-samples.csv"`);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toMatch(/^experiment_id,seq,recorded_at,test_time_s,voltage_v/);
    expect(lines).toHaveLength(11); // header + seq 10..19, full resolution
    expect(lines[1]).toContain(`${experiment},10,${new Date(t0 + 10_000).toISOString()}`);
    const badRange = await get(`/cycler-bridge/monitor/experiments/${experiment}/export?from=soon`, lab);
    expect(badRange.status).toBe(400);
    expect(badRange.body.error.details.field).toBe('from');
  });
});
