/**
 * data-exchange throughput, all figures from one run on one database:
 * - export: GET /api/data-exchange/api::lab.alarm/export.csv of --export-rows rows (default
 *   1,000,000) streamed over HTTP and counted by the client, with the process's RSS sampled during
 *   the download (growth over the RSS before it), beside the database's own rate reading the same
 *   rows in the same pages through knex (no CSV, no HTTP);
 * - import: POST /api/data-exchange/api::race.university/import of --import-rows rows (default
 *   100,000), checked with the admin form's rules and written by the bulk writer (the report's
 *   `writer` says which path ran), beside Strapi's one-by-one `strapi.documents().create()` rate
 *   (--generic-rows, default 2,000).
 *
 *   npx tsx bench/data-exchange.ts [-- --export-rows 1000000 --import-rows 100000 --generic-rows 2000]
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/data-exchange.ts
 *
 * Strapi and the client share this process, so the RSS figure includes the client (which keeps
 * nothing but a byte count).
 */
import '../tests/setup/env';
import http from 'http';
import path from 'path';
import { compileStrapi } from '@strapi/strapi';
import { createApiToken, startStrapi } from '../tests/helpers/strapi';
import { documentIds } from '../src/plugins/ingest/server/src/services/document-ids';

const root = path.resolve(__dirname, '..');
const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const progress = (label: string, done: number, total: number) => process.stderr.write(`\r[bench] ${label} ${done.toLocaleString()} / ${total.toLocaleString()}   `);
const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));
const fmt = (n: number) => n.toLocaleString('en-US');

