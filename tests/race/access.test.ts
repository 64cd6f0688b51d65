/**
 * Who may call what: every lap-control route unauthenticated and with a wrong role; the kiosk for the
 * Competition role; no personal field through any public route; the laps CSV (streamed, filtered);
 * the public statistics frozen after the race's end.
 */
import Papa from 'papaparse';
import { adminToken, endUserToken, grantToRole, startStrapi, type TestApp } from '../helpers/strapi';
import { createRaceFixture, crew, docs, queueUp, setRace, type Crew, type RaceFixture } from './helpers';

const CREW_ROUTES: Array<{ method: 'get' | 'post' | 'delete'; path: string; action: 'read' | 'control' | 'queue' | 'laps.export' }> = [
  { method: 'get', path: '/lap-control/state', action: 'read' },
  { method: 'post', path: '/lap-control/advance', action: 'control' },
  { method: 'post', path: '/lap-control/reverse', action: 'control' },
  { method: 'post', path: '/lap-control/queue', action: 'queue' },
  { method: 'post', path: '/lap-control/queue/register', action: 'queue' },
  { method: 'post', path: '/lap-control/queue/move', action: 'queue' },
  { method: 'delete', path: '/lap-control/queue/1?expectedVersion=0', action: 'queue' },
  { method: 'get', path: '/lap-control/runners/1', action: 'read' },
  { method: 'get', path: '/lap-control/query/without-shift', action: 'read' },
  { method: 'get', path: '/lap-control/query/in-shift?shift=1', action: 'read' },
  { method: 'get', path: '/lap-control/query/search?q=first', action: 'read' },
  { method: 'get', path: '/lap-control/options', action: 'read' },
  { method: 'get', path: '/lap-control/laps.csv', action: 'laps.export' },
];
const KIOSK_ROUTES: Array<{ method: 'get' | 'post'; path: string }> = [
  { method: 'get', path: '/api/lap-control/kiosk/lookup?identification=r1000001' },
  { method: 'post', path: '/api/lap-control/kiosk/queue' },
  { method: 'post', path: '/api/lap-control/kiosk/register' },
  { method: 'get', path: '/api/lap-control/kiosk/options' },
];

