import { adminToken, createApiToken, startStrapi, type TestApp } from '../helpers/strapi';

describe('lab and race rules hold for the REST API and the admin panel', () => {
  let app: TestApp;
  let rest: { Authorization: string };
  let admin: { Authorization: string };
  beforeAll(async () => {
    app = await startStrapi();
    rest = { Authorization: `Bearer ${await createApiToken(app.strapi, 'full-access')}` };
    admin = { Authorization: `Bearer ${await adminToken(app, ['Super Admin'])}` };
  });
  afterAll(async () => {
    await app?.stop();
  });

  const battery = (name: string, technology: string, component: Record<string, unknown>) => ({ name, technology, specification: [component] });
  const count = (uid: string, where: Record<string, unknown>) => app.strapi.db.query(uid as any).count({ where });

  it('refuses a specification that does not match the technology (REST, 400 naming the field)', async () => {
    const res = await app
      .http()
      .post('/api/batteries')
      .set(rest)
      .send({ data: battery('mismatch-rest', 'lithium', { __component: 'lab.lead-acid', chemistry: 'gel', capacity_ah: 40 }) });
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0].path).toEqual(['specification']);
    expect(res.body.error.message).toMatch(/specification/i);
    expect(await count('api::lab.battery', { name: 'mismatch-rest' })).toBe(0);
  });

  it('refuses the same mismatch from the admin panel Content Manager', async () => {
    const res = await app
      .http()
      .post('/content-manager/collection-types/api::lab.battery')
      .set(admin)
      .send(battery('mismatch-admin', 'redox_flow', { __component: 'lab.lithium', chemistry: 'LFP', capacity_ah: 2 }));
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors[0].path).toEqual(['specification']);
    expect(await count('api::lab.battery', { name: 'mismatch-admin' })).toBe(0);
  });

  it('accepts a matching specification and refuses a later technology change that breaks it', async () => {
    const ok = await app.http().post('/api/batteries').set(rest).send({ data: battery('match', 'lithium', { __component: 'lab.lithium', chemistry: 'NMC', capacity_ah: 3 }) });
    expect(ok.status).toBe(201);
    const change = await app.http().put(`/api/batteries/${ok.body.data.documentId}`).set(rest).send({ data: { technology: 'lead_acid' } });
    expect(change.status).toBe(400);
    expect(change.body.error.details.errors[0].path).toEqual(['specification']);
    const stored = await app.strapi.db.query('api::lab.battery').findOne({ where: { name: 'match' } });
    expect(stored.technology).toBe('lithium');
  });

  it('derives profile steps and envelope, and refuses bad instructions naming the line', async () => {
    const good = await app
      .http()
      .post('/api/profiles')
      .set(rest)
      .send({ data: { name: 'cccv', instructions: 'CC, 1.5, VOLTAGE, 4.2\nCV, 4.2, CURRENT, 0.1\nCC, -1.5, VOLTAGE, 3.0' } });
    expect(good.status).toBe(201);
    expect(good.body.data.steps).toHaveLength(3);
    expect(good.body.data).toMatchObject({ min_voltage_v: 3, max_voltage_v: 4.2, min_current_a: -1.5, max_current_a: 1.5 });

    const bad = await app.http().post('/api/profiles').set(rest).send({ data: { name: 'broken', instructions: 'WAIT, 10\nCV, 4.2, VOLTAGE, 4.1' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors[0].path).toEqual(['instructions']);
    expect(bad.body.error.message).toMatch(/line 2/);
    expect(await count('api::lab.profile', { name: 'broken' })).toBe(0);
  });

  it('lower-cases runner identifications and refuses ones that do not match the pattern', async () => {
    const ok = await app.http().post('/api/runners').set(rest).send({ data: { first_name: 'Kim', last_name: 'Lee', identification: '  R0123456 ' } });
    expect(ok.status).toBe(201);
    expect((await app.strapi.db.query('api::race.runner').findOne({ where: { first_name: 'Kim' } })).identification).toBe('r0123456');

    const bad = await app.http().post('/api/runners').set(rest).send({ data: { first_name: 'Bo', last_name: 'Lee', identification: 'x12' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors[0].path).toEqual(['identification']);

    const duplicate = await app.http().post('/api/runners').set(rest).send({ data: { first_name: 'Al', last_name: 'Lee', identification: 'r0123456' } });
    expect(duplicate.status).toBe(400);
    expect(await count('api::race.runner', { last_name: 'Lee' })).toBe(1);
  });
});
