import { createApiToken, grantToRole, withStrapiAndToken, type TestApp } from '../helpers/strapi';

/** One type of every domain, created, read, updated and deleted through the generated REST API. */
const CRUD_CASES: Array<{ domain: string; plural: string; create: Record<string, unknown>; update: Record<string, unknown> }> = [
  {
    domain: 'lab',
    plural: 'batteries',
    create: {
      name: 'crud-cell-1',
      technology: 'lithium',
      nominal_capacity_ah: 3.2,
      specification: [{ __component: 'lab.lithium', chemistry: 'NMC', capacity_ah: 3.2 }],
    },
    update: { notes: 'recalibrated' },
  },
  { domain: 'race', plural: 'teams', create: { name: 'crud-team' }, update: { score: 12 } },
  { domain: 'logs', plural: 'log-services', create: { name: 'crud-service', retention_days: 7 }, update: { description: 'payments' } },
  { domain: 'robotics', plural: 'exercises', create: { exercise_id: 'crud_follow_line', name: 'Follow line' }, update: { name: 'Follow the line' } },
  { domain: 'classroom', plural: 'courses', create: { name: 'crud-course' }, update: { description: 'Signals and systems' } },
];

describe('generated REST API', () => {
  let app: TestApp;
  let token: string;
  withStrapiAndToken((started, fullAccess) => {
    app = started;
    token = fullAccess;
  });

  describe.each(CRUD_CASES)('$domain: /api/$plural with an API token', ({ plural, create, update }) => {
    it('creates, reads, updates and deletes', async () => {
      const auth = { Authorization: `Bearer ${token}` };
      const created = await app.http().post(`/api/${plural}`).set(auth).send({ data: create });
      expect(created.status).toBe(201);
      const id = created.body.data.documentId;
      expect(id).toEqual(expect.any(String));

      const read = await app.http().get(`/api/${plural}/${id}`).set(auth);
      expect(read.status).toBe(200);
      for (const [k, v] of Object.entries(create)) if (!Array.isArray(v)) expect(read.body.data[k]).toEqual(v);

      const updated = await app.http().put(`/api/${plural}/${id}`).set(auth).send({ data: update });
      expect(updated.status).toBe(200);
      for (const [k, v] of Object.entries(update)) expect(updated.body.data[k]).toEqual(v);

      const list = await app.http().get(`/api/${plural}`).set(auth);
      expect(list.body.data.map((d: { documentId: string }) => d.documentId)).toContain(id);

      expect((await app.http().delete(`/api/${plural}/${id}`).set(auth)).status).toBe(204);
      expect((await app.http().get(`/api/${plural}/${id}`).set(auth)).status).toBe(404);
    });
  });

  it('refuses an API token without the scope (read-only token cannot create)', async () => {
    const readOnly = await createApiToken(app.strapi, 'read-only');
    const res = await app.http().post('/api/teams').set({ Authorization: `Bearer ${readOnly}` }).send({ data: { name: 'nope' } });
    expect(res.status).toBe(403);
    expect(await app.strapi.db.query('api::race.team').count({ where: { name: 'nope' } })).toBe(0);
  });

  describe('generated routes without their Zod schemas (src/platform/core-route-schemas.ts)', () => {
    const generated = () =>
      Object.entries(app.strapi.apis).flatMap(([name, api]: [string, any]) =>
        Object.values(api.routes as Record<string, any>)
          .filter((router) => Object.getOwnPropertyDescriptor(router, 'routes')?.get)
          .flatMap((router) => (router.routes as any[]).map((route) => ({ api: name, route }))),
      );

    it('keep method, path and handler and the body root key, and hold no query or response schema', () => {
      const all = generated();
      expect(all.length).toBeGreaterThanOrEqual(26 * 5);
      for (const { api, route } of all) {
        expect([api, route.handler, route.response, route.request?.query, route.request?.params]).toEqual([api, route.handler, undefined, undefined, undefined]);
        expect(route).toMatchObject({ method: expect.any(String), path: expect.stringMatching(/^\//) });
      }
      const create = all.find(({ route }) => route.handler === 'api::race.team.create')!.route;
      expect(Object.keys(create.request.body['application/json'].shape)).toEqual(['data']);
    });

    it('still refuses unknown fields, filters and sorts, naming them', async () => {
      const auth = { Authorization: `Bearer ${token}` };
      const field = await app.http().post('/api/teams').set(auth).send({ data: { name: 'schema-team', bogus_field: 1 } });
      expect([field.status, JSON.stringify(field.body.error)]).toEqual([400, expect.stringContaining('bogus_field')]);
      expect(await app.strapi.db.query('api::race.team').count({ where: { name: 'schema-team' } })).toBe(0);
      const refused = await Promise.all([
        app.http().get('/api/teams?filters[bogus_attribute][$eq]=1').set(auth),
        app.http().get('/api/teams?sort=bogus_sort').set(auth),
      ]);
      expect(refused.map((r) => r.status)).toEqual([400, 400]);
      refused.forEach((r, i) => expect(JSON.stringify(r.body.error)).toContain(['bogus_attribute', 'bogus_sort'][i]));
      const fine = await app.http().get('/api/teams?filters[name][$eq]=x&sort=name:asc&fields[0]=name&pagination[pageSize]=5').set(auth);
      expect(fine.status).toBe(200);
    });
  });

  describe('Public role', () => {
    const routes = () =>
      Object.values(app.strapi.contentTypes)
        .filter((ct: any) => ct.uid.startsWith('api::'))
        .map((ct: any) => ({
          uid: ct.uid,
          single: ct.kind === 'singleType',
          path: `/api/${ct.kind === 'singleType' ? ct.info.singularName : ct.info.pluralName}`,
        }));

    it('gets 403 on every domain type, reading and writing', async () => {
      const all = routes();
      expect(all.length).toBeGreaterThanOrEqual(26);
      for (const { uid, single, path } of all) {
        const read = await app.http().get(path);
        expect([uid, 'GET', read.status]).toEqual([uid, 'GET', 403]);
        const write = single ? await app.http().put(path).send({ data: {} }) : await app.http().post(path).send({ data: {} });
        expect([uid, 'write', write.status]).toEqual([uid, 'write', 403]);
      }
    });

    it('never receives personal fields, even if someone grants it read access', async () => {
      const auth = { Authorization: `Bearer ${token}` };
      const team = await app.http().post('/api/teams').set(auth).send({ data: { name: 'privacy-team' } });
      const runner = await app
        .http()
        .post('/api/runners')
        .set(auth)
        .send({ data: { first_name: 'Ada', last_name: 'Runner', identification: 'r0999001', email: 'ada.private@example.org', test_time_seconds: 431, team: team.body.data.documentId } });
      expect(runner.status).toBe(201);
      const student = await app
        .http()
        .post('/api/students')
        .set(auth)
        .send({ data: { uid: 'stu-private-1', real_name: 'Grace Secretname', email: 'grace.private@example.org', team: 'blue' } });
      expect(student.status).toBe(201);

      // The stored row does hold them (so the check below is not vacuous).
      const stored = await app.strapi.db.query('api::race.runner').findOne({ where: { documentId: runner.body.data.documentId } });
      expect(stored).toMatchObject({ identification: 'r0999001', email: 'ada.private@example.org' });

      // A misconfiguration: Public allowed to read runners, teams and students.
      await grantToRole(app.strapi, 'public', [
        'api::race.runner.find',
        'api::race.runner.findOne',
        'api::race.team.find',
        'api::classroom.student.find',
        'api::classroom.student.findOne',
      ]);
      const responses = await Promise.all([
        app.http().get('/api/runners'),
        app.http().get(`/api/runners/${runner.body.data.documentId}?populate=*`),
        app.http().get('/api/teams?populate=*'),
        app.http().get('/api/students?populate=*'),
        app.http().get(`/api/students/${student.body.data.documentId}`),
        app.http().get('/api/runners?filters[email][$containsi]=ada'),
      ]);
      expect(responses.slice(0, 5).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(responses[1].body.data.first_name).toBe('Ada');
      for (const res of responses) {
        const text = JSON.stringify(res.body);
        expect(text).not.toMatch(/r0999001|ada\.private|Secretname|grace\.private|"test_time_seconds"|"real_name"|"identification"/);
      }
      // Filtering on a private field must not leak it by probing either.
      expect(responses[5].status).toBe(400);
    });
  });
});
