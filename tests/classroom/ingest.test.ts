import fs from 'fs';
import path from 'path';
import zlib from 'zlib';
import { parseNotebook, NotebookError } from '../../src/plugins/ingest/server/src/services/notebook-parser';
import { adminToken, createApiToken, endUserToken, grantToRole, startStrapi, type TestApp } from '../helpers/strapi';
import { fixture, independentCount, notebook, PERSONAL_VALUES, sha256, SHARED_NOTEBOOKS, USERS_CSV } from './helpers';

describe('nbgrader parsing rule', () => {
  it('counts each graded code cell once by priority error > display > stream > ok > empty > not run', () => {
    const parsed = parseNotebook(fixture('priorities.ipynb'));
    expect(parsed.counts).toEqual(JSON.parse(fixture('priorities.expected.json')));
    expect(parsed.results).toEqual([
      { grade_id: 'p-error-over-all', outcome: 'error' },
      { grade_id: 'p-display-over-stream', outcome: 'display' },
      { grade_id: 'p-stream-over-result', outcome: 'stream' },
      { grade_id: 'p-ok', outcome: 'ok' },
      { grade_id: 'p-empty', outcome: 'empty' },
      { grade_id: 'p-not-run', outcome: 'not_run' },
      { grade_id: 'p-empty-string', outcome: 'empty' },
    ]);
  });

  it('reads nbformat 4 of another minor version, with source as a list', () => {
    expect(parseNotebook(fixture('minor2.ipynb')).counts).toMatchObject({ code_ok: 1, code_not_run: 1 });
  });

  it('refuses invalid JSON and non-notebooks with a reason', () => {
    expect(() => parseNotebook(fixture('broken.ipynb'))).toThrow(NotebookError);
    expect(() => parseNotebook(fixture('nbformat3.ipynb'))).toThrow(/nbformat 4/);
    expect(() => parseNotebook('[1,2]')).toThrow(/not a notebook/);
  });

  const shared = fs.existsSync(SHARED_NOTEBOOKS) ? it : it.skip;
  if (!fs.existsSync(SHARED_NOTEBOOKS)) console.warn(`SKIPPED shared nbgrader notebooks: ${SHARED_NOTEBOOKS} is absent`);
  shared('parses the shared nbgrader notebooks to an independent count of their cells', () => {
    const files = fs.readdirSync(SHARED_NOTEBOOKS).filter((f) => f.endsWith('.ipynb'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    let graded = 0;
    for (const f of files) {
      const text = fs.readFileSync(path.join(SHARED_NOTEBOOKS, f), 'utf8');
      const expected = independentCount(JSON.parse(text));
      expect({ f, counts: parseNotebook(text).counts }).toEqual({ f, counts: expected });
      graded += Object.values(expected).reduce((a, b) => a + b, 0);
    }
    // The submitted problem 1 has graded cells both not run and empty: the case the seed dropped.
    const submitted = parseNotebook(fs.readFileSync(path.join(SHARED_NOTEBOOKS, 'submitted_bitdiddle_ps1_problem1.ipynb'), 'utf8'));
    expect(submitted.counts.code_empty).toBe(1);
    expect(submitted.counts.code_not_run).toBe(4);
    expect(graded).toBeGreaterThan(0);
  });
});

describe('classroom ingestion and privacy', () => {
  let app: TestApp;
  let token: string;
  const post = (body: unknown, auth = token) => app.http().post('/api/ingest/classroom/snapshots').set('Authorization', `Bearer ${auth}`).send(body as object);
  const count = (uid: string) => app.strapi.db.query(uid as any).count({});
  const t0 = Date.parse('2026-11-30T10:00:00Z');

  beforeAll(async () => {
    // The MQTT bridge plays no part here (and its embedded broker is an ES module Jest cannot load).
    app = await startStrapi({ env: { CYCLER_BRIDGE_ENABLED: 'false' } });
    token = await createApiToken(app.strapi, 'custom', ['plugin::ingest.classroom.snapshots', 'plugin::ingest.classroom.students']);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('imports users.csv: uid and notebooks, other columns as private attributes, bad rows named', async () => {
    const csv = `${USERS_CSV}carol,,Carol,carol@example.test,red,S-1003\n,x/notebooks,No Uid,,,\n`;
    const res = await app.http().post('/api/ingest/classroom/students').set('Authorization', `Bearer ${token}`).send({ csv });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ created: 2, updated: 0, rejected: [{ row: 4, reason: 'notebooks is empty for uid "carol"' }, { row: 5, reason: 'uid is empty' }] });
    const alice = await app.strapi.db.query('api::classroom.student').findOne({ where: { uid: 'alice' } });
    expect(alice).toMatchObject({ real_name: 'Alice Liddell', email: 'alice@example.test', team: 'red', notebooks_path: 'alice/notebooks', private_attributes: { student_number: 'S-1001' } });
    const again = await app.http().post('/api/ingest/classroom/students').set('Authorization', `Bearer ${token}`).send({ csv: USERS_CSV });
    expect(again.body).toMatchObject({ created: 0, updated: 2 });
    const missing = await app.http().post('/api/ingest/classroom/students').set('Authorization', `Bearer ${token}`).send({ csv: 'uid,name\na,b\n' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/no "notebooks" column/);
  });

  it('refuses without a token (Public role: 403), with a token lacking the permission or a Student JWT (403)', async () => {
    expect((await app.http().post('/api/ingest/classroom/snapshots').send({ snapshots: [] })).status).toBe(403);
    expect((await app.http().post('/api/ingest/classroom/snapshots').set('Authorization', 'Bearer not-a-token').send({ snapshots: [] })).status).toBe(401);
    const other = await createApiToken(app.strapi, 'custom', ['plugin::ingest.logs.ingest']);
    expect((await post({ snapshots: [] }, other)).status).toBe(403);
    const readOnly = await createApiToken(app.strapi, 'read-only');
    expect((await post({ snapshots: [] }, readOnly)).status).toBe(403);
    const student = await endUserToken(app.strapi, 'student');
    expect((await post({ snapshots: [] }, student.jwt)).status).toBe(403);
  });

  it('stores a batch: notebooks with counts and one result per grade_id, other files without counts, bad files named', async () => {
    const nb = fixture('priorities.ipynb');
    const res = await post({
      snapshots: [
        { uid: 'alice', path: 'ps1/problem1.ipynb', taken_at: new Date(t0).toISOString(), size: Buffer.byteLength(nb), content: nb },
        { uid: 'alice', path: 'notes.txt', taken_at: t0, sha256: sha256('hello\n'), size: 6 },
        { uid: 'alice', path: 'ps1/broken.ipynb', taken_at: t0, content: fixture('broken.ipynb') },
        { uid: 'alice', path: 'ps1/old.ipynb', taken_at: t0, content: fixture('nbformat3.ipynb') },
        { uid: 'nobody', path: 'ps1/problem1.ipynb', taken_at: t0, content: nb },
        { uid: 'alice', path: '../escape.txt', taken_at: t0, sha256: sha256('x') },
        { uid: 'alice', path: 'x.ipynb', taken_at: t0 },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.stored).toBe(2);
    expect(res.body.duplicates).toBe(0);
    expect(res.body.rejected.map((r: any) => [r.index, r.file])).toEqual([
      [2, 'ps1/broken.ipynb'],
      [3, 'ps1/old.ipynb'],
      [4, 'ps1/problem1.ipynb'],
      [5, '../escape.txt'],
      [6, 'x.ipynb'],
    ]);
    expect(res.body.rejected[0].reason).toMatch(/^ps1\/broken\.ipynb: not valid JSON/);
    expect(res.body.rejected[1].reason).toMatch(/nbformat 4/);
    expect(res.body.rejected[2].reason).toMatch(/unknown student uid "nobody"/);

    const snap = await app.strapi.db.query('api::classroom.notebook-snapshot').findOne({ where: { path: 'ps1/problem1.ipynb' }, populate: ['student', 'results'] });
    expect(snap).toMatchObject({ ...JSON.parse(fixture('priorities.expected.json')), is_latest: true, sha256: sha256(nb), student: { uid: 'alice' } });
    expect(snap.results.map((r: any) => r.grade_id).sort()).toEqual(['p-display-over-stream', 'p-empty', 'p-empty-string', 'p-error-over-all', 'p-not-run', 'p-ok', 'p-stream-over-result']);
    const txt = await app.strapi.db.query('api::classroom.notebook-snapshot').findOne({ where: { path: 'notes.txt' } });
    expect(txt).toMatchObject({ code_ok: 0, code_error: 0, code_not_run: 0, is_latest: true, size: 6 });
    // Stored rows are ordinary documents: editable through the Document Service.
    await app.strapi.documents('api::classroom.notebook-snapshot').update({ documentId: snap.documentId, data: { version_label: 'checked' } as any });
  });

  it('results point at their snapshot by a plain snapshot_id column, and the Content Manager still shows the relation both ways', async () => {
    const snap = await app.strapi.db.query('api::classroom.notebook-snapshot').findOne({ where: { path: 'ps1/problem1.ipynb' } });
    const knex = app.strapi.db.connection;
    const rows = await knex('classroom_problem_results').where('snapshot_id', snap.id).select('id', 'document_id', 'grade_id');
    expect(rows).toHaveLength(7);
    expect(await knex.schema.hasTable('classroom_problem_results_snapshot_lnk')).toBe(false);

    const admin = await adminToken(app, ['Super Admin']);
    const cm = (url: string) => app.http().get(`/content-manager${url}`).set('Authorization', `Bearer ${admin}`);
    const list = await cm('/collection-types/api::classroom.problem-result?page=1&pageSize=50');
    expect(list.status).toBe(200);
    expect(list.body.results.length).toBeGreaterThanOrEqual(7);
    const results = await cm(`/relations/api::classroom.notebook-snapshot/${snap.documentId}/results?pageSize=50`);
    expect(results.status).toBe(200);
    expect(results.body.results.map((r: any) => r.documentId).sort()).toEqual(rows.map((r: any) => r.document_id).sort());
    const owner = await cm(`/relations/api::classroom.problem-result/${rows[0].document_id}/snapshot`);
    expect(owner.status).toBe(200);
    expect(owner.body.results.map((r: any) => r.documentId)).toEqual([snap.documentId]);
    const edit = await cm(`/collection-types/api::classroom.problem-result/${rows[0].document_id}`);
    expect(edit.status).toBe(200);
    expect(edit.body.data).toMatchObject({ grade_id: rows[0].grade_id });
    // Editing a result's own fields in the admin keeps its snapshot.
    const put = await app.http().put(`/content-manager/collection-types/api::classroom.problem-result/${rows[0].document_id}`).set('Authorization', `Bearer ${admin}`).send({ grade_id: rows[0].grade_id, outcome: 'ok' });
    expect(put.status).toBe(200);
    expect(await knex('classroom_problem_results').where('id', rows[0].id).first('snapshot_id', 'outcome')).toEqual({ snapshot_id: snap.id, outcome: 'ok' });
    // The edit view's relation picker: an unchanged relation, then moving the result to another snapshot, and creating one.
    const other = await app.strapi.db.query('api::classroom.notebook-snapshot').findOne({ where: { path: 'notes.txt' } });
    const save = (snapshot: unknown) =>
      app.http().put(`/content-manager/collection-types/api::classroom.problem-result/${rows[0].document_id}`).set('Authorization', `Bearer ${admin}`).send({ grade_id: rows[0].grade_id, outcome: 'ok', snapshot });
    expect((await save({ connect: [], disconnect: [] })).status).toBe(200);
    expect((await knex('classroom_problem_results').where('id', rows[0].id).first('snapshot_id')).snapshot_id).toBe(snap.id);
    expect((await save({ connect: [{ id: other.id, documentId: other.documentId }], disconnect: [{ id: snap.id, documentId: snap.documentId }] })).status).toBe(200);
    expect((await knex('classroom_problem_results').where('id', rows[0].id).first('snapshot_id')).snapshot_id).toBe(other.id);
    expect((await save({ connect: [{ documentId: snap.documentId }] })).status).toBe(200);
    expect((await knex('classroom_problem_results').where('id', rows[0].id).first('snapshot_id')).snapshot_id).toBe(snap.id);
    expect((await save({ connect: [{ documentId: 'nosuchsnapshotdocument00' }] })).status).toBe(400);
    const created = await app.http().post('/content-manager/collection-types/api::classroom.problem-result').set('Authorization', `Bearer ${admin}`).send({ grade_id: 'added-by-hand', outcome: 'error', snapshot: { connect: [{ id: other.id, documentId: other.documentId }] } });
    expect(created.status).toBe(201);
    expect((await knex('classroom_problem_results').where('grade_id', 'added-by-hand').first('snapshot_id')).snapshot_id).toBe(other.id);
    await app.strapi.documents('api::classroom.problem-result').delete({ documentId: created.body.data.documentId });
  });

  it('stores a version posted twice once (also twice in one batch, also gzip)', async () => {
    const nb = fixture('priorities.ipynb');
    const before = { s: await count('api::classroom.notebook-snapshot'), r: await count('api::classroom.problem-result') };
    const body = { snapshots: [{ uid: 'alice', path: 'ps1/problem1.ipynb', taken_at: t0 + 5000, content: nb }, { uid: 'alice', path: 'ps1/problem1.ipynb', taken_at: t0, content: nb }] };
    // fetch, not supertest: superagent would serialise a Buffer body as JSON.
    const raw = await fetch(`${app.url}/api/ingest/classroom/snapshots`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: zlib.gzipSync(JSON.stringify(body)),
    });
    const res = { status: raw.status, body: (await raw.json()) as any };
    expect([res.status, res.body.error]).toEqual([200, undefined]);
    expect(res.body).toMatchObject({ stored: 0, duplicates: 2 });
    expect(res.body.snapshots[0].documentId).toMatch(/^[a-z0-9]{24}$/);
    expect({ s: await count('api::classroom.notebook-snapshot'), r: await count('api::classroom.problem-result') }).toEqual(before);
  });

  it('moves is_latest to the newest version of a path, whatever order versions arrive in', async () => {
    const v2 = notebook(['ok', 'ok', 'error']);
    const v0 = notebook(['empty', 'empty', 'empty']);
    const res = await post({
      snapshots: [
        { uid: 'alice', path: 'ps1/problem1.ipynb', taken_at: t0 + 3600_000, content: v2 },
        { uid: 'alice', path: 'ps1/problem1.ipynb', taken_at: t0 - 3600_000, content: v0 },
        { uid: 'bob', path: 'ps1/problem1.ipynb', taken_at: t0, content: v0 },
      ],
    });
    expect(res.body).toMatchObject({ stored: 3, duplicates: 0, rejected: [] });
    const rows = await app.strapi.db.query('api::classroom.notebook-snapshot').findMany({ where: { path: 'ps1/problem1.ipynb' }, populate: ['student'], orderBy: { taken_at: 'asc' } });
    const latest = rows.filter((r: any) => r.is_latest).map((r: any) => [r.student.uid, r.sha256]);
    expect(latest.sort()).toEqual([['alice', sha256(v2)], ['bob', sha256(v0)]]);
    expect(rows.filter((r: any) => r.student.uid === 'alice')).toHaveLength(3);
  });

  it('answers 400 for a body without snapshots or with every file rejected, 413 over the limit', async () => {
    expect((await post({ files: [] })).status).toBe(400);
    const bad = await post({ snapshots: [{ uid: 'alice', path: 'a.ipynb', taken_at: t0, content: '{' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.rejected[0]).toMatchObject({ index: 0, file: 'a.ipynb' });
    process.env.CLASSROOM_MAX_BODY_BYTES = '1000';
    try {
      const big = await post({ snapshots: [{ uid: 'alice', path: 'big.ipynb', taken_at: t0, content: notebook(Array(50).fill('ok')) }] });
      expect(big.status).toBe(413);
      expect(big.body.error.message).toMatch(/limit of 1000 bytes/);
    } finally {
      delete process.env.CLASSROOM_MAX_BODY_BYTES;
    }
  });

  describe('who sees what', () => {
    const routes = ['snapshots', 'snapshots?latest=true&sort=errors', 'heatmap?assignment=ps1', 'students/alice'];
    const noPersonal = (body: unknown) => {
      const text = JSON.stringify(body);
      for (const value of PERSONAL_VALUES) expect(text).not.toContain(value);
      expect(text).not.toMatch(/"(name|email|attributes|real_name|private_attributes)"/);
    };

    it('admin: no session 401, Race crew 403, Teacher sees names, Analyst (no personal permission) uid only', async () => {
      for (const r of routes) expect((await app.http().get(`/dashboards/classroom/${r}`)).status).toBe(401);
      const crew = await adminToken(app, ['Race crew']);
      for (const r of routes) expect((await app.http().get(`/dashboards/classroom/${r}`).set('Authorization', `Bearer ${crew}`)).status).toBe(403);

      const teacher = await adminToken(app, ['Teacher']);
      const snaps = await app.http().get('/dashboards/classroom/snapshots').set('Authorization', `Bearer ${teacher}`);
      expect(snaps.status).toBe(200);
      expect(snaps.body.meta.personal).toBe(true);
      expect(snaps.body.meta.students.find((s: any) => s.uid === 'alice')).toMatchObject({ name: 'Alice Liddell', email: 'alice@example.test', attributes: { student_number: 'S-1001' } });
      const detail = await app.http().get('/dashboards/classroom/students/alice').set('Authorization', `Bearer ${teacher}`);
      expect(detail.body.data).toMatchObject({ uid: 'alice', name: 'Alice Liddell' });

      const analyst = await adminToken(app, ['Analyst']);
      for (const r of routes) {
        const res = await app.http().get(`/dashboards/classroom/${r}`).set('Authorization', `Bearer ${analyst}`);
        expect(res.status).toBe(200);
        noPersonal(res.body);
      }
      // Nor through the Content Manager.
      const cm = await app.http().get('/content-manager/collection-types/api::classroom.student').set('Authorization', `Bearer ${analyst}`);
      expect(cm.status).toBe(200);
      expect(cm.body.results.length).toBeGreaterThan(0);
      noPersonal(cm.body);
    });

    it('content API: Public refused (and even when granted, uid only), Student sees only their own rows, Teacher sees names', async () => {
      for (const r of routes) expect((await app.http().get(`/api/dashboards/classroom/${r}`)).status).toBe(403);

      const student = await endUserToken(app.strapi, 'student');
      const alice = await app.strapi.db.query('api::classroom.student').findOne({ where: { uid: 'alice' } });
      await app.strapi.documents('api::classroom.student').update({ documentId: alice.documentId, data: { user: student.id } as any });
      const auth = { Authorization: `Bearer ${student.jwt}` };
      const snaps = await app.http().get('/api/dashboards/classroom/snapshots').set(auth);
      expect(snaps.status).toBe(200);
      expect(snaps.body.data.length).toBeGreaterThan(0);
      expect(new Set(snaps.body.data.map((s: any) => s.uid))).toEqual(new Set(['alice']));
      expect(snaps.body.meta.personal).toBe(false);
      for (const r of routes) {
        const res = await app.http().get(`/api/dashboards/classroom/${r}`).set(auth);
        expect(res.status).toBe(200);
        noPersonal(res.body);
        expect(JSON.stringify(res.body)).not.toContain('"bob"');
      }
      expect((await app.http().get('/api/dashboards/classroom/students/bob').set(auth)).status).toBe(404);
      // A Student linked to no student record sees nothing.
      const stranger = await endUserToken(app.strapi, 'student');
      const none = await app.http().get('/api/dashboards/classroom/snapshots').set({ Authorization: `Bearer ${stranger.jwt}` });
      expect(none.body.data).toEqual([]);

      const teacher = await endUserToken(app.strapi, 'teacher');
      const t = await app.http().get('/api/dashboards/classroom/snapshots').set({ Authorization: `Bearer ${teacher.jwt}` });
      expect(new Set(t.body.data.map((s: any) => s.uid))).toEqual(new Set(['alice', 'bob']));
      expect(t.body.meta.students.find((s: any) => s.uid === 'bob')).toMatchObject({ name: 'Bob Marley' });

      await grantToRole(app.strapi, 'public', ['plugin::dashboards.classroom.snapshots', 'plugin::dashboards.classroom.heatmap', 'plugin::dashboards.classroom.student', 'api::classroom.student.find', 'api::classroom.student.findOne']);
      for (const r of [...routes.map((x) => `/api/dashboards/classroom/${x}`), '/api/students', '/api/students?populate=*']) {
        const res = await app.http().get(r);
        expect([r, res.status]).toEqual([r, 200]);
        noPersonal(res.body);
      }
    });

    it('filters: path regex, time range, latest only, sort, limit; 400 naming the parameter', async () => {
      const teacher = await adminToken(app, ['Teacher']);
      const get = (q: string) => app.http().get(`/dashboards/classroom/snapshots?${q}`).set('Authorization', `Bearer ${teacher}`);
      const all = await get('');
      expect(all.body.meta.paths).toEqual(['notes.txt', 'ps1/problem1.ipynb']);
      expect((await get('path=%5Eps1%2F')).body.data.every((s: any) => s.path.startsWith('ps1/'))).toBe(true);
      expect((await get('path=nomatch')).body.data).toEqual([]);
      const latest = await get('latest=true');
      expect(latest.body.data.every((s: any) => s.isLatest)).toBe(true);
      expect(latest.body.data).toHaveLength(3);
      const range = await get(`from=${encodeURIComponent(new Date(t0 - 60_000).toISOString())}&to=${encodeURIComponent(new Date(t0 + 60_000).toISOString())}`);
      expect(range.body.data.map((s: any) => s.takenAt).every((x: string) => Math.abs(Date.parse(x) - t0) <= 60_000)).toBe(true);
      expect(range.body.data.length).toBeGreaterThan(0);
      expect((await get('from=-1%20days')).status).toBe(200);
      const limited = await get('limit=2');
      expect(limited.body.data).toHaveLength(2);
      expect(limited.body.meta.truncated).toBe(true);
      expect((await get('sort=errors')).body.meta.students.map((s: any) => s.uid)).toEqual(['alice', 'bob']);
      expect((await get('sort=uid')).body.meta.students.map((s: any) => s.uid)).toEqual(['alice', 'bob']);
      const red = all.body.data.find((s: any) => s.counts.error > 0);
      expect(red.color).toBe('red');
      for (const [q, param] of [['path=(', 'path'], ['from=yesterday', 'from'], ['sort=name', 'sort'], ['limit=0', 'limit'], ['latest=maybe', 'latest']]) {
        const res = await get(q);
        expect([q, res.status]).toEqual([q, 400]);
        expect(res.body.error.message).toMatch(new RegExp(`^${param}:`));
      }
    });

    it('heatmap: outcome per grade_id and student from the latest versions', async () => {
      const teacher = await adminToken(app, ['Teacher']);
      const res = await app.http().get('/dashboards/classroom/heatmap?assignment=ps1').set('Authorization', `Bearer ${teacher}`);
      expect(res.body.meta.assignments).toEqual(['ps1']);
      expect(res.body.data.problems).toEqual(['q1', 'q2', 'q3']);
      const cell = (uid: string, g: string) => res.body.data.cells.find((c: any) => c.uid === uid && c.gradeId === g)?.outcome;
      expect([cell('alice', 'q1'), cell('alice', 'q3'), cell('bob', 'q1')]).toEqual(['ok', 'error', 'empty']);
    });
  });
});
