/**
 * Ingestion throughput: lines/s through POST /api/ingest/logs for batches of 1, 100 and 1000 NDJSON
 * lines over keep-alive HTTP, and the generic `POST /api/log-entries` (one entry per request, API
 * token) in the same run, with ratios; then, to show where the time goes, the same 1000-line batches
 * handed straight to the bulk write path, and the database's own insert rate for such rows.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:logs-ingest
 *     [-- --seconds 5 --concurrency 4]
 * (TEST_DATABASE_URL is used when BENCH_DATABASE_URL is not set; SQLite when neither is.)
 *
 * Strapi serves the HTTP cases from its own process (bench/strapi-process.ts) and the request bodies
 * are built before the clock starts, so the load generator costs the server nothing but the sockets.
 */
import '../tests/setup/env';
import http from 'http';
import { compileStrapi } from '@strapi/strapi';
import { createApiToken, startStrapi } from '../tests/helpers/strapi';
import { parseArgs } from '../scripts/logs-cli';
import { normaliseRecord } from '../src/plugins/ingest/server/src/services/records';
import { cpuMs, request, root, startStrapiProcess } from './strapi-process';

/** Distinct bodies per batch size, sent round-robin. */
const BODIES_PER_SIZE = 16;

/** Runs `send` from `concurrency` loops for `seconds`; returns lines per second. */
async function measure(seconds: number, concurrency: number, send: () => Promise<number>): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  let lines = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline) {
        // Not `lines += await send()`: that reads `lines` before the await, and concurrent loops would
        // overwrite each other's counts (the figures of earlier runs were ~1/concurrency too low).
        const sent = await send();
        lines += sent;
      }
    }),
  );
  return lines / ((Date.now() - started) / 1000);
}

/** Line `i` of the run: its own millisecond, as real traffic has (not one timestamp per body). */
const startedAt = Date.now();
const line = (i: number) => ({ timestamp: new Date(startedAt + i).toISOString(), severity: ['INFO', 'WARN', 'ERROR'][i % 3], message: `bench line ${i} user=${i % 97} took=${i % 1000}ms`, host: 'bench-1', attributes: { i, route: '/api/orders' } });

