/**
 * The Classroom page's users.csv import (POST /dashboards/classroom/students/import): admin session
 * with plugin::dashboards.classroom.import (Teacher and above), the ingest plugin's students service,
 * NDJSON progress then the result.
 */
import { adminToken, startStrapi, type TestApp } from '../helpers/strapi';
import { USERS_CSV } from './helpers';

const ROUTE = '/dashboards/classroom/students/import';

/** The NDJSON answer as parsed lines (supertest does not buffer this content type by itself). */
const ndjson = (req: any) =>
  req.buffer(true).parse((res: any, done: (e: unknown, body: unknown) => void) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => (text += c));
    res.on('end', () => done(null, text));
  });
const lines = (body: string) => body.trim().split('\n').map((l) => JSON.parse(l));

describe('Classroom page: students import', () => {
  let app: TestApp;
  let teacher: string;

  beforeAll(async () => {
    app = await startStrapi({ env: { CYCLER_BRIDGE_ENABLED: 'false' } });
    teacher = await adminToken(app, ['Teacher']);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('refuses without a session (401) and for a role without the import permission (403)', async () => {
    expect((await app.http().post(ROUTE).attach('file', Buffer.from(USERS_CSV), 'users.csv')).status).toBe(401);
    for (const role of ['Analyst', 'Race crew']) {
      const token = await adminToken(app, [role]);
      const res = await app.http().post(ROUTE).set('Authorization', `Bearer ${token}`).attach('file', Buffer.from(USERS_CSV), 'users.csv');
      expect(res.status).toBe(403);
    }
    expect(await app.strapi.db.query('api::classroom.student').count({})).toBe(0);
  });

  it('imports a Teacher\'s upload: progress lines, then created/updated and every rejected row by line', async () => {
    const csv = `${USERS_CSV}carol,,Carol,carol@example.test,red,S-1003\n,x/notebooks,No Uid,,,\ndave,dave/notebooks,Dave,not-an-email,blue,S-1004\n`;
    const res = await ndjson(app.http().post(ROUTE).set('Authorization', `Bearer ${teacher}`).attach('file', Buffer.from(csv), 'users.csv'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/ndjson/);
    const got = lines(res.body);
    expect(got[0]).toEqual({ total: 2, rejected: 3 });
    expect(got.filter((l) => 'done' in l).at(-1)).toEqual({ done: 2, total: 2 });
    expect(got.at(-1)).toEqual({
      result: {
        created: 2,
        updated: 0,
        rejected: [
          { row: 4, reason: 'notebooks is empty for uid "carol"' },
          { row: 5, reason: 'uid is empty' },
          { row: 6, reason: 'email "not-an-email" is not an e-mail address' },
        ],
      },
    });
    const alice = await app.strapi.db.query('api::classroom.student').findOne({ where: { uid: 'alice' } });
    expect(alice).toMatchObject({ real_name: 'Alice Liddell', notebooks_path: 'alice/notebooks', private_attributes: { student_number: 'S-1001' } });

    // The same file again updates; JSON { csv } is accepted too.
    const again = await ndjson(app.http().post(ROUTE).set('Authorization', `Bearer ${teacher}`).send({ csv: USERS_CSV }));
    expect(lines(again.body).at(-1)).toEqual({ result: { created: 0, updated: 2, rejected: [] } });
  });

  it('answers 400 naming the missing column or the missing file, and writes nothing', async () => {
    const before = await app.strapi.db.query('api::classroom.student').count({});
    const missing = await app.http().post(ROUTE).set('Authorization', `Bearer ${teacher}`).attach('file', Buffer.from('uid,name\nzed,Zed\n'), 'users.csv');
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/no "notebooks" column/);
    const none = await app.http().post(ROUTE).set('Authorization', `Bearer ${teacher}`).send({});
    expect(none.status).toBe(400);
    expect(none.body.error.message).toMatch(/^file:/);
    expect(await app.strapi.db.query('api::classroom.student').count({})).toBe(before);
  });
});
