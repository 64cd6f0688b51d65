/**
 * The bulk writer of data-exchange imports (services/bulk-create.ts) on the real Strapi and database:
 * it refuses what the admin form refuses (Strapi's entity validator and unique rule), writes rows the
 * Document Service would write (documentId, publishedAt, timestamps), and gives way to the Document
 * Service when middlewares or lifecycle subscribers act on the type.
 */
import { withStrapiAndToken, type TestApp } from '../helpers/strapi';
import { importCsv } from './helpers';

let app: TestApp;
let token: string;
withStrapiAndToken((started, fullAccess) => {
  app = started;
  token = fullAccess;
});

const bulk = () => app.strapi.plugin('data-exchange').service('bulkCreate') as any;
const STUDENTS = 'api::classroom.student';
const RESULTS = 'api::classroom.problem-result';

describe('bulk writer', () => {
  it('refuses what the form refuses: required, enum, type, email, unique against stored rows', async () => {
    // Straight to the writer, past the import's own cell checks, so the entity validator must refuse.
    const refused = await app.strapi.db.transaction(async () =>
      bulk().create(RESULTS, [
        { line: 2, data: { grade_id: 'q1', outcome: 'ok' } },
        { line: 3, data: { outcome: 'ok' } },
        { line: 4, data: { grade_id: 'q2', outcome: 'exploded' } },
        { line: 5, data: { grade_id: { not: 'text' }, outcome: 'ok' } },
      ]),
    );
    expect(refused.ids).toEqual([]);
    expect(refused.problems).toEqual([
      expect.objectContaining({ line: 3, field: 'grade_id' }),
      expect.objectContaining({ line: 4, field: 'outcome', message: expect.stringMatching(/one of the following values/) }),
      expect.objectContaining({ line: 5, field: 'grade_id' }),
    ]);
    expect(await app.strapi.db.query(RESULTS).count()).toBe(0);

    // Through the import: an email the validator refuses, a uid already stored (the Document Service's own create).
    await (app.strapi.documents(STUDENTS) as any).create({ data: { uid: 'taken-1' } });
    const res = await importCsv(app, token, STUDENTS, 'uid,email,team\nfresh-1,a@example.org,red\ntaken-1,b@example.org,red\nfresh-2,not-an-email,blue\n');
    expect(res.status).toBe(400);
    expect(res.body.error.details.writer).toBe('bulk');
    expect(res.body.error.details.problems).toEqual([
      expect.objectContaining({ line: 3, column: 'uid', message: 'This attribute must be unique' }),
      expect.objectContaining({ line: 4, column: 'email', message: expect.stringMatching(/email/) }),
    ]);
    expect(await app.strapi.db.query(STUDENTS).count()).toBe(1);
  });

  it("compiles Strapi's entity validator once per import and it gives Strapi's verdict on every row", async () => {
    const PROBES: unknown[] = [undefined, null, '', 'abc', ' padded ', 'x'.repeat(300), 'a@b.co', 'not-an-email', -1, 0, 3.5, 1e20, '12', true, 'true', {}, [], { a: 1 }, '2026-05-01', '2026-05-01T10:00:00Z', '25:99', 'ok', 'lithium', 'queued'];
    const uids = ['api::classroom.problem-result', 'api::classroom.student', 'api::classroom.notebook-snapshot', 'api::race.university', 'api::lab.alarm', 'api::lab.cycler-station', 'api::race.runner'];
    let compared = 0;
    for (const uid of uids) {
      const { compiled, exact, publishedAt } = await bulk().rowValidators(uid, undefined);
      expect([uid, typeof compiled]).toEqual([uid, 'function']);
      const attributes = Object.entries<any>((app.strapi.contentType(uid as any) as any).attributes).filter(([n, a]) => n !== 'publishedAt' && !['relation', 'component', 'dynamiczone', 'media'].includes(a.type));
      for (const [name] of attributes) {
        for (const value of PROBES) {
          // One attribute probed, the others filled from a row that the form accepts where it can.
          const row: Record<string, unknown> = { publishedAt };
          for (const [other, a] of attributes) if (a.required) row[other] = a.type === 'enumeration' ? a.enum[0] : ['integer', 'float', 'decimal', 'biginteger'].includes(a.type) ? 1 : 'x';
          row[name] = value;
          const mine = await bulk().outcome(compiled, { ...row });
          const strapis = await bulk().outcome(exact, { ...row });
          expect([uid, name, value, mine]).toEqual([uid, name, value, strapis]);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
  });

  it('writes documentId, publishedAt, timestamps and lifecycles as the Document Service does', async () => {
    const afterCreateMany = jest.fn();
    const off = app.strapi.db.lifecycles.subscribe({ models: [STUDENTS], afterCreateMany, afterCreate: jest.fn() } as any) as unknown as () => void;
    const events: any[] = [];
    const listen = async (event: string, payload: any) => {
      if (event === 'entry.create' && payload.uid === STUDENTS) events.push(payload.entry);
    };
    app.strapi.eventHub.subscribe(listen);
    try {
      const before = Date.now();
      const res = await importCsv(app, token, STUDENTS, 'uid,team\nbulk-1,red\nbulk-2,blue\n');
      expect([res.status, res.body.data?.writer, res.body.data?.created]).toEqual([200, 'bulk', 2]);
      expect(afterCreateMany).toHaveBeenCalledTimes(1);
      const rows = await app.strapi.db.query(STUDENTS).findMany({ where: { uid: { $in: ['bulk-1', 'bulk-2'] } }, orderBy: { uid: 'asc' } });
      expect(rows).toHaveLength(2);
      for (const row of rows as any[]) {
        expect(row.documentId).toMatch(/^[a-z0-9]{24}$/);
        expect(new Date(row.publishedAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(new Date(row.createdAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
        expect(new Date(row.updatedAt).getTime()).toBe(new Date(row.createdAt).getTime());
        expect(row.locale ?? null).toBeNull(); // no type of the app is localized
      }
      expect(rows[0].documentId).not.toBe(rows[1].documentId);
      // The Document Service sees them as documents: update one by its documentId.
      const updated = await (app.strapi.documents(STUDENTS) as any).update({ documentId: rows[0].documentId, data: { team: 'green' } });
      expect(updated.team).toBe('green');
      // entry.create events after the commit, one per row, private fields left out
      for (let i = 0; i < 50 && events.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(events.map((e) => e.uid).sort()).toEqual(['bulk-1', 'bulk-2']);
      expect(events[0]).not.toHaveProperty('email');
    } finally {
      off();
      app.strapi.eventHub.unsubscribe(listen);
    }
  });

  it('gives way to the Document Service for middlewares, single-create lifecycles and relations', async () => {
    // the race middleware normalises runner identifications
    const runner = await importCsv(app, token, 'api::race.runner', 'first_name,last_name,identification\nKatherine,Johnson,R1234999\n');
    expect(runner.body.data.writer).toMatch(/^document-service: a document middleware reads or changes the data/);
    // a subscriber with afterCreate only would never hear of a createMany
    const afterCreate = jest.fn();
    const off = app.strapi.db.lifecycles.subscribe({ models: [STUDENTS], afterCreate } as any) as unknown as () => void;
    try {
      const res = await importCsv(app, token, STUDENTS, 'uid\nsingle-1\n');
      expect(res.body.data.writer).toMatch(/^document-service: a lifecycle subscriber has beforeCreate\/afterCreate/);
      expect(afterCreate).toHaveBeenCalledTimes(1);
    } finally {
      off();
    }
    // relation columns are written per row
    const hh = await importCsv(app, token, 'api::race.team', 'name,happy_hours\nbulk-team,\n');
    expect(hh.body.data.writer).toMatch(/^document-service: columns happy_hours are not scalar/);
    // and a type nobody hooks into takes the bulk path
    const uni = await importCsv(app, token, 'api::race.university', 'full_name,abbreviation\nBulk University,BU\n');
    expect([uni.status, uni.body.data.writer]).toEqual([200, 'bulk']);
  });
});
