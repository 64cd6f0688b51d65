/**
 * Ingestion throughput on PostgreSQL: lines/s through POST /api/ingest/logs for batches of 1, 100 and
 * 1000 lines over keep-alive HTTP, and the generic `POST /api/log-entries` (one entry per request, API
 * token) in the same run, with ratios. Boots Strapi from this checkout on a fresh database.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:logs-ingest
 *     [-- --seconds 5 --concurrency 4]
 * (TEST_DATABASE_URL is used when BENCH_DATABASE_URL is not set; SQLite when neither is.)
 */
import '../tests/setup/env';
import http from 'http';
import path from 'path';
import { compileStrapi } from '@strapi/strapi';
import { createApiToken, startStrapi } from '../tests/helpers/strapi';
import { parseArgs } from '../scripts/logs-cli';
import { normaliseRecord } from '../src/plugins/ingest/server/src/services/records';

const root = path.resolve(__dirname, '..');
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.on('socket', (socket) => socket.setNoDelay(true));
    req.end(body);
  });
}

/** Runs `send` from `concurrency` loops for `seconds`; returns lines per second. */
async function measure(seconds: number, concurrency: number, send: () => Promise<number>): Promise<{ lines: number; perSecond: number }> {
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  let lines = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) lines += await send();
    }),
  );
  const elapsed = (Date.now() - started) / 1000;
  return { lines, perSecond: lines / elapsed };
}

const line = (i: number) => ({ timestamp: new Date().toISOString(), severity: ['INFO', 'WARN', 'ERROR'][i % 3], message: `bench line ${i} user=${i % 97} took=${i % 1000}ms`, host: 'bench-1', attributes: { i, route: '/api/orders' } });

async function main() {
  const { flags } = parseArgs(process.argv.slice(2));
  const seconds = Number(flags.seconds ?? 5);
  const concurrency = Number(flags.concurrency ?? 2);
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  process.env.TALLYBOARD_TEST_RUN = `bench${Date.now().toString(36)}`;
  process.stderr.write('[bench] compiling...\n');
  await compileStrapi({ appDir: root, ignoreDiagnostics: false });
  const app = await startStrapi();
  try {
    // A generous rate limit: the bench measures the write path, not the limiter.
    app.strapi.config.set('plugin::ingest.rate', { recordsPerSecond: 1e9, burst: 1e9 });
    const service = await app.strapi.documents('api::logs.log-service').create({ data: { name: 'bench' } as any });
    const { token } = await app.strapi.plugin('ingest').service('logTokens').issue(service.documentId);
    const apiToken = await createApiToken(app.strapi, 'full-access');
    process.stderr.write(`[bench] ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}, ${seconds} s per case, concurrency ${concurrency}\n`);

    const results: Record<string, number> = {};
    let counter = 0;
    for (const size of [1, 100, 1000]) {
      const body = () => Array.from({ length: size }, () => JSON.stringify(line(counter++))).join('\n');
      const r = await measure(seconds, concurrency, async () => {
        const res = await post(`${app.url}/api/ingest/logs`, { Authorization: `Token ${token}`, 'Content-Type': 'application/x-ndjson' }, body());
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${res.body.slice(0, 200)}`);
        return size;
      });
      results[`ingest batch ${size}`] = r.perSecond;
    }
    const generic = await measure(seconds, concurrency, async () => {
      const data = { ...line(counter++), service: service.documentId };
      const res = await post(`${app.url}/api/log-entries`, { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' }, JSON.stringify({ data }));
      if (res.status !== 201) throw new Error(`generic answered ${res.status}: ${res.body.slice(0, 200)}`);
      return 1;
    });
    results['generic POST /api/log-entries'] = generic.perSecond;

    // Where the time goes: the same 1000-line batches straight into the bulk write path (records
    // already normalised, no HTTP, no JSON, no validation): the database's cost of our statements.
    const serviceRow = (await app.strapi.plugin('ingest').service('logTokens').servicesByName(['bench'])).get('bench');
    const normalised = Array.from({ length: 1000 }, (_, i) => normaliseRecord(line(i), { maxMessageLength: 1e6 }, new Date()));
    const direct = await measure(seconds, concurrency, async () => {
      await app.strapi.plugin('ingest').service('logIngest').ingestLogEntries(serviceRow, normalised);
      return normalised.length;
    });
    results['bulk path only, batch 1000'] = direct.perSecond;

    // The database's own limit for these rows: the same columns, link rows and triggers, generated in
    // SQL (no client data at all), 1000 rows per statement.
    if (process.env.TEST_DATABASE_URL) {
      const knex = app.strapi.db.connection;
      const joinTable = (app.strapi.db.metadata.get('api::logs.log-entry').attributes as any).service.joinTable;
      const limit = await measure(seconds, concurrency, async () => {
        await knex.raw(
          `with ins as (
             insert into logs_entries (document_id, service_name, "timestamp", received_at, severity, message, attributes, host, created_at, updated_at, published_at)
             select substr(md5(random()::text), 1, 24), 'bench', now(), now(), (array['INFO','WARN','ERROR'])[1 + g % 3],
                    'bench line ' || g || ' user=' || (g % 97) || ' took=' || (g % 1000) || 'ms', jsonb_build_object('i', g, 'route', '/api/orders'),
                    'bench-1', now(), now(), now()
             from generate_series(1, 1000) g
             returning id
           )
           insert into ?? (??, ??, ??) select id, ?, id from ins`,
          [joinTable.name, joinTable.joinColumn.name, joinTable.inverseJoinColumn.name, joinTable.inverseOrderColumnName, serviceRow.id],
        );
        return 1000;
      });
      results['database limit (SQL-generated rows), 1000/stmt'] = limit.perSecond;
    }

    const base = results['generic POST /api/log-entries'];
    process.stdout.write('\ncase                                             lines/s     x generic\n');
    for (const [name, perSecond] of Object.entries(results)) {
      process.stdout.write(`${name.padEnd(47)} ${perSecond.toFixed(0).padStart(9)}   ${(perSecond / base).toFixed(1).padStart(9)}x\n`);
    }
    const big = results['ingest batch 1000'];
    const dbLimit = results['database limit (SQL-generated rows), 1000/stmt'];
    if (dbLimit) process.stdout.write(`\ningest batch 1000 = ${((100 * big) / dbLimit).toFixed(0)}% of the database's own insert rate for the same rows\n`);
    process.stdout.write(`\ntargets: >= 50,000 lines/s at 1000 per batch: ${big >= 50_000 ? 'met' : 'NOT met'} (${big.toFixed(0)}); ` +
      `>= 200x generic: ${big / base >= 200 ? 'met' : 'NOT met'} (${(big / base).toFixed(1)}x)\n`);
  } finally {
    agent.destroy();
    await app.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`[bench] ${error.stack ?? error}\n`);
  process.exit(1);
});
