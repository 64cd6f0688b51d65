import fs from 'fs';
import path from 'path';
import { adminToken, createApiToken, startStrapi, type TestApp } from '../helpers/strapi';
import { FIXTURES, SHARED_KIBOTICS, fixtureFile, importFiles, tableCounts } from './helpers';

/**
 * The robotics log import on the real Strapi and database (SQLite, or PostgreSQL with
 * TEST_DATABASE_URL): joining, placeholders, sessions, errors as log entries, idempotent re-import,
 * the report of malformed lines, the API and admin routes, and the shared real logs.
 */
describe('robotics log import', () => {
  let app: TestApp;
  const knex = () => app.strapi.db.connection;
  const sims = () => knex()('robotics_simulations').select('*').orderBy('id');
  const ms = (v: unknown) => (v === null ? null : typeof v === 'number' ? v : /^\d+$/.test(String(v)) ? Number(v) : new Date(v as string).getTime());
  const reset = async () => {
    for (const t of ['robotics_simulations_user_lnk', 'robotics_simulations_exercise_lnk', 'robotics_simulations_host_lnk', 'robotics_sessions_user_lnk', 'robotics_simulations', 'robotics_sessions', 'robotics_import_reports', 'robotics_exercises', 'robotics_hosts', 'up_users']) await knex()(t).delete();
    await knex()('logs_entries').where('service_name', 'robotics-web').delete();
  };

  beforeAll(async () => {
    app = await startStrapi();
  });
  afterAll(async () => {
    await app?.stop();
  });

  describe('a v1 log', () => {
    beforeAll(reset);

    it('joins starts and ends, flags the missing ones, creates placeholders and reports malformed lines', async () => {
      const result = await importFiles(app.strapi, [fixtureFile('v1-log.txt')]);
      const [report] = result.reports;
      expect(report).toMatchObject({ format: 'v1', total_lines: 13, blank_lines: 1, malformed_count: 2, reencoded_lines: 1, simulations_created: 5, errors_created: 3, already_imported_lines: 0 });
      expect(report.malformed_lines.map((m) => m.line)).toEqual([9, 10]);
      expect(result.totals.placeholders).toEqual({ users: 4, exercises: 2, hosts: 3 });

      const rows = await sims();
      const by = (u: string) => rows.find((r: any) => r.username === u);
      expect(by('alice')).toMatchObject({ container_id: 'c0ffee01', duration_seconds: 600, anomaly: null });
      expect(ms(by('alice').started_at)).toBe(Date.UTC(2019, 9, 1, 7, 0, 0));
      expect(by('bob')).toMatchObject({ container_id: null, container_placeholder: '[NO CONTAINER] Browser', duration_seconds: 1140, anomaly: null });
      expect(by('carol')).toMatchObject({ started_at: null, anomaly: 'missing_start' });
      expect(by('AnonymousUser')).toMatchObject({ ended_at: null, anomaly: 'missing_end' });
      expect(Boolean(by('AnonymousUser').anonymous)).toBe(true);
      expect(by('muñoz')).toMatchObject({ anomaly: 'missing_end', host_ip: '212.128.255.72' });

      // Linked to placeholders, visible through the Document Service as relations.
      const alice = await app.strapi.documents('api::robotics.simulation').findFirst({ filters: { container_id: 'c0ffee01' }, populate: ['user', 'exercise', 'host'] });
      expect(alice).toMatchObject({ user: { username: 'alice', provider: 'robotics-import', blocked: true }, exercise: { exercise_id: 'follow_line', placeholder: true }, host: { ip: '212.128.255.74', placeholder: true } });
      const anonymous = await app.strapi.documents('api::robotics.simulation').findFirst({ filters: { username: 'AnonymousUser' }, populate: ['user'] });
      expect(anonymous!.user).toBeNull();

      // The link rows (written by SQL after the commit) name exactly the rows the columns name.
      const linked = async (relation: string, target: string, targetTable: string, column: string) =>
        (await knex()(`robotics_simulations_${relation}_lnk as l`).join('robotics_simulations as s', 's.id', 'l.simulation_id').join(`${targetTable} as t`, 't.id', `l.${target}_id`).select('s.id', `s.${column} as value`, 't.*')) as any[];
      const users = await linked('user', 'user', 'up_users', 'username');
      expect(users.map((r) => [r.value, r.username]).sort()).toEqual([['alice', 'alice'], ['bob', 'bob'], ['carol', 'carol'], ['muñoz', 'muñoz']]);
      const exercises = await linked('exercise', 'exercise', 'robotics_exercises', 'exercise_code');
      expect(exercises).toHaveLength(rows.length);
      expect(exercises.every((r) => r.value === r.exercise_id)).toBe(true);
      const hosts = await linked('host', 'host', 'robotics_hosts', 'host_ip');
      expect(hosts).toHaveLength(rows.length);
      expect(hosts.every((r) => r.value === r.ip)).toBe(true);
      // The fill can be re-run (e.g. after a crash between commit and fill): it writes only what is missing.
      const service = app.strapi.plugin('ingest').service('roboticsImport');
      const lastId = rows[rows.length - 1].id;
      expect(await service.linkSimulations(0, lastId)).toBe(0);
      await knex()('robotics_simulations_exercise_lnk').where('simulation_id', by('alice').id).delete();
      expect(await service.linkSimulations(0, lastId)).toBe(1);
      expect(await linked('exercise', 'exercise', 'robotics_exercises', 'exercise_code')).toHaveLength(rows.length);

      const errors = await knex()('logs_entries').where('service_name', 'robotics-web').select('*');
      expect(errors).toHaveLength(3);
      expect(errors.every((e: any) => e.severity === 'ERROR' && e.message === '500 Internal Server Error')).toBe(true);
    });

    it('changes nothing when the same file is imported again', async () => {
      const before = await tableCounts(app.strapi);
      const result = await importFiles(app.strapi, [fixtureFile('v1-log.txt')]);
      expect(result.reports[0]).toMatchObject({ already_imported_lines: 10, simulations_created: 0, errors_created: 0, malformed_count: 2 });
      expect(await tableCounts(app.strapi)).toEqual({ ...before, reports: before.reports + 1 });
    });

    it('stores backslashes, tabs and quotes of a line as read (COPY escaping on PostgreSQL)', async () => {
      const container = 'odd\\path\tcol "q" \\N end';
      const line = `New Simulation ==> 02/10/2019 09:00:00: dora\\x 10.0.0.5 simulator follow_line 212.128.255.74 ${container}\n`;
      const result = await importFiles(app.strapi, [{ name: 'odd.txt', content: Buffer.from(line) }]);
      expect(result.reports[0]).toMatchObject({ simulations_created: 1, malformed_count: 0 });
      const row = (await sims()).find((r: any) => r.username === 'dora\\x');
      expect(row).toMatchObject({ container_id: container, anomaly: 'missing_end' });
      for (const r of ['user', 'exercise', 'host']) await knex()(`robotics_simulations_${r}_lnk`).where('simulation_id', row.id).delete();
      await knex()('robotics_simulations').where('id', row.id).delete();
      await knex()('up_users').where('username', 'dora\\x').delete();
    });

    it('imports only the new lines of a longer copy of the file, closing what they end', async () => {
      const longer = Buffer.concat([
        fs.readFileSync(path.join(FIXTURES, 'v1-log.txt')),
        Buffer.from('End Simulation ==> 01/10/2019 10:30:00: AnonymousUser 10.0.0.9 websim follow_line 212.128.255.74 [NO CONTAINER] Browser\nError ==> 500 Internal Server Error\n'),
      ]);
      const result = await importFiles(app.strapi, [{ name: 'log.txt', content: longer }]);
      expect(result.reports[0]).toMatchObject({ already_imported_lines: 10, simulations_created: 0, simulations_completed: 1, errors_created: 1 });
      const anonymous = (await sims()).find((r: any) => r.username === 'AnonymousUser');
      expect(anonymous).toMatchObject({ anomaly: null, duration_seconds: 1800 });
      expect(Boolean(anonymous.active)).toBe(false);
    });
  });

  describe('one file twice in one import', () => {
    beforeAll(reset);

    it('stores its lines once and counts the copy as already imported', async () => {
      const content = Buffer.from('New Simulation ==> 03/10/2019 09:00:00: ed 10.0.0.6 simulator follow_line 212.128.255.74 e1\nError ==> 500 Internal Server Error\nEnd Simulation ==> 03/10/2019 09:05:00: ed 10.0.0.6 simulator follow_line 212.128.255.74 e1\n');
      const result = await importFiles(app.strapi, [{ name: 'a.txt', content }, { name: 'b.txt', content }]);
      expect(result.totals).toMatchObject({ simulationsCreated: 1, errorsCreated: 1, alreadyImported: 3 });
      expect(result.reports.map((r) => r.already_imported_lines)).toEqual([0, 3]);
      expect(await sims()).toHaveLength(1);
    });
  });

  describe('v2 logs', () => {
    beforeAll(reset);

    it('turns logins and logouts into sessions with the parsed user agent', async () => {
      const result = await importFiles(app.strapi, [fixtureFile('2019-10-20-log.txt')]);
      expect(result.reports[0]).toMatchObject({ format: 'v2', malformed_count: 3, sessions_created: 4, simulations_created: 4, errors_created: 1 });
      const sessions = await knex()('robotics_sessions').select('*').orderBy('id');
      const by = (u: string) => sessions.find((r: any) => r.username === u);
      expect(by('alice')).toMatchObject({ duration_seconds: 2700, anomaly: null, browser: 'Chrome', os: 'Windows', device_type: 'desktop' });
      expect(by('bob')).toMatchObject({ anomaly: 'missing_logout', browser: 'Mobile Safari', os: 'iOS', device_type: 'mobile', device_vendor: 'Apple' });
      expect(by('ghost')).toMatchObject({ login_at: null, anomaly: 'missing_login', browser: 'Firefox', os: 'Ubuntu' });
      expect(by('AnonymousUser')).toMatchObject({ device_type: 'tablet', anomaly: 'missing_logout' });
      const simRows = await sims();
      expect(simRows.map((r: any) => [r.username, r.anomaly, r.duration_seconds])).toEqual([
        ['alice', null, 600],
        ['bob', null, 600],
        ['dave', 'missing_end', null],
        ['erin', 'missing_start', null],
      ]);
    });

    it('joins a simulation and a session across two days imported in either order', async () => {
      const first = await importFiles(app.strapi, [fixtureFile('2019-10-22-log.txt')]);
      expect(first.reports[0]).toMatchObject({ simulations_created: 1, sessions_created: 1, errors_created: 1 });
      const second = await importFiles(app.strapi, [fixtureFile('2019-10-21-log.txt')]);
      expect(second.reports[0]).toMatchObject({ simulations_created: 0, simulations_completed: 1, sessions_created: 0, sessions_completed: 1 });
      const gina = (await sims()).filter((r: any) => r.username === 'gina');
      expect(gina).toHaveLength(1);
      expect(gina[0]).toMatchObject({ anomaly: null, duration_seconds: 1200, container_id: 'ggg777' });
      const session = await knex()('robotics_sessions').where('username', 'gina');
      expect(session).toHaveLength(1);
      expect(session[0]).toMatchObject({ anomaly: null, duration_seconds: 2400 });
      // Both days together again: nothing new.
      const again = await importFiles(app.strapi, [fixtureFile('2019-10-21-log.txt'), fixtureFile('2019-10-22-log.txt')]);
      expect(again.totals).toMatchObject({ simulationsCreated: 0, sessionsCreated: 0, errorsCreated: 0, alreadyImported: 5 });
    });
  });

  describe('routes', () => {
    const body = () => fs.readFileSync(path.join(FIXTURES, '2019-10-20-log.txt'));
    beforeAll(reset);

    it('POST /api/ingest/robotics/import refuses no token, a token without the permission, and imports with one', async () => {
      expect((await app.http().post('/api/ingest/robotics/import').attach('files', body(), '2019-10-20-log.txt')).status).toBe(403);
      const readOnly = await createApiToken(app.strapi, 'read-only');
      expect((await app.http().post('/api/ingest/robotics/import').set('Authorization', `Bearer ${readOnly}`).attach('files', body(), '2019-10-20-log.txt')).status).toBe(403);
      const custom = await createApiToken(app.strapi, 'custom', ['plugin::ingest.robotics.import']);
      const res = await app.http().post('/api/ingest/robotics/import').set('Authorization', `Bearer ${custom}`).attach('files', body(), '2019-10-20-log.txt');
      expect(res.status).toBe(200);
      expect(res.body.data.reports[0]).toMatchObject({ file_name: '2019-10-20-log.txt', source: 'api', simulations_created: 4, malformed_count: 3 });
      // The raw body form, with the file name in the query; a second time changes nothing.
      const raw = await app.http().post('/api/ingest/robotics/import?filename=2019-10-20-log.txt').set('Authorization', `Bearer ${custom}`).set('Content-Type', 'application/octet-stream').send(body());
      expect(raw.status).toBe(200);
      expect(raw.body.data.totals).toMatchObject({ simulationsCreated: 0, sessionsCreated: 0, alreadyImported: 12 });
      const noName = await app.http().post('/api/ingest/robotics/import').set('Authorization', `Bearer ${custom}`).set('Content-Type', 'application/octet-stream').send(body());
      expect(noName.status).toBe(400);
      expect(noName.body.error.message).toMatch(/filename/);
      const badZone = await app.http().post('/api/ingest/robotics/import?timeZone=Mars/Olympus').set('Authorization', `Bearer ${custom}`).attach('files', body(), 'x.txt');
      expect(badZone.status).toBe(400);
      expect(badZone.body.error.message).toMatch(/timeZone/);
    });

    it('the admin upload and reports routes need a session with the upload permission', async () => {
      expect((await app.http().post('/ingest/robotics/upload').attach('files', body(), 'a.txt')).status).toBe(401);
      expect((await app.http().get('/ingest/robotics/reports')).status).toBe(401);
      const crew = { Authorization: `Bearer ${await adminToken(app, ['Race crew'])}` };
      expect((await app.http().post('/ingest/robotics/upload').set(crew).attach('files', body(), 'a.txt')).status).toBe(403);
      expect((await app.http().get('/ingest/robotics/reports').set(crew)).status).toBe(403);
      const admin = { Authorization: `Bearer ${await adminToken(app, ['Super Admin'])}` };
      const upload = await app.http().post('/ingest/robotics/upload').set(admin).attach('files', fs.readFileSync(path.join(FIXTURES, 'v1-log.txt')), 'v1-log.txt').attach('files', fs.readFileSync(path.join(FIXTURES, '2019-10-21-log.txt')), '2019-10-21-log.txt');
      expect(upload.status).toBe(200);
      // Sorted: the multipart parser hands over the files in the order their temp files were written.
      expect(upload.body.data.reports.map((r: any) => [r.file_name, r.source]).sort()).toEqual([['2019-10-21-log.txt', 'admin'], ['v1-log.txt', 'admin']]);
      const reports = await app.http().get('/ingest/robotics/reports').set(admin);
      expect(reports.status).toBe(200);
      expect(reports.body.data.slice(0, 2).map((r: any) => r.file_name).sort()).toEqual(['2019-10-21-log.txt', 'v1-log.txt']);
    });

    it('keeps personal fields out of the REST API', async () => {
      const token = await createApiToken(app.strapi, 'full-access');
      const res = await app.http().get('/api/simulations').set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeGreaterThan(0);
      for (const row of res.body.data) for (const field of ['username', 'client_ip', 'user_agent', 'start_line_key']) expect(row).not.toHaveProperty(field);
      const sessions = await app.http().get('/api/sessions').set('Authorization', `Bearer ${token}`);
      for (const row of sessions.body.data) for (const field of ['username', 'client_ip', 'user_agent']) expect(row).not.toHaveProperty(field);
      expect((await app.http().get('/api/simulations')).status).toBe(403);
    });
  });

  describe('the shared real Kibotics logs', () => {
    const present = fs.existsSync(SHARED_KIBOTICS);
    beforeAll(reset);

    (present ? it : it.skip)('import with counts equal to a plain count of their line kinds, once', async () => {
      const names = fs.readdirSync(SHARED_KIBOTICS).sort();
      const lines = names.flatMap((n) => fs.readFileSync(path.join(SHARED_KIBOTICS, n), 'utf8').split('\n').filter((l) => l.trim() !== ''));
      const kind = (k: string) => lines.filter((l) => l.startsWith(`${k} | `)).length;
      const other = lines.filter((l) => !/^[1-5] \| /.test(l)).length;

      const result = await importFiles(app.strapi, names.map((n) => fixtureFile(n, SHARED_KIBOTICS)));
      const counts = await tableCounts(app.strapi);
      expect({
        logins: counts.sessionsWithLogin, logouts: counts.sessionsWithLogout, starts: counts.simulationsWithStart, ends: counts.simulationsWithEnd,
        errors: counts.errors, malformed: result.totals.malformed,
      }).toEqual({ logins: kind('1'), logouts: kind('2'), starts: kind('3'), ends: kind('4'), errors: kind('5'), malformed: other });
      expect(result.reports.map((r) => r.file_name)).toEqual(names);

      const again = await importFiles(app.strapi, names.map((n) => fixtureFile(n, SHARED_KIBOTICS)));
      expect(again.totals).toMatchObject({ simulationsCreated: 0, sessionsCreated: 0, errorsCreated: 0, alreadyImported: lines.length - other });
      expect(await tableCounts(app.strapi)).toEqual({ ...counts, reports: counts.reports + names.length });
    });
  });
});
