import { ADMIN_ROLES, domainContentTypes, END_USER_ROLES, ensureRoles } from '../../src/platform/roles';
import { adminToken, startStrapi, type TestApp } from '../helpers/strapi';

const cm = (uid: string) => `/content-manager/collection-types/${uid}`;

describe('roles', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startStrapi();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('creates every admin and users-permissions role at bootstrap', async () => {
    const admin = await app.strapi.db.query('admin::role').findMany({});
    expect(admin.map((r) => r.name)).toEqual(expect.arrayContaining(['Super Admin', ...ADMIN_ROLES.map((r) => r.name)]));
    const users = await app.strapi.db.query('plugin::users-permissions.role').findMany({});
    expect(users.map((r) => r.type)).toEqual(expect.arrayContaining(['public', 'authenticated', ...END_USER_ROLES.map((r) => r.type)]));
  });

  it('grants each staff role Content Manager permissions on its domains only, plus its plugin actions', async () => {
    const permissionsOf = async (name: string) => {
      const role = await app.strapi.db.query('admin::role').findOne({ where: { name }, populate: ['permissions'] });
      const cmSubjects = new Set<string>();
      const pluginActions = new Set<string>();
      for (const p of role.permissions as Array<{ action: string; subject: string | null }>) {
        if (p.action.startsWith('plugin::content-manager.')) cmSubjects.add(p.subject!);
        else {
          expect([p.action, p.subject]).toEqual([p.action, null]);
          pluginActions.add(p.action);
        }
      }
      return { cmSubjects: [...cmSubjects].sort(), pluginActions };
    };
    const lab = await permissionsOf('Lab technician');
    expect(lab.cmSubjects).toEqual(['api::lab.alarm', 'api::lab.battery', 'api::lab.column-mapping', 'api::lab.cycler-station', 'api::lab.experiment', 'api::lab.profile']);
    for (const spec of ADMIN_ROLES) {
      const granted = await permissionsOf(spec.name);
      expect([spec.name, granted.cmSubjects]).toEqual([spec.name, domainContentTypes(app.strapi, spec.domains).sort()]);
      // Every plugin action named in roles.ts is registered, so every one of them is granted.
      expect([spec.name, granted.pluginActions]).toEqual([spec.name, new Set(spec.extraActions)]);
    }
    const teacher = await permissionsOf('Teacher');
    expect(teacher.cmSubjects.every((s) => /^api::(classroom|robotics)\./.test(s))).toBe(true);
    const analyst = await app.strapi.db.query('admin::role').findOne({ where: { name: 'Analyst' }, populate: ['permissions'] });
    const analystCm = analyst.permissions.filter((p: { action: string }) => p.action.startsWith('plugin::content-manager.'));
    expect(new Set(analystCm.map((p: { action: string }) => p.action))).toEqual(new Set(['plugin::content-manager.explorer.read']));
  });

  it('is idempotent and keeps what an administrator changed', async () => {
    const lab = await app.strapi.db.query('admin::role').findOne({ where: { name: 'Lab technician' } });
    await app.strapi.db.query('admin::role').update({ where: { id: lab.id }, data: { description: 'edited in the admin' } });
    const before = await app.strapi.db.query('admin::permission').count({});
    await ensureRoles(app.strapi);
    await ensureRoles(app.strapi);
    expect(await app.strapi.db.query('admin::permission').count({})).toBe(before);
    expect(await app.strapi.db.query('admin::role').count({ where: { name: 'Lab technician' } })).toBe(1);
    expect((await app.strapi.db.query('admin::role').findOne({ where: { id: lab.id } })).description).toBe('edited in the admin');
  });

  it('limits a Lab technician to the lab domain in the Content Manager', async () => {
    const auth = { Authorization: `Bearer ${await adminToken(app, ['Lab technician'])}` };
    expect((await app.http().get(cm('api::lab.battery')).set(auth)).status).toBe(200);
    const created = await app.http().post(cm('api::lab.cycler-station')).set(auth).send({ name: 'tech-station', state: 'available' });
    expect(created.status).toBe(201);
    for (const uid of ['api::race.runner', 'api::logs.log-entry', 'api::classroom.student', 'api::robotics.exercise']) {
      expect([uid, (await app.http().get(cm(uid)).set(auth)).status]).toEqual([uid, 403]);
    }
  });

  it('limits the Race crew to the race domain', async () => {
    const auth = { Authorization: `Bearer ${await adminToken(app, ['Race crew'])}` };
    expect((await app.http().get(cm('api::race.runner')).set(auth)).status).toBe(200);
    expect((await app.http().get(cm('api::lab.experiment')).set(auth)).status).toBe(403);
  });

  it('gives Teachers classroom and robotics only', async () => {
    const auth = { Authorization: `Bearer ${await adminToken(app, ['Teacher'])}` };
    expect((await app.http().get(cm('api::classroom.student')).set(auth)).status).toBe(200);
    expect((await app.http().get(cm('api::robotics.simulation')).set(auth)).status).toBe(200);
    expect((await app.http().get(cm('api::race.lap')).set(auth)).status).toBe(403);
  });

  it('lets an Analyst read every domain but edit nothing', async () => {
    const auth = { Authorization: `Bearer ${await adminToken(app, ['Analyst'])}` };
    for (const uid of ['api::lab.experiment', 'api::race.lap', 'api::logs.log-entry', 'api::robotics.simulation', 'api::classroom.notebook-snapshot']) {
      expect([uid, (await app.http().get(cm(uid)).set(auth)).status]).toEqual([uid, 200]);
    }
    const res = await app.http().post(cm('api::race.team')).set(auth).send({ name: 'analyst-team' });
    expect(res.status).toBe(403);
    expect(await app.strapi.db.query('api::race.team').count({ where: { name: 'analyst-team' } })).toBe(0);
  });
});