describe('lap-control: access, personal data, CSV, end of race', () => {
  let app: TestApp;
  let race: RaceFixture;
  let crewToken: string;
  let c: Crew;
  const call = (method: 'get' | 'post' | 'delete', path: string, token?: string) => {
    const req = app.http()[method](path);
    if (token) req.set('Authorization', `Bearer ${token}`);
    return method === 'post' ? req.send({}) : req;
  };

  beforeAll(async () => {
    app = await startStrapi();
    race = await createRaceFixture(app.strapi, { count: 6, teamNames: ['Alpha', 'Bravo', 'Charlie'] });
    crewToken = await adminToken(app, ['Race crew']);
    c = crew(app, crewToken);
    for (const [max, points] of [[60, 10], [3600, 1]]) await docs(app.strapi, 'api::race.criterion').create({ data: { max_lap_seconds: max, points } });
    await docs(app.strapi, 'api::race.shift').create({
      data: { name: 'Night', starts_at: new Date(Date.now() + 3600e3).toISOString(), ends_at: new Date(Date.now() + 7200e3).toISOString(), runners: [race.runners[0].documentId, race.runners[1].documentId] },
    });
    // Six laps: runners 1..6 in turn, each 30 s, starting two hours ago; runner 1 is running now.
    const t0 = Math.floor((Date.now() - 7200e3) / 1000) * 1000;
    await queueUp(c, race.runners.map((r) => r.identification));
    let res = await c.advance(null, new Date(t0).toISOString());
    for (let i = 1; i <= race.runners.length; i++) {
      if (i === race.runners.length) await queueUp(c, [race.runners[0].identification]);
      res = await c.advance(res.body.started.lapId, new Date(t0 + i * 30000).toISOString());
      expect(res.status).toBe(200);
    }
    await queueUp(c, [race.runners[1].identification, race.runners[2].identification]);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('refuses every crew route without a token (401) and to an admin without the action (403)', async () => {
    const labTech = await adminToken(app, ['Lab technician']);
    const analyst = await adminToken(app, ['Analyst']);
    for (const route of CREW_ROUTES) {
      expect([route.path, (await call(route.method, route.path)).status]).toEqual([route.path, 401]);
      expect([route.path, (await call(route.method, route.path, labTech)).status]).toEqual([route.path, 403]);
      const analystStatus = (await call(route.method, route.path, analyst)).status;
      if (route.action === 'read' || route.action === 'laps.export') expect([route.path, analystStatus]).not.toEqual([route.path, 403]);
      else expect([route.path, analystStatus]).toEqual([route.path, 403]);
      expect([route.path, (await call(route.method, route.path, crewToken)).status]).not.toEqual([route.path, 403]);
    }
  });

  it('lets a Competition user queue through the kiosk, but not advance, reverse or edit the queue', async () => {
    const competition = (await endUserToken(app.strapi, 'competition')).jwt;
    const teacher = (await endUserToken(app.strapi, 'teacher')).jwt;
    for (const route of KIOSK_ROUTES) {
      expect([route.path, (await call(route.method, route.path)).status]).toEqual([route.path, 403]);
      expect([route.path, (await call(route.method, route.path, teacher)).status]).toEqual([route.path, 403]);
    }
    const kiosk = (method: 'get' | 'post', path: string, body?: object) =>
      (method === 'get' ? app.http().get(path) : app.http().post(path).send(body ?? {})).set('Authorization', `Bearer ${competition}`);

    const runner = race.runners[4];
    const lookup = await kiosk('get', `/api/lap-control/kiosk/lookup?identification=${runner.identification.toUpperCase()}`);
    expect(lookup.status).toBe(200);
    expect(lookup.body).toEqual({ known: true, runner: { id: runner.id, name: runner.name, team: runner.team, lapsRun: 1, bestLapMs: 30000, inQueue: false } });
    expect((await kiosk('get', '/api/lap-control/kiosk/lookup?identification=r0000042')).body).toEqual({ known: false });
    expect((await kiosk('get', '/api/lap-control/kiosk/lookup?identification=bad')).body.field).toBe('identification');

    const versionBefore = (await c.state()).body.queueVersion;
    const queued = await kiosk('post', '/api/lap-control/kiosk/queue', { identification: runner.identification });
    expect(queued.status).toBe(201);
    expect(queued.body).toEqual({ ticket: { ticketId: expect.any(Number), position: 2, runner: expect.objectContaining({ name: runner.name, inQueue: true }) }, queueVersion: versionBefore + 1 });
    expect(JSON.stringify(queued.body)).not.toMatch(/identification|testTime|email/);

    const unknown = await kiosk('post', '/api/lap-control/kiosk/queue', { identification: 'r0000077' });
    expect([unknown.status, unknown.body.needsRegistration]).toEqual([404, true]);
    const registered = await kiosk('post', '/api/lap-control/kiosk/register', {
      identification: 'r0000077', firstName: 'Kiosk', lastName: 'Runner', university: race.universities[1].id, team: null, firstYear: true,
    });
    expect(registered.status).toBe(201);
    expect(registered.body.ticket.runner).toMatchObject({ name: 'Kiosk Runner', team: null, lapsRun: 0 });
    const options = await kiosk('get', '/api/lap-control/kiosk/options');
    expect(options.body.teams.map((t: any) => t.name)).toEqual(['Alpha', 'Bravo', 'Charlie']);
    expect(options.body.shifts).toBeUndefined();

    // The crew's routes are admin routes: a users-permissions token is not an admin token.
    const state = (await c.state()).body;
    for (const path of ['/lap-control/advance', '/lap-control/reverse']) {
      const res = await app.http().post(path).set('Authorization', `Bearer ${competition}`).send({ expectedLapId: state.current.lapId });
      expect([path, res.status]).toEqual([path, 401]);
    }
    const contentApi = await app.http().post('/api/lap-control/advance').set('Authorization', `Bearer ${competition}`).send({});
    expect([404, 405]).toContain(contentApi.status); // no such content-API route
    expect((await c.state()).body.current.lapId).toBe(state.current.lapId);
  });

  it('never sends identification, e-mail or test time through a public route, even with REST read granted', async () => {
    await grantToRole(app.strapi, 'public', ['api::race.runner.find', 'api::race.runner.findOne', 'api::race.lap.find', 'api::race.queue-ticket.find', 'api::race.team.find']);
    const paths = [
      '/api/lap-control/public/statistics',
      '/api/lap-control/public/queue',
      '/api/runners',
      `/api/runners/${race.runners[0].documentId}`,
      '/api/laps?populate=runner',
      '/api/queue-tickets?populate=runner',
      '/api/teams?populate=runners',
    ];
    const bodies = [];
    for (const path of paths) {
      const res = await app.http().get(path);
      expect([path, res.status]).toEqual([path, 200]);
      bodies.push(res);
    }
    const stats = bodies[0].body;
    expect(bodies[1].body.race).toMatchObject({ finished: false, name: 'Test run' });
    expect(bodies[1].body.queueVersion).toBe(stats.queueVersion);
    expect(bodies[1].body.tickets.slice(0, 3)).toEqual(stats.next);
    expect(bodies[1].body.tickets.map((t: any) => t.runner.name)).toEqual([...stats.next.map((t: any) => t.runner.name), 'Kiosk Runner']);
    expect(stats.current.runner).toEqual({ id: race.runners[0].id, name: race.runners[0].name, team: race.runners[0].team });
    expect(stats.next.map((t: any) => t.runner.name)).toEqual([race.runners[1].name, race.runners[2].name, race.runners[4].name]);
    expect(stats.recentLaps).toHaveLength(6);
    expect(bodies[2].body.data).toHaveLength(7);
    const json = JSON.stringify(bodies.map((b) => b.body));
    for (const runner of race.runners) expect(json).not.toContain(runner.identification);
    expect(json).not.toContain('r0000077');
    expect(json).not.toContain('@example.test');
    expect(json).not.toMatch(/identification|test_time|testTime|email/i);

    // The statistics answer has the contract's shape.
    expect(Object.keys(stats).sort()).toEqual(['current', 'lastLaps', 'mostActive', 'next', 'previous', 'queueVersion', 'race', 'recentLaps', 'topRunners', 'topTeams']);
    expect(stats.topRunners).toHaveLength(3);
    expect(new Set(stats.topRunners.map((r: any) => r.runner.id)).size).toBe(3);
    expect(stats.lastLaps.map((l: any) => l.runner.name)).toEqual([race.runners[5].name, race.runners[4].name]);
    expect(stats.previous.lapId).toBe(stats.lastLaps[0].lapId);
  });

  it('answers the crew query routes', async () => {
    const names = (res: any) => res.body.map((r: any) => r.name);
    const shift = await app.strapi.db.query('api::race.shift').findOne({ where: { name: 'Night' } });
    expect(names(await c.get(`/lap-control/query/in-shift?shift=${shift.id}`))).toEqual([race.runners[0].name, race.runners[1].name]);
    expect(names(await c.get(`/lap-control/query/in-shift?shift=${shift.id}&excludeQueued=true`))).toEqual([race.runners[0].name]);
    const without = names(await c.get(`/lap-control/query/without-shift?after=${new Date().toISOString()}`));
    expect(without).not.toContain(race.runners[0].name);
    expect(without).toContain(race.runners[2].name);
    expect(names(await c.get(`/lap-control/query/without-shift?after=${new Date(Date.now() + 5 * 3600e3).toISOString()}`))).toContain(race.runners[0].name);
    expect(names(await c.get('/lap-control/query/search?q=LAST3'))).toEqual([race.runners[2].name]);
    expect(names(await c.get(`/lap-control/query/search?q=${race.runners[3].identification}`))).toEqual([race.runners[3].name]);
    expect((await c.get('/lap-control/query/search?q=%25')).body).toEqual([]);
    expect((await c.get('/lap-control/query/without-shift?after=yesterday')).body.field).toBe('after');
    const info = (await c.get(`/lap-control/runners/${race.runners[1].id}`)).body;
    expect(info).toEqual({
      id: race.runners[1].id, name: race.runners[1].name, team: 'Bravo', identification: race.runners[1].identification,
      university: 'UHasselt', testTimeSeconds: 62.5, lapsRun: 1, bestLapMs: 30000, points: 10,
    });
    expect((await c.get('/lap-control/options')).body.shifts.map((s: any) => s.name)).toEqual(['Night']);
  });

  it('streams the laps as CSV, filtered by time range and team', async () => {
    const csv = async (query = '') => {
      const res = await c.get(`/lap-control/laps.csv${query}`).buffer(true).parse((r, cb) => {
        let text = '';
        r.on('data', (d: Buffer) => (text += d.toString('utf8')));
        r.on('end', () => cb(null, text));
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/csv/);
      expect(res.headers['content-disposition']).toMatch(/attachment; filename="laps-.*\.csv"/);
      expect(res.headers['content-length']).toBeUndefined(); // streamed (chunked), not buffered
      return Papa.parse<string[]>((res.body as string).trim(), { newline: '\r\n' }).data;
    };
    const all = await csv();
    expect(all[0]).toEqual(['runner', 'team', 'university', 'start', 'duration_s', 'points']);
    expect(all.slice(1).map((r) => r[0])).toEqual(race.runners.map((r) => r.name));
    expect(all[1]).toEqual([race.runners[0].name, 'Alpha', 'KU Leuven', expect.stringMatching(/Z$/), '30.000', '10']);
    const bravo = race.teams.find((t) => t.name === 'Bravo')!;
    expect((await csv(`?team=${bravo.id}`)).slice(1).map((r) => r[0])).toEqual([race.runners[1].name, race.runners[4].name]);
    const from = all[3][3];
    const to = all[5][3];
    expect((await csv(`?from=${from}&to=${to}`)).slice(1).map((r) => r[0])).toEqual([race.runners[2].name, race.runners[3].name]);
    expect((await c.get('/lap-control/laps.csv?team=abc')).body.field).toBe('team');
    expect((await c.get(`/lap-control/laps.csv?from=${to}&to=${from}`)).body.field).toBe('to');
  });

  it('freezes the public statistics at the race end', async () => {
    const laps = await app.strapi.db.query('api::race.lap').findMany({ orderBy: { started_at: 'asc' } });
    // The race ended just after the fourth lap started: later laps do not count.
    const endsAt = new Date(new Date(laps[3].started_at).getTime() + 1000).toISOString();
    await setRace(app.strapi, { ends_at: endsAt });
    const stats = (await app.http().get('/api/lap-control/public/statistics')).body;
    expect(stats.race).toMatchObject({ finished: true, endsAt });
    expect(stats.current).toBeNull();
    expect(stats.next).toEqual([]);
    expect(stats.recentLaps.map((l: any) => l.lapId)).toEqual(laps.slice(0, 4).map((l) => l.id));
    expect(stats.mostActive.every((m: any) => m.laps === 1)).toBe(true);
    expect(stats.topTeams.map((t: any) => [t.name, t.score, t.rank])).toEqual([['Alpha', 20, 1], ['Bravo', 10, 2], ['Charlie', 10, 2]]);
  });
});
