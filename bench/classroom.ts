/**
 * Notebook snapshots parsed and stored per second: 10,000 generated notebooks of 50 graded cells each
 * posted to POST /api/ingest/classroom/snapshots (batches of --batch, --concurrency requests in
 * flight), against, in the same run, the generic path (the REST API: one POST /api/notebook-snapshots
 * plus 50 POST /api/problem-results per notebook), the plugin's service without HTTP, and the parser
 * alone. Target (issue 8): >= 500 notebooks/s.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:classroom
 *     [-- --notebooks 10000 --batch 100 --concurrency 2 --generic 20]
 * (TEST_DATABASE_URL is used when BENCH_DATABASE_URL is not set; SQLite when neither is.)
 */
import '../tests/setup/env';
import http from 'http';
import { compileStrapi } from '@strapi/strapi';
import { createApiToken, startStrapi } from '../tests/helpers/strapi';
import { notebook } from '../tests/classroom/helpers';
import { parseNotebook, OUTCOMES } from '../src/plugins/ingest/server/src/services/notebook-parser';
import { cpuMs, request, root, startStrapiProcess } from './strapi-process';

const CELLS = 50;
const STUDENTS = 200;

function flags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) if (argv[i].startsWith('--')) out[argv[i].slice(2)] = argv[i + 1] ?? '';
  return out;
}

/** Deterministic outcomes so every run posts the same notebooks (distinct per index). */
function outcomes(i: number): string[] {
  let x = (i + 1) * 2654435761;
  return Array.from({ length: CELLS }, () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return OUTCOMES[x % OUTCOMES.length];
  });
}

const snapshot = (i: number, startedAt: number) => ({
  uid: `s${String(i % STUDENTS).padStart(4, '0')}`,
  path: `ps${1 + (Math.floor(i / STUDENTS) % 10)}/problem${1 + Math.floor(i / (STUDENTS * 10))}.ipynb`,
  taken_at: new Date(startedAt - 10_000_000 + i * 1000).toISOString(),
  content: notebook(outcomes(i)),
});

