/**
 * data-exchange on the real Strapi and database (SQLite, or PostgreSQL with TEST_DATABASE_URL):
 * export/import round trip per domain, dry run, all-or-nothing, update by key, permissions,
 * private fields, CSV injection, encodings, id sequences.
 */
import iconv from 'iconv-lite';
import { createApiToken, endUserToken, grantToRole, withStrapiAndToken, type TestApp } from '../helpers/strapi';
import { bearer, count, exportCsv, importCsv, parse } from './helpers';
import { uploadMarker } from '../helpers/uploads';

let app: TestApp;
let token: string;
withStrapiAndToken((started, fullAccess) => {
  app = started;
  token = fullAccess;
});

const docs = (uid: string) => app.strapi.documents(uid as any) as any;

/** One type of every domain, each with a relation or a component, seeded through the Document Service. */
const ROUND_TRIPS: Array<{ uid: string; seed: () => Promise<void> }> = [
  {
    uid: 'api::lab.battery',
    seed: async () => {
      await docs('api::lab.battery').create({ data: { name: 'rt-cell-1', technology: 'lithium', nominal_capacity_ah: 3.2, notes: 'line one\nline "two", with comma', specification: [{ __component: 'lab.lithium', chemistry: 'NMC', capacity_ah: 3.2 }] } });
      await docs('api::lab.battery').create({ data: { name: 'rt-cell-2', technology: 'lead_acid', min_voltage_v: 10.5, specification: [{ __component: 'lab.lead-acid', nominal_voltage_v: 12 }] } });
    },
  },
  {
    uid: 'api::race.happy-hour',
    seed: async () => {
      const team = await docs('api::race.team').create({ data: { name: 'rt-red' } });
      await docs('api::race.happy-hour').create({ data: { name: 'rt-dawn', starts_at: '2026-05-01T04:00:00.000Z', ends_at: '2026-05-01T05:00:00.000Z', multiplier: 2, team: team.documentId } });
      await docs('api::race.happy-hour').create({ data: { name: '=cmd|calc', starts_at: '2026-05-01T06:00:00.000Z', ends_at: '2026-05-01T06:30:00.000Z' } });
    },
  },
  {
    uid: 'api::logs.log-service',
    seed: async () => {
      await docs('api::logs.log-service').create({ data: { name: 'rt-payments', description: 'Payments; EU', retention_days: 7, active: true } });
    },
  },
  {
    uid: 'api::robotics.pack',
    seed: async () => {
      const a = await docs('api::robotics.exercise').create({ data: { exercise_id: 'rt_follow_line', name: 'Follow line' } });
      const b = await docs('api::robotics.exercise').create({ data: { exercise_id: 'rt_vacuum', name: 'Vacuum' } });
      await docs('api::robotics.pack').create({ data: { pack_id: 'rt-pack', name: 'Starter', exercises: [a.documentId, b.documentId] } });
    },
  },
  {
    uid: 'api::classroom.assignment',
    seed: async () => {
      const course = await docs('api::classroom.course').create({ data: { name: 'rt-signals' } });
      await docs('api::classroom.assignment').create({ data: { name: 'rt-hw1', course: course.documentId, problems: [{ grade_id: 'q1', points: 2 }, { grade_id: 'q2', points: 3.5 }] } });
    },
  },
];

describe.each(ROUND_TRIPS)('round trip $uid', ({ uid, seed }) => {
  it('exports, re-imports into an empty type and exports the same CSV', async () => {
    await seed();
    const first = await exportCsv(app, token, uid);
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/text\/csv/);
    const header = parse(first.text)[0];
    // Compare everything but the system columns, which a re-import renews.
    const columns = header.filter((c) => !['id', 'documentId', 'createdAt', 'updatedAt'].includes(c)).join(',');
    const before = await exportCsv(app, token, uid, { columns });
    const rows = await app.strapi.db.query(uid as any).findMany({ select: ['documentId'] });
    for (const r of rows) await docs(uid).delete({ documentId: r.documentId });
    expect(await count(app, uid)).toBe(0);

    const imported = await importCsv(app, token, uid, before.text);
    expect([imported.status, imported.body?.error ?? null]).toEqual([200, null]);
    expect(imported.body.data).toMatchObject({ ok: true, created: rows.length, updated: 0, problemCount: 0 });
    const after = await exportCsv(app, token, uid, { columns });
    expect(parse(after.text)).toEqual(parse(before.text));
    expect(parse(after.text).length).toBe(rows.length + 1);
  });
});

