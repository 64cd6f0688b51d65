import fs from 'fs';
import { DateTime } from 'luxon';
import Papa from 'papaparse';
import { adminToken, startStrapi, type TestApp } from '../helpers/strapi';
import { SHARED_KIBOTICS, fixtureFile, importFiles } from './helpers';

/**
 * The Robotics page's admin routes (dashboards plugin): who may call them, and that every chart equals
 * a plain SQL count of the imported rows (or a count of the raw rows read back).
 */
describe('dashboards: Robotics chart routes', () => {
  let app: TestApp;
  let analyst: Record<string, string>;
  const knex = () => app.strapi.db.connection;
  const ms = (v: unknown) => (v === null ? null : typeof v === 'number' ? v : /^\d+$/.test(String(v)) ? Number(v) : new Date(v as string).getTime());
  const countBy = async (table: string, column: string, where: (q: any) => any = (q) => q) =>
    Object.fromEntries(((await where(knex()(table)).select(knex().raw(`coalesce(${column}, '(unknown)') as k`)).count('* as n').groupByRaw(`coalesce(${column}, '(unknown)')`)) as any[]).map((r) => [r.k, Number(r.n)]));
  const asMap = (rows: any[], key: string, value: string) => Object.fromEntries(rows.map((r) => [r[key], r[value]]));

  beforeAll(async () => {
    app = await startStrapi();
    const shared = fs.existsSync(SHARED_KIBOTICS) ? fs.readdirSync(SHARED_KIBOTICS).map((n) => fixtureFile(n, SHARED_KIBOTICS)) : [];
    await importFiles(app.strapi, [fixtureFile('v1-log.txt'), fixtureFile('2019-10-20-log.txt'), fixtureFile('2019-10-21-log.txt'), fixtureFile('2019-10-22-log.txt'), ...shared]);
    await knex()('robotics_hosts').where('ip', '212.128.255.74').update({ max_simulations: 20 });
    analyst = { Authorization: `Bearer ${await adminToken(app, ['Analyst'])}` };
  });
  afterAll(async () => {
    await app?.stop();
  });

  const ROUTES = ['/dashboards/robotics/charts', '/dashboards/robotics/export?chart=per-exercise', '/dashboards/robotics/options'];

  it('refuses every route without a session (401) and to a Race crew admin (403); serves Analyst, Teacher, Super Admin', async () => {
    for (const route of ROUTES) expect([route, (await app.http().get(route)).status]).toEqual([route, 401]);
    const crew = { Authorization: `Bearer ${await adminToken(app, ['Race crew'])}` };
    for (const route of ROUTES) expect([route, (await app.http().get(route).set(crew)).status]).toEqual([route, 403]);
    for (const role of ['Analyst', 'Teacher', 'Super Admin']) {
      const auth = { Authorization: `Bearer ${await adminToken(app, [role])}` };
      for (const route of ROUTES) expect([role, route, (await app.http().get(route).set(auth)).status]).toEqual([role, route, 200]);
    }
  });

  it('answers every chart with the plain SQL counts of all the data', async () => {
    const res = await app.http().get('/dashboards/robotics/charts?top=100').set(analyst);
    expect(res.status).toBe(200);
    const c = res.body.data;
    const [{ n: simulations }] = await knex()('robotics_simulations').count('* as n');
    expect(c.totals.simulations).toBe(Number(simulations));
    expect(c.totals.sessions).toBe(Number((await knex()('robotics_sessions').count('* as n'))[0].n));
    expect(c.totals.errors).toBe(Number((await knex()('logs_entries').where('service_name', 'robotics-web').count('* as n'))[0].n));
    expect(c.totals.openSimulations).toBe(Number((await knex()('robotics_simulations').whereNull('ended_at').count('* as n'))[0].n));
    expect(asMap(c.perExercise, 'exercise', 'simulations')).toEqual(await countBy('robotics_simulations', 'exercise_code'));
    expect(asMap(c.bySimulationType, 'type', 'simulations')).toEqual(await countBy('robotics_simulations', 'simulation_type'));
    expect(asMap(c.perHost, 'host', 'simulations')).toEqual(await countBy('robotics_simulations', 'host_ip'));
    expect(c.perHost.find((h: any) => h.host === '212.128.255.74').max_simulations).toBe(20);
    expect(asMap(c.browsers, 'browser', 'sessions')).toEqual(await countBy('robotics_sessions', 'browser'));
    expect(asMap(c.operatingSystems, 'os', 'sessions')).toEqual(await countBy('robotics_sessions', 'os'));
    expect(asMap(c.devices, 'device', 'sessions')).toEqual(await countBy('robotics_sessions', 'device_type'));

    // Users: names ignoring case, simulations and sessions each.
    const simsByUser = await countBy('robotics_simulations', 'lower(username)');
    const sessionsByUser = await countBy('robotics_sessions', 'lower(username)');
    for (const u of c.topUsers) {
      expect([u.user, u.simulations, u.sessions]).toEqual([u.user, simsByUser[u.user.toLowerCase()] ?? 0, sessionsByUser[u.user.toLowerCase()] ?? 0]);
    }
    expect(c.topUsers.length).toBe(new Set([...Object.keys(simsByUser), ...Object.keys(sessionsByUser)]).size);

    // Durations in classes, days and hours in the logs' zone: from the raw rows.
    const rows = await knex()('robotics_simulations').select('started_at', 'ended_at', 'duration_seconds');
    const durations = rows.filter((r: any) => r.duration_seconds !== null).map((r: any) => Number(r.duration_seconds));
    expect(c.durations.find((d: any) => d.range === '< 1 min').simulations).toBe(durations.filter((d) => d < 60).length);
    expect(c.durations.find((d: any) => d.range === '15-30 min').simulations).toBe(durations.filter((d) => d >= 900 && d < 1800).length);
    expect(c.durations.reduce((n: number, d: any) => n + d.simulations, 0)).toBe(durations.length);
    const local = rows.map((r: any) => DateTime.fromMillis(ms(r.started_at ?? r.ended_at)!, { zone: 'Europe/Madrid' }));
    const perDay: Record<string, number> = {};
    for (const d of local) perDay[d.toISODate()!] = (perDay[d.toISODate()!] ?? 0) + 1;
    expect(Object.fromEntries(c.simulationsPerDay.filter((d: any) => d.simulations).map((d: any) => [d.day, d.simulations]))).toEqual(perDay);
    expect(c.simulationsPerHourOfDay[11].simulations).toBe(local.filter((d) => d.hour === 11).length);
    expect(c.errorsOverTime.reduce((n: number, e: any) => n + e.errors, 0)).toBe(c.totals.errors);
  });

  it('filters by exercise, host, type, user and time range like a WHERE clause', async () => {
    const get = async (q: string) => (await app.http().get(`/dashboards/robotics/charts?${q}`).set(analyst)).body.data;
    const count = async (where: Record<string, string>) => Number((await knex()('robotics_simulations').where(where).count('* as n'))[0].n);
    expect((await get('exercise=follow_line')).totals.simulations).toBe(await count({ exercise_code: 'follow_line' }));
    expect((await get('host=212.128.255.73&type=real')).totals.simulations).toBe(await count({ host_ip: '212.128.255.73', simulation_type: 'real' }));
    expect((await get('user=ALICE')).totals.simulations).toBe(await count({ username: 'alice' }));
    // 20 Oct 2019, Madrid: 4 simulations in the v2 fixture (erin's has only its end, at 10:20).
    const day = await get('from=2019-10-19T22:00:00Z&to=2019-10-20T21:59:59Z');
    expect(day.totals.simulations).toBe(4);
    expect(day.range.bucket).toBe('hour');
    // Concurrency on .74 that day: alice 09:01-09:11 and bob 09:31-09:41 never overlap.
    const h74 = day.hostConcurrency.find((h: any) => h.host === '212.128.255.74');
    expect(Math.max(...h74.points.map((p: any) => p.running))).toBe(1);
    expect(h74.points.find((p: any) => p.t === '2019-10-20T07:00:00.000Z').running).toBe(1);
    expect(h74.points.find((p: any) => p.t === '2019-10-20T09:00:00.000Z').running).toBe(0);
  });

  it('downloads each chart as CSV and names a bad parameter in a 400', async () => {
    const res = await app.http().get('/dashboards/robotics/export?chart=per-exercise&format=csv').set(analyst);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="robotics-per-exercise-.*\.csv"/);
    const parsed = Papa.parse<Record<string, string>>(res.text, { header: true, skipEmptyLines: true });
    expect(parsed.meta.fields).toEqual(['exercise', 'simulations']);
    expect(Object.fromEntries(parsed.data.map((r) => [r.exercise, Number(r.simulations)]))).toEqual(await countBy('robotics_simulations', 'exercise_code'));
    const conc = await app.http().get('/dashboards/robotics/export?chart=host-concurrency&from=2019-10-20T00:00:00Z&to=2019-10-20T23:00:00Z').set(analyst);
    expect(conc.text.split('\r\n')[0]).toBe('host,max_simulations,t,running');
    for (const [q, param] of [['chart=nope', 'chart'], ['chart=durations&from=yesterday', 'from'], ['chart=durations&top=0', 'top'], ['chart=durations&color=red', 'color']]) {
      const bad = await app.http().get(`/dashboards/robotics/export?${q}`).set(analyst);
      expect([q, bad.status]).toEqual([q, 400]);
      expect(bad.body.error.message).toContain(`"${param}"`);
    }
  });
});