async function main() {
  const f = flags(process.argv.slice(2));
  const total = Number(f.notebooks ?? 10_000);
  const batch = Number(f.batch ?? 100);
  const concurrency = Number(f.concurrency ?? 2);
  const genericCount = Number(f.generic ?? 20);
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  process.env.TALLYBOARD_TEST_RUN = `bench${Date.now().toString(36)}`;
  process.env.CYCLER_BRIDGE_ENABLED = 'false';
  process.stderr.write('[bench] compiling...\n');
  await compileStrapi({ appDir: root, ignoreDiagnostics: process.env.BENCH_IGNORE_TS_ERRORS === "1" });
  const app = await startStrapi();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let server: Awaited<ReturnType<typeof startStrapiProcess>> | null = null;
  try {
    const csv = ['uid,notebooks,real_name', ...Array.from({ length: STUDENTS }, (_, i) => `s${String(i).padStart(4, '0')},home/s${i}/notebooks,Student ${i}`)].join('\n');
    await app.strapi.plugin('ingest').service('classroomStudents').importCsv(csv);
    const token = await createApiToken(app.strapi, 'full-access');
    server = await startStrapiProcess({ ...app.db.env, CYCLER_BRIDGE_ENABLED: 'false' });
    const target = server;
    const postgres = Boolean(process.env.TEST_DATABASE_URL);
    const startedAt = Date.now();

    // Everything generated before any clock starts.
    const all = Array.from({ length: total + 2 * genericCount + 1000 }, (_, i) => snapshot(i, startedAt));
    const httpItems = all.slice(0, total);
    const bodies: string[] = [];
    for (let i = 0; i < httpItems.length; i += batch) bodies.push(JSON.stringify({ snapshots: httpItems.slice(i, i + batch) }));
    const mb = bodies.reduce((n, b) => n + b.length, 0) / 1e6;
    process.stderr.write(`[bench] ${postgres ? 'PostgreSQL' : 'SQLite'}: ${total} notebooks x ${CELLS} graded cells, ${bodies.length} requests of ${batch} (${mb.toFixed(1)} MB), concurrency ${concurrency}\n`);

    // 1. The ingest route over HTTP.
    let next = 0;
    let stored = 0;
    const cpu0 = cpuMs(target.pid);
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          const res = await request(agent, `${target.url}/api/ingest/classroom/snapshots`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
            body,
          });
          if (res.status !== 200) throw new Error(`ingest: ${res.status} ${res.body.slice(0, 300)}`);
          const got = JSON.parse(res.body);
          if (got.rejected.length) throw new Error(`ingest rejected: ${JSON.stringify(got.rejected[0])}`);
          const n = got.stored;
          stored += n;
        }
      }),
    );
    const httpSeconds = (Date.now() - t0) / 1000;
    const httpRate = stored / httpSeconds;
    const cpuPer = (cpuMs(target.pid) - cpu0) / stored;
    const results = await app.strapi.db.query('api::classroom.problem-result').count({});
    if (stored !== total || results !== total * CELLS) throw new Error(`stored ${stored} snapshots, ${results} results; expected ${total}, ${total * CELLS}`);

    // 1b. The database's own limit for the same rows: per notebook one snapshot (same columns, indexes
    // and unique version_key), its student link and 50 problem results, generated in SQL (no client
    // data, no parsing), `batch` notebooks per statement, `concurrency` statements in flight, each its
    // own transaction: what the ingest route would reach if Strapi and HTTP cost nothing.
    let dbLimitRate: number | null = null;
    if (postgres) {
      const knex = app.strapi.db.connection;
      const meta = (uid: string) => app.strapi.db.metadata.get(uid as any) as any;
      const snapshotsTable = meta('api::classroom.notebook-snapshot').tableName;
      const link = meta('api::classroom.notebook-snapshot').attributes.student.joinTable;
      const resultsTable = meta('api::classroom.problem-result').tableName;
      const resultSnapshot = meta('api::classroom.problem-result').attributes.snapshot.joinColumn.name;
      const studentId = (await knex(meta('api::classroom.student').tableName).first('id')).id;
      const statements = Math.ceil(Math.min(total, 2_000) / batch);
      let done = 0;
      let issued = 0;
      const l0 = Date.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (issued < statements) {
            const n = issued++;
            await knex.raw(
              `with snaps as (
                 insert into ?? (document_id, path, taken_at, sha_256, size, version_key, is_latest,
                                 code_ok, code_display, code_stream, code_error, code_empty, code_not_run, created_at, updated_at, published_at)
                 select 'l' || substr(md5(random()::text), 1, 23), 'dblimit/' || ? || '-' || g || '.ipynb', now(), md5(random()::text) || md5(random()::text),
                        14000, md5(random()::text) || md5(random()::text), true, 9, 9, 8, 8, 8, 8, now(), now(), now()
                 from generate_series(1, ?) g
                 returning id
               ), links as (
                 insert into ?? (??, ??${link.inverseOrderColumnName ? ', ??' : ''})
                 select id, ?${link.inverseOrderColumnName ? ', 1' : ''} from snaps
               )
               insert into ?? (document_id, grade_id, outcome, ??, created_at, updated_at, published_at)
               select 'l' || substr(md5(random()::text), 1, 23), 'problem-' || c, (array['ok','display','stream','error','empty','not_run'])[1 + c % 6], snaps.id, now(), now(), now()
               from snaps cross join generate_series(1, ?) c`,
              [snapshotsTable, n, batch, link.name, link.joinColumn.name, link.inverseJoinColumn.name, ...(link.inverseOrderColumnName ? [link.inverseOrderColumnName] : []), studentId, resultsTable, resultSnapshot, CELLS],
            );
            done += batch;
          }
        }),
      );
      dbLimitRate = done / ((Date.now() - l0) / 1000);
    }

    // 2. Generic path: the REST API, one snapshot then one request per problem result.
    const genericItems = all.slice(total, total + genericCount);
    const students = new Map<string, string>((await app.strapi.db.query('api::classroom.student').findMany({ select: ['uid', 'documentId'] })).map((s: any) => [s.uid, s.documentId]));
    const auth = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };
    const g0 = Date.now();
    for (const item of genericItems) {
      const parsed = parseNotebook(item.content);
      const res = await request(agent, `${target.url}/api/notebook-snapshots`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ data: { student: students.get(item.uid), path: item.path, taken_at: item.taken_at, sha256: 'x'.repeat(64), ...parsed.counts } }),
      });
      if (res.status !== 201) throw new Error(`generic snapshot: ${res.status} ${res.body.slice(0, 300)}`);
      const documentId = JSON.parse(res.body).data.documentId;
      for (const r of parsed.results) {
        const rr = await request(agent, `${target.url}/api/problem-results`, { method: 'POST', headers: auth, body: JSON.stringify({ data: { snapshot: documentId, ...r } }) });
        if (rr.status !== 201) throw new Error(`generic result: ${rr.status} ${rr.body.slice(0, 300)}`);
      }
    }
    const genericRate = genericItems.length / ((Date.now() - g0) / 1000);

    // 3. The service without HTTP (parse + validate + store), in this process.
    const direct = all.slice(total + genericCount, total + genericCount + 1000);
    const service = app.strapi.plugin('ingest').service('notebookSnapshots');
    const d0 = Date.now();
    for (let i = 0; i < direct.length; i += batch) await service.ingestSnapshots(direct.slice(i, i + batch), { maxFileBytes: 1e7 });
    const directRate = direct.length / ((Date.now() - d0) / 1000);

    // 4. The parser alone.
    const p0 = Date.now();
    for (const item of httpItems) parseNotebook(item.content);
    const parseRate = httpItems.length / ((Date.now() - p0) / 1000);

    const fmt = (n: number) => (n < 10 ? n.toFixed(2) : Math.round(n).toLocaleString('en-US'));
    const rows: Array<[string, number]> = [
      [`ingest route, batch ${batch}, concurrency ${concurrency}`, httpRate],
      ['generic REST (1 + 50 requests per notebook)', genericRate],
      [`plugin service without HTTP, batch ${batch}`, directRate],
      ['parser alone (JSON.parse + rule)', parseRate],
      ...(dbLimitRate === null ? [] : [[`database limit (SQL-generated rows), batch ${batch}`, dbLimitRate] as [string, number]]),
    ];
    process.stdout.write(`\nclassroom snapshots on ${postgres ? 'PostgreSQL' : 'SQLite'} (${new Date().toISOString()})\n`);
    for (const [name, rate] of rows) process.stdout.write(`${name.padEnd(52)} ${fmt(rate).padStart(9)} notebooks/s  ${(rate / genericRate).toFixed(1).padStart(7)}x generic\n`);
    process.stdout.write(`Strapi CPU per notebook on the ingest route: ${cpuPer.toFixed(2)} ms; ${fmt(httpRate * CELLS)} problem results/s\n`);
    if (dbLimitRate !== null) process.stdout.write(`ingest route = ${((100 * httpRate) / dbLimitRate).toFixed(0)}% of the database's own rate for the same rows\n`);
    process.stdout.write(`target >= 500 notebooks/s: ${(httpRate / 500).toFixed(2)}x (${httpRate >= 500 ? 'met' : 'NOT met'})\n`);
  } finally {
    agent.destroy();
    await server?.stop();
    await app.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