describe('export', () => {
  it('streams dates as ISO 8601 UTC, components as JSON and relations by display field or id', async () => {
    const res = await exportCsv(app, token, 'api::race.happy-hour', { sort: 'starts_at:asc', columns: 'name,starts_at,team' });
    expect(parse(res.text)).toEqual([
      ['name', 'starts_at', 'team'],
      ['rt-dawn', '2026-05-01T04:00:00.000Z', 'rt-red'],
      ["'=cmd|calc", '2026-05-01T06:00:00.000Z', ''],
    ]);
    const team = await app.strapi.db.query('api::race.team').findOne({ where: { name: 'rt-red' } });
    const byId = await exportCsv(app, token, 'api::race.happy-hour', { columns: 'name,team', relations: 'id', filters: { name: { $eq: 'rt-dawn' } } as any });
    expect(parse(byId.text)).toEqual([['name', 'team'], ['rt-dawn', String(team.id)]]);
    const batteries = parse((await exportCsv(app, token, 'api::lab.battery', { columns: 'name,specification', sort: 'name:asc' })).text);
    expect(JSON.parse(batteries[1][1])).toEqual([{ __component: 'lab.lithium', chemistry: 'NMC', capacity_ah: 3.2 }]);
  });

  it('gives each row its own relations, on both sides, when a filter leaves gaps between ids', async () => {
    const teams = [];
    for (const name of ['gap-a', 'gap-b', 'gap-c']) teams.push(await docs('api::race.team').create({ data: { name } }));
    const hour = (name: string, team: any) => ({ name, starts_at: '2026-06-01T04:00:00.000Z', ends_at: '2026-06-01T05:00:00.000Z', team: team.documentId });
    for (const [i, team] of teams.entries()) await docs('api::race.happy-hour').create({ data: hour(`gap-h${i + 1}`, team) });
    const runners = [];
    for (const [i, team] of teams.entries()) {
      runners.push(await docs('api::race.runner').create({ data: { first_name: `Gap${i}`, last_name: 'Runner', identification: `r900000${i}`, team: team.documentId } }));
    }
    const hours = await exportCsv(app, token, 'api::race.happy-hour', { columns: 'name,team', filters: { name: { $in: ['gap-h1', 'gap-h3'] } } as any });
    expect(parse(hours.text)).toEqual([['name', 'team'], ['gap-h1', 'gap-a'], ['gap-h3', 'gap-c']]);
    // the inverse side (team.runners, mappedBy) through the same join table
    const byTeam = await exportCsv(app, token, 'api::race.team', { columns: 'name,runners', relations: 'id', filters: { name: { $in: ['gap-a', 'gap-c'] } } as any });
    expect(parse(byTeam.text)).toEqual([['name', 'runners'], ['gap-a', String(runners[0].id)], ['gap-c', String(runners[2].id)]]);
  });

  it('neutralises cells starting with = + - @ (CSV injection) and keeps numbers', async () => {
    for (const name of ['+1+cmd', '-2-cmd', '@SUM(A1)', '=HYPERLINK("x")']) await docs('api::race.team').create({ data: { name, score: -3 } });
    const res = await exportCsv(app, token, 'api::race.team', { columns: 'name,score', filters: { score: { $eq: -3 } } as any, sort: 'name:asc' });
    const rows = parse(res.text).slice(1);
    expect(rows.map((r) => r[0]).sort()).toEqual(["'+1+cmd", "'-2-cmd", "'=HYPERLINK(\"x\")", "'@SUM(A1)"]);
    expect(rows.every((r) => r[1] === '-3')).toBe(true);
    // and an import of that file gives the original text back
    const reimport = await importCsv(app, token, 'api::race.team', res.text.replace(/cmd/g, 'cmdx').replace('HYPERLINK', 'HL').replace('SUM', 'SUMX'), { dryRun: 'true' });
    expect(reimport.status).toBe(200);
  });

  it('applies the list filters, sort, delimiter, BOM and column choice', async () => {
    const res = await exportCsv(app, token, 'api::race.team', { filters: { name: { $startsWith: 'rt-' } } as any, delimiter: ';', bom: 'true', columns: 'name,score' });
    expect(res.raw.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(res.text.replace(/^\ufeff/, '').split('\r\n')[0]).toBe('name;score');
    expect(res.headers['x-total-count']).toBe('1');
    expect((await exportCsv(app, token, 'api::race.team', { columns: 'name,nope' })).status).toBe(400);
    expect((await exportCsv(app, token, 'api::race.team', { delimiter: 'x' })).status).toBe(400);
    expect((await exportCsv(app, token, 'api::race.nothing')).status).toBe(404);
  });

  it('never exports private fields, and refuses to filter on them', async () => {
    await docs('api::race.runner').create({ data: { first_name: 'Ada', last_name: 'Lovelace', identification: 'r1234567', email: 'ada@example.org', test_time_seconds: 12 } });
    const res = await exportCsv(app, token, 'api::race.runner');
    expect(res.status).toBe(200);
    const header = parse(res.text)[0];
    expect(header).toEqual(expect.arrayContaining(['first_name', 'last_name']));
    for (const hidden of ['identification', 'email', 'test_time_seconds']) expect(header).not.toContain(hidden);
    expect(res.text).not.toContain('r1234567');
    expect(res.text).not.toContain('ada@example.org');
    expect((await exportCsv(app, token, 'api::race.runner', { columns: 'email' })).status).toBe(400);
    expect((await exportCsv(app, token, 'api::race.runner', { filters: { email: { $eq: 'ada@example.org' } } as any })).status).toBe(400);
  });

  it('needs a credential, the export permission and find on the type', async () => {
    expect((await app.http().get('/api/data-exchange/api::race.team/export.csv')).status).toBe(403);
    // users-permissions role with the plugin action but not find on teams: 403; with find on teams: 200
    const user = await endUserToken(app.strapi, 'teacher');
    await grantToRole(app.strapi, 'teacher', ['plugin::data-exchange.exchange.export']);
    expect((await exportCsv(app, user.jwt, 'api::race.team')).status).toBe(403);
    await grantToRole(app.strapi, 'teacher', ['api::race.team.find']);
    expect((await exportCsv(app, user.jwt, 'api::race.team')).status).toBe(200);
    // a custom API token with find on teams but no export action: 403
    const custom = await createApiToken(app.strapi, 'custom', ['api::race.team.find']);
    expect((await exportCsv(app, custom, 'api::race.team')).status).toBe(403);
    const withExport = await createApiToken(app.strapi, 'custom', ['api::race.team.find', 'plugin::data-exchange.exchange.export']);
    expect((await exportCsv(app, withExport, 'api::race.team')).status).toBe(200);
    expect((await exportCsv(app, withExport, 'api::race.runner')).status).toBe(403);
    // a relation to a type the caller may not read is left out
    const header = parse((await exportCsv(app, withExport, 'api::race.team')).text)[0];
    expect(header).not.toContain('runners');
    const types = await app.http().get('/api/data-exchange/types').set(bearer(withExport));
    expect(types.status).toBe(403);
  });
});

describe('import', () => {
  const TEAMS = 'api::race.team';

  it('dry run reports every problem by line and column and writes nothing', async () => {
    const before = await count(app, TEAMS);
    const csv = ['name,score,happy_hours', 'dry-a,1,', 'dry-b,abc,', ',3,', 'dry-a,4,', 'dry-c,5,no such hour', 'dry-d,6,'].join('\n');
    const res = await importCsv(app, token, TEAMS, csv, { dryRun: 'true' });
    expect(res.status).toBe(400);
    const report = res.body.error.details;
    expect(report.dryRun).toBe(true);
    expect(report.problems).toEqual([
      expect.objectContaining({ line: 3, column: 'score', message: 'must be a whole number' }),
      expect.objectContaining({ line: 4, column: 'name', message: 'is required' }),
      expect.objectContaining({ line: 5, column: 'name', message: 'duplicate value (also on line 2)' }),
      expect.objectContaining({ line: 6, column: 'happy_hours', value: 'no such hour' }),
    ]);
    expect(await count(app, TEAMS)).toBe(before);
    const clean = await importCsv(app, token, TEAMS, 'name,score\ndry-x,1\ndry-y,2\n', { dryRun: 'true' });
    expect(clean.status).toBe(200);
    expect(clean.body.data).toMatchObject({ ok: true, dryRun: true, created: 2 });
    expect(await count(app, TEAMS)).toBe(before);
  });

  it('writes nothing when one row among 10,000 is bad, and names its line', async () => {
    const before = await count(app, 'api::race.university');
    const lines = ['full_name,abbreviation'];
    for (let i = 1; i <= 10000; i++) lines.push(i === 7345 ? ',NOPE' : `University ${i},U${i}`);
    const res = await importCsv(app, token, 'api::race.university', lines.join('\r\n'));
    expect(res.status).toBe(400);
    expect(res.body.error.details.problems).toEqual([expect.objectContaining({ line: 7346, column: 'full_name', message: 'is required' })]);
    expect(await count(app, 'api::race.university')).toBe(before);
  }, 300000);

  it('applies the document middlewares (runner identification) and reports their errors by line', async () => {
    const csv = 'first_name,last_name,identification\nGrace,Hopper, R7654321 \nAlan,Turing,bad-id\n';
    const res = await importCsv(app, token, 'api::race.runner', csv);
    expect(res.status).toBe(400);
    expect(res.body.error.details.problems).toEqual([expect.objectContaining({ line: 3, column: 'identification' })]);
    expect(await app.strapi.db.query('api::race.runner').count({ where: { last_name: 'Hopper' } })).toBe(0);
    const ok = await importCsv(app, token, 'api::race.runner', csv.replace('bad-id', 'r1111111'));
    expect(ok.status).toBe(200);
    const grace = await app.strapi.db.query('api::race.runner').findOne({ where: { last_name: 'Hopper' } });
    expect(grace.identification).toBe('r7654321');
  });

  it('updates by key, creates with upsert, and refuses unknown keys in update mode', async () => {
    await importCsv(app, token, TEAMS, 'name,score\nkey-a,1\nkey-b,2\n').expect(200);
    const upd = await importCsv(app, token, TEAMS, 'name,score\nkey-a,10\nkey-b,20\n', { mode: 'update', key: 'name' });
    expect(upd.body.data).toMatchObject({ ok: true, created: 0, updated: 2 });
    const missing = await importCsv(app, token, TEAMS, 'name,score\nkey-a,11\nkey-zzz,3\n', { mode: 'update', key: 'name' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.problems).toEqual([expect.objectContaining({ line: 3, column: 'name', message: expect.stringContaining('key-zzz') })]);
    const up = await importCsv(app, token, TEAMS, 'Name,Score\nkey-a,100\nkey-c,3\n', { mode: 'upsert', key: 'name' });
    expect(up.body.data).toMatchObject({ ok: true, created: 1, updated: 1 });
    const rows = await app.strapi.db.query(TEAMS).findMany({ where: { name: { $startsWith: 'key-' } }, orderBy: { name: 'asc' } });
    expect(rows.map((r: any) => [r.name, r.score])).toEqual([['key-a', 100], ['key-b', 20], ['key-c', 3]]);
    expect((await importCsv(app, token, TEAMS, 'name\nx\n', { mode: 'update', key: 'score' })).status).toBe(400);
    expect((await importCsv(app, token, TEAMS, 'name\nx\n', { mode: 'update' })).status).toBe(400);
  });

  it('maps columns explicitly and looks relations up by display field', async () => {
    const csv = 'Team name;Hour;Start;End\nmap-team;;;\n';
    const res = await importCsv(app, token, TEAMS, csv, { mapping: JSON.stringify({ 'Team name': 'name', Hour: null, Start: null, End: null }) });
    expect(res.status).toBe(200);
    expect(res.body.data.delimiter).toBe(';');
    const hh = await importCsv(app, token, 'api::race.happy-hour', 'name,starts_at,ends_at,team\nmap-hh,2026-05-01 10:00Z,2026-05-01T11:00:00Z,map-team\n');
    expect(hh.status).toBe(200);
    const row = await app.strapi.db.query('api::race.happy-hour').findOne({ where: { name: 'map-hh' }, populate: { team: true } });
    expect(row.team.name).toBe('map-team');
    expect(new Date(row.starts_at).toISOString()).toBe('2026-05-01T10:00:00.000Z');
    expect((await importCsv(app, token, TEAMS, csv, { mapping: JSON.stringify({ 'Team name': 'nope' }) })).status).toBe(400);
  });

  it('reads windows-1252 and UTF-8 with BOM, detecting the encoding', async () => {
    const latin = iconv.encode('name,score\nÉquipe Müller à Zürich,1\nCafé Señor,2\n', 'windows-1252');
    const res = await importCsv(app, token, TEAMS, latin);
    expect(res.status).toBe(200);
    expect(res.body.data.encoding).toMatch(/ISO-8859-1|windows-1252/i);
    expect(await app.strapi.db.query(TEAMS).count({ where: { name: 'Équipe Müller à Zürich' } })).toBe(1);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('name,score\nÅsa Öberg,1\n', 'utf8')]);
    const res2 = await importCsv(app, token, TEAMS, bom);
    expect(res2.status).toBe(200);
    expect(res2.body.data.mapping).toEqual({ name: 'name', score: 'score' });
    expect(await app.strapi.db.query(TEAMS).count({ where: { name: 'Åsa Öberg' } })).toBe(1);
  });

  it('removes the uploaded temp file after an import, a dry run and a refused file (Strapi removes only a field named "files")', async () => {
    const { marker, leftInTemp } = uploadMarker();
    expect((await importCsv(app, token, TEAMS, `name,score\n${marker},1\n`)).status).toBe(200);
    expect(await leftInTemp()).toEqual([]);
    expect((await importCsv(app, token, TEAMS, `name,score\n${marker}-dry,1\n`, { dryRun: 'true' })).status).toBe(200);
    expect(await leftInTemp()).toEqual([]);
    expect((await importCsv(app, token, TEAMS, `name,score\n${marker},not a number\n`)).status).toBe(400);
    expect(await leftInTemp()).toEqual([]);
  });

  it('needs the import permission and create on the type', async () => {
    expect((await importCsv(app, null, TEAMS, 'name\nanon\n')).status).toBe(403);
    const readOnly = await createApiToken(app.strapi, 'read-only');
    expect((await importCsv(app, readOnly, TEAMS, 'name\nro\n')).status).toBe(403);
    const noCreate = await createApiToken(app.strapi, 'custom', ['plugin::data-exchange.exchange.import', 'api::race.team.find']);
    expect((await importCsv(app, noCreate, TEAMS, 'name\nnc\n')).status).toBe(403);
    const canCreate = await createApiToken(app.strapi, 'custom', ['plugin::data-exchange.exchange.import', 'api::race.team.create']);
    expect((await importCsv(app, canCreate, TEAMS, 'name\ncc\n')).status).toBe(200);
    expect((await importCsv(app, canCreate, TEAMS, 'name,score\ncc,1\n', { mode: 'update', key: 'name' })).status).toBe(403);
    expect(await app.strapi.db.query(TEAMS).count({ where: { name: { $in: ['anon', 'ro', 'nc'] } } })).toBe(0);
    expect((await app.http().post(`/api/data-exchange/${TEAMS}/import`).set(bearer(token))).status).toBe(400);
  });

  it('leaves id sequences right: a document created after an import gets a fresh id', async () => {
    await importCsv(app, token, TEAMS, 'name\nseq-1\nseq-2\nseq-3\n').expect(200);
    const created = await app.http().post('/api/teams').set(bearer(token)).send({ data: { name: 'seq-after' } });
    expect(created.status).toBe(201);
    const max = await app.strapi.db.connection('race_teams').max('id as max').first();
    expect(created.body.data.id).toBe(Number(max!.max));
    if (app.strapi.db.dialect.client === 'postgres') {
      const seq = await app.strapi.db.connection.raw(`select last_value from race_teams_id_seq`);
      expect(Number(seq.rows[0].last_value)).toBe(Number(max!.max));
    }
  });
});