async function main() {
  const { flags } = parseArgs(process.argv.slice(2));
  const seconds = Number(flags.seconds ?? 5);
  const concurrency = Number(flags.concurrency ?? 4);
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  process.env.TALLYBOARD_TEST_RUN = `bench${Date.now().toString(36)}`;
  process.stderr.write('[bench] compiling...\n');
  await compileStrapi({ appDir: root, ignoreDiagnostics: false });
  // In this process: the schema, the service and its tokens, and the direct (no HTTP) measurements.
  const app = await startStrapi();
  // A generous rate limit: the bench measures the write path, not the limiter.
  const limits = { INGEST_RATE_RECORDS_PER_SECOND: '1000000000', INGEST_RATE_BURST: '1000000000' };
  let server: Awaited<ReturnType<typeof startStrapiProcess>> | null = null;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  try {
    const service = await app.strapi.documents('api::logs.log-service').create({ data: { name: 'bench' } as any });
    const { token } = await app.strapi.plugin('ingest').service('logTokens').issue(service.documentId);
    const apiToken = await createApiToken(app.strapi, 'full-access');
    server = await startStrapiProcess({ ...app.db.env, ...limits });
    const target = server;
    const postgres = Boolean(process.env.TEST_DATABASE_URL);
    process.stderr.write(`[bench] ${postgres ? 'PostgreSQL' : 'SQLite'}, ${seconds} s per case, concurrency ${concurrency}\n`);

    const results: Record<string, number> = {};
    const cpuPerLine: Record<string, number> = {};
    let counter = 0;
    for (const size of [1, 100, 1000]) {
      const bodies = Array.from({ length: BODIES_PER_SIZE }, () => Array.from({ length: size }, () => JSON.stringify(line(counter++))).join('\n'));
      let next = 0;
      const cpu0 = cpuMs(target.pid);
      let lines = 0;
      results[`ingest batch ${size}`] = await measure(seconds, concurrency, async () => {
        const res = await request(agent, `${target.url}/api/ingest/logs`, {
          method: 'POST',
          headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/x-ndjson' },
          body: bodies[next++ % bodies.length],
        });
        if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${res.body.slice(0, 200)}`);
        lines += size;
        return size;
      });
      cpuPerLine[`ingest batch ${size}`] = ((cpuMs(target.pid) - cpu0) * 1000) / lines;
    }
    const genericBodies = Array.from({ length: BODIES_PER_SIZE }, () => JSON.stringify({ data: { ...line(counter++), service_name: 'bench' } }));
    let nextGeneric = 0;
    const cpuGeneric = cpuMs(target.pid);
    let genericLines = 0;
    results['generic POST /api/log-entries'] = await measure(seconds, concurrency, async () => {
      const res = await request(agent, `${target.url}/api/log-entries`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${apiToken}`, 'Content-Type': 'application/json' },
        body: genericBodies[nextGeneric++ % genericBodies.length],
      });
      if (res.status !== 201) throw new Error(`generic answered ${res.status}: ${res.body.slice(0, 200)}`);
      genericLines += 1;
      return 1;
    });
    cpuPerLine['generic POST /api/log-entries'] = ((cpuMs(target.pid) - cpuGeneric) * 1000) / genericLines;
    await server.stop();
    server = null;

    // Where the time goes: the same 1000-line batches straight into the bulk write path (records
    // already normalised, no HTTP, no JSON, no validation): the database's cost of our statements.
    const serviceRow = (await app.strapi.plugin('ingest').service('logTokens').servicesByName(['bench'])).get('bench');
    const batches = Array.from({ length: BODIES_PER_SIZE }, () =>
      Array.from({ length: 1000 }, () => normaliseRecord(line(counter++), { maxMessageLength: 1e6 }, new Date())),
    );
    let nextBatch = 0;
    results['bulk path only, batch 1000'] = await measure(seconds, concurrency, async () => {
      await app.strapi.plugin('ingest').service('logIngest').ingestLogEntries(serviceRow, batches[nextBatch++ % batches.length]);
      return 1000;
    });

    // The database's own limit for these rows: the same columns, indexes and triggers, rows generated
    // in SQL (no client data at all), 1000 rows per statement, each its own transaction.
    if (postgres) {
      const knex = app.strapi.db.connection;
      results['database limit (SQL-generated rows), 1000/stmt'] = await measure(seconds, concurrency, async () => {
        await knex.raw(
          `insert into logs_entries (document_id, service_name, "timestamp", received_at, severity, message, attributes, host, created_at, updated_at, published_at)
           select 'l' || lpad(to_hex((extract(epoch from clock_timestamp()) * 1000)::bigint), 11, '0') || substr(md5(random()::text), 1, 12),
                  'bench', now(), now(), (array['INFO','WARN','ERROR'])[1 + g % 3],
                  'bench line ' || g || ' user=' || (g % 97) || ' took=' || (g % 1000) || 'ms', jsonb_build_object('i', g, 'route', '/api/orders'),
                  'bench-1', now(), now(), now()
           from generate_series(1, 1000) g`,
        );
        return 1000;
      });
    }

    const base = results['generic POST /api/log-entries'];
    process.stdout.write('\ncase                                             lines/s     x generic   server CPU µs/line\n');
    for (const [name, perSecond] of Object.entries(results)) {
      const cpu = cpuPerLine[name] === undefined ? '' : cpuPerLine[name].toFixed(1).padStart(12);
      process.stdout.write(`${name.padEnd(47)} ${perSecond.toFixed(0).padStart(9)}   ${(perSecond / base).toFixed(1).padStart(9)}x ${cpu}\n`);
    }
    const big = results['ingest batch 1000'];
    const dbLimit = results['database limit (SQL-generated rows), 1000/stmt'];
    if (dbLimit) process.stdout.write(`\ningest batch 1000 = ${((100 * big) / dbLimit).toFixed(0)}% of the database's own insert rate for the same rows\n`);
    process.stdout.write(`\ntargets: >= 50,000 lines/s at 1000 per batch: ${big >= 50_000 ? 'met' : 'NOT met'} (${big.toFixed(0)}, ${(big / 50_000).toFixed(2)}x); ` +
      `>= 200x generic: ${big / base >= 200 ? 'met' : 'NOT met'} (${(big / base).toFixed(1)}x)\n`);
  } finally {
    agent.destroy();
    await server?.stop();
    await app.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`[bench] ${error.stack ?? error}\n`);
  process.exit(1);
});