async function main() {
  const exportRows = flag('export-rows', 1_000_000);
  const importRows = flag('import-rows', 100_000);
  const genericRows = flag('generic-rows', 2_000);
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  process.env.TALLYBOARD_TEST_RUN = `bench${Date.now().toString(36)}`;
  if (!process.env.BENCH_SKIP_COMPILE) {
    process.stderr.write('[bench] compiling...\n');
    await compileStrapi({ appDir: root, ignoreDiagnostics: false });
  }
  const app = await startStrapi();
  const { strapi } = app;
  const knex = strapi.db.connection;
  const dialect = strapi.db.dialect.client;
  const token = await createApiToken(strapi, 'full-access');
  const results: string[] = [];
  try {
    // ---- seed the export rows in bulk (not measured)
    const table = strapi.db.metadata.get('api::lab.alarm').tableName;
    const chunk = dialect === 'sqlite' ? 500 : 5000;
    const now = new Date();
    await knex.transaction(async (trx) => {
      for (let i = 0; i < exportRows; i += chunk) {
        const n = Math.min(chunk, exportRows - i);
        const ids = documentIds(n);
        await trx(table).insert(
          ids.map((document_id, j) => ({
            document_id,
            code: `E${(i + j) % 1000}`,
            message: `bench alarm ${i + j}: voltage out of range, =not-a-formula`,
            raised_at: new Date(now.getTime() - (i + j) * 1000),
            created_at: now,
            updated_at: now,
            published_at: now,
          })),
        );
        if ((i / chunk) % 50 === 0) progress('seeding', i + n, exportRows);
      }
    });
    process.stderr.write('\n');

    // ---- database's own rate: the same keyset pages, no CSV, no HTTP
    {
      const started = Date.now();
      let last = 0;
      let rows = 0;
      for (;;) {
        const page = await knex(table).select('id', 'document_id', 'code', 'message', 'raised_at', 'created_at', 'updated_at').where('id', '>', last).orderBy('id').limit(1000);
        if (!page.length) break;
        rows += page.length;
        last = page[page.length - 1].id;
      }
      results.push(`export  database alone (knex keyset pages of 1000): ${fmt(rate(rows, Date.now() - started))} rows/s`);
    }

    // ---- export over HTTP
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, 100);
    const started = Date.now();
    let firstByteMs = 0;
    const { bytes, lines } = await new Promise<{ bytes: number; lines: number }>((resolve, reject) => {
      const req = http.get(`${app.url}/api/data-exchange/api::lab.alarm/export.csv`, { agent: false, headers: { Authorization: `Bearer ${token}` } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`export answered ${res.statusCode}`));
        let b = 0;
        let l = 0;
        res.on('data', (c: Buffer) => {
          if (!firstByteMs) firstByteMs = Date.now() - started;
          b += c.length;
          for (let i = c.indexOf(10); i !== -1; i = c.indexOf(10, i + 1)) l++;
          if (l % 100000 < 200) progress('export', l, exportRows);
        });
        res.on('end', () => resolve({ bytes: b, lines: l }));
        res.on('error', reject);
      });
      req.on('error', reject);
    });
    const exportMs = Date.now() - started;
    clearInterval(sampler);
    process.stderr.write('\n');
    const rows = lines - 1;
    if (rows !== exportRows) throw new Error(`exported ${rows} rows, expected ${exportRows}`);
    const growth = (rssPeak - rssBefore) / 1024 / 1024;
    results.push(
      `export  data-exchange CSV over HTTP: ${fmt(rows)} rows (${fmt(Math.round(bytes / 1024 / 1024))} MB) in ${(exportMs / 1000).toFixed(1)} s = ${fmt(rate(rows, exportMs))} rows/s ` +
        `(target >= 100,000), first byte after ${firstByteMs} ms, RSS growth ${growth.toFixed(0)} MB (target <= 100)`,
    );

    // ---- Strapi's generic path: one document at a time
    {
      const docs = strapi.documents('api::race.university') as any;
      const t0 = Date.now();
      for (let i = 0; i < genericRows; i++) await docs.create({ data: { full_name: `Generic University ${i}`, abbreviation: `G${i}` } });
      const genericRate = rate(genericRows, Date.now() - t0);
      results.push(`import  Strapi documents().create() one by one (${fmt(genericRows)} rows): ${fmt(genericRate)} rows/s`);
      const uni = strapi.db.metadata.get('api::race.university').tableName;
      await knex(uni).del();
      // ---- import through data-exchange
      const csv = ['full_name,abbreviation', ...Array.from({ length: importRows }, (_, i) => `Imported University ${i},I${i}`)].join('\n');
      const t1 = Date.now();
      const report = await new Promise<any>((resolve, reject) => {
        const boundary = `bench${Date.now()}`;
        const body = Buffer.concat([
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="u.csv"\r\nContent-Type: text/csv\r\n\r\n`),
          Buffer.from(csv),
          Buffer.from(`\r\n--${boundary}--\r\n`),
        ]);
        const req = http.request(
          `${app.url}/api/data-exchange/api::race.university/import`,
          { method: 'POST', agent: false, headers: { Authorization: `Bearer ${token}`, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      const importMs = Date.now() - t1;
      if (report.status !== 200) throw new Error(`import answered ${report.status}: ${JSON.stringify(report.body).slice(0, 500)}`);
      const count = await strapi.db.query('api::race.university').count();
      const importRate = rate(count, importMs);
      // entry.create events (webhooks, audit) follow the commit in the background, as for documents().create()
      const e0 = Date.now();
      await (strapi.plugin('data-exchange').service('bulkCreate') as any).settled();
      const eventsMs = Date.now() - e0;
      results.push(
        `import  data-exchange CSV, validated, one transaction (writer: ${report.body.data.writer}): ${fmt(count)} rows in ${(importMs / 1000).toFixed(1)} s = ` +
          `${fmt(importRate)} rows/s (target >= 5,000), ${(importRate / genericRate).toFixed(2)}x Strapi's one-by-one create; ` +
          `its entry.create events done ${(eventsMs / 1000).toFixed(1)} s after the response`,
      );
    }
  } finally {
    process.stdout.write(`\n[bench] data-exchange on ${dialect}, ${new Date().toISOString()}\n${results.map((r) => `  ${r}`).join('\n')}\n`);
    await app.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
