/**
 * bench/logs-query: reading speed of the logs domain on PostgreSQL.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/logs-query.ts [--rows 10000000]
 *     [--days 7] [--duration 10] [--concurrency 16] [--reuse] [--db tallyboard_bench_logs]
 *
 * Uses its own database (--db) on the server of DATABASE_URL, recreated unless --reuse finds the same
 * row count. Rows are generated in SQL (generate_series into logs_entries and the service link table,
 * ingest order = time order as in real ingestion), then VACUUM ANALYZE. Strapi runs in a child process
 * (as in production, the load generator does not share its event loop) and is called over keep-alive
 * HTTP with a full-access API token. Targets (issue 4): filtered search pages >= 300 req/s, stats
 * over 24 h <= 200 ms. The raw SQL of the same queries, timed on a plain pg connection, is the
 * database's own limit.
 */
import { execFileSync } from 'child_process';
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import { performance } from 'perf_hooks';
import { Client } from 'pg';
import { compileStrapi, createStrapi } from '@strapi/strapi';
import { cpuMs, root, startStrapiProcess } from './strapi-process';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const ROWS = Number(arg('rows', '10000000'));
const DAYS = Number(arg('days', '7'));
const DURATION_S = Number(arg('duration', '10'));
const CONCURRENCY = Number(arg('concurrency', '16'));
const REUSE = process.argv.includes('--reuse');
const DB_NAME = arg('db', 'tallyboard_bench_logs');
const SEARCH_TARGET_RPS = 300;
const STATS_TARGET_MS = 200;

const SERVICES = ['pagos', 'pedidos', 'chat', 'usuarios', 'inventario', 'notificaciones'];
const MESSAGES = [
  'Pago aprobado', 'Pago rechazado: fondos insuficientes', 'Timeout contacting bank', 'Pedido creado',
  'Pedido enviado', 'Usuario conectado al chat', 'Mensaje entregado', 'Stock actualizado',
  'Connection reset by peer', 'Retrying request', 'Cache miss for key', 'Notification queued',
];

const log = (s: string) => process.stdout.write(`${s}\n`);
const sql = (s: string) => s.replace(/'/g, "''");

function benchUrl(): string {
  const base = process.env.DATABASE_URL;
  if (!base || !/^postgres(ql)?:/.test(base)) throw new Error('Set DATABASE_URL=postgres://... (this bench runs on PostgreSQL).');
  const url = new URL(base);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Bulk rows in SQL, 1M per statement, secondary indexes dropped during the load and rebuilt after. */
async function generateRows(url: string) {
  await withClient(url, async (c) => {
    await c.query('SET synchronous_commit = off');
    await c.query("SET maintenance_work_mem = '512MB'");
    const { rows: indexes } = await c.query(
      // Plain indexes only: those backing a constraint (primary key, unique) stay.
      `SELECT i.relname AS indexname, pg_get_indexdef(i.oid) AS indexdef
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = 'logs_entries'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)`,
    );
    for (const ix of indexes) await c.query(`DROP INDEX IF EXISTS "${ix.indexname}"`);
    // TRUNCATE fires no row triggers: the per-minute rollup is emptied with the entries, then the
    // statement-level insert trigger refills it as the rows go in.
    await c.query('TRUNCATE logs_entries, logs_rollup_minutes RESTART IDENTITY');
    const spanMs = DAYS * 86_400_000;
    const services = `ARRAY[${SERVICES.map((s) => `'${sql(s)}'`).join(',')}]`;
    const messages = `ARRAY[${MESSAGES.map((s) => `'${sql(s)}'`).join(',')}]`;
    const started = performance.now();
    const chunk = 1_000_000;
    for (let lo = 1; lo <= ROWS; lo += chunk) {
      const hi = Math.min(ROWS, lo + chunk - 1);
      // Time grows with g (ingest order), whole milliseconds like every other writer; weighted severities.
      await c.query(`
        INSERT INTO logs_entries (document_id, service_name, "timestamp", received_at, severity, message, attributes, host, created_at, updated_at, published_at)
        SELECT 'b' || lpad(to_hex(g), 23, '0'),
               (${services})[1 + floor(random() * ${SERVICES.length})::int],
               ts, ts + interval '40 milliseconds',
               CASE WHEN r < 0.20 THEN 'DEBUG' WHEN r < 0.75 THEN 'INFO' WHEN r < 0.90 THEN 'WARN' WHEN r < 0.98 THEN 'ERROR' ELSE 'FATAL' END,
               (${messages})[1 + floor(random() * ${MESSAGES.length})::int],
               jsonb_build_object('code', (ARRAY[200, 201, 404, 500])[1 + floor(random() * 4)::int], 'region', (ARRAY['eu', 'us', 'sa'])[1 + floor(random() * 3)::int]),
               'web-' || (g % 8), now(), now(), now()
        FROM (
          SELECT g, random() AS r,
                 date_trunc('milliseconds', (now() at time zone 'utc') - ((${ROWS} - g) * ${spanMs / ROWS}::float8 + floor(random() * 1000)) * interval '1 millisecond') AS ts
          FROM generate_series(${lo}, ${hi}) AS g
        ) s`);
      process.stdout.write(`\r  generated ${hi.toLocaleString('en')} / ${ROWS.toLocaleString('en')} rows`);
    }
    const loaded = performance.now();
    for (const ix of indexes) await c.query(ix.indexdef);
    const indexed = performance.now();
    await c.query('VACUUM ANALYZE logs_entries');
    log(`\n  rows in ${((loaded - started) / 1000).toFixed(1)} s, ${indexes.length} indexes rebuilt in ${((indexed - loaded) / 1000).toFixed(1)} s, vacuum analyze ${((performance.now() - indexed) / 1000).toFixed(1)} s`);
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function get(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/** Keep-alive load: CONCURRENCY workers request for DURATION_S; returns req/s and latency percentiles. */
async function load(url: string, token: string) {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + DURATION_S * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        const res = await get(url, token);
        if (res.status >= 300) errors++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { rps: latencies.length / DURATION_S, p50: pct(latencies, 50), p95: pct(latencies, 95), errors, n: latencies.length };
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function timeSql(url: string, text: string, values: unknown[], runs: number) {
  return withClient(url, async (c) => {
    await c.query(text, values); // warm
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await c.query(text, values);
      times.push(performance.now() - t);
    }
    const plan = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
    return { p50: pct(times, 50), p95: pct(times, 95), plan: plan.rows.map((r: any) => r['QUERY PLAN']).join('\n') };
  });
}

async function main() {
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';
  process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';
  process.env.CRON_ENABLED = 'false';
  // .env (random secrets, created on first run) as `strapi develop` would load it; set variables win.
  execFileSync(process.execPath, [path.join(root, 'scripts', 'prepare-env.js')], { cwd: root, stdio: 'inherit' });
  for (const line of fs.readFileSync(path.join(root, '.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
  }
  process.env.HOST = '127.0.0.1';
  const url = benchUrl();
  const load1 = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  log(`bench/logs-query: ${ROWS.toLocaleString('en')} rows over ${DAYS} days, database ${DB_NAME}, ${CONCURRENCY} keep-alive connections, ${DURATION_S} s per scenario; ${os.cpus().length} CPUs, load average ${load1} at start`);

  let fresh = !REUSE;
  await withClient(process.env.DATABASE_URL!, async (c) => {
    const exists = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME])).rowCount;
    if (exists && !REUSE) await c.query(`DROP DATABASE "${DB_NAME}" WITH (FORCE)`);
    if (!exists || !REUSE) {
      await c.query(`CREATE DATABASE "${DB_NAME}"`);
      fresh = true;
    }
  });

  // Setup in-process: schema sync, services, API token, the SQL of the measured queries.
  process.env.DATABASE_URL = url;
  process.env.DATABASE_CLIENT = 'postgres';
  const ctx = await compileStrapi();
  const strapi = await createStrapi({ ...ctx, autoReload: false, serveAdminPanel: false }).load();
  for (const name of SERVICES) {
    if (!(await strapi.db.query('api::logs.log-service').findOne({ where: { name } }))) {
      await strapi.documents('api::logs.log-service').create({ data: { name } as any });
    }
  }
  const count = Number((await strapi.db.connection('logs_entries').count({ c: '*' }))[0].c);
  if (fresh || count !== ROWS) {
    log(`generating ${ROWS.toLocaleString('en')} rows (found ${count.toLocaleString('en')})...`);
    await generateRows(url);
  } else {
    log(`reusing ${count.toLocaleString('en')} rows`);
  }
  const token = (
    await (strapi.service('admin::api-token-content-api') as any).create({
      name: `bench-${Date.now()}`,
      type: 'full-access',
      lifespan: null,
    })
  ).accessKey as string;
  const svc = strapi.service('api::logs.log-query') as any;

  const searches: Array<{ name: string; query: string }> = [
    { name: 'newest page (no filter)', query: 'limit=100' },
    { name: 'service + minSeverity WARN, 24 h', query: 'service=pagos&minSeverity=WARN&from=-24h&limit=100' },
    { name: 'severity ERROR,FATAL, 1 h', query: 'severity=ERROR,FATAL&from=-1h&limit=100' },
    { name: 'two services + text q, 24 h', query: 'service=chat,pedidos&q=timeout&from=-24h&limit=100' },
    { name: 'attribute code=500 + service', query: 'attr.code=500&service=usuarios&limit=100' },
  ];
  // A second page of the service filter: the cursor comes from a real first page.
  const first = await svc.search(svc.parseFilters(Object.fromEntries(new URLSearchParams(searches[1].query))));
  searches.push({ name: 'service + minSeverity, page 2 (cursor)', query: `${searches[1].query}&cursor=${first.meta.nextCursor}` });

  const rawSearch = searches.map((s) => svc.searchQuery(svc.parseFilters(Object.fromEntries(new URLSearchParams(s.query)))).toSQL().toNative());
  const statsFilters = svc.parseFilters({ from: '-24h' });
  const statsPlan = svc.statsQuery(statsFilters);
  // The same stats as one scan of the entries (the path before the rollup, and the one text filters take).
  const scanStats = svc.statsQuery(statsFilters, Date.now(), { rollup: false }).queries[0].toSQL().toNative();
  const rollupStats = statsPlan.queries.map((q: any) => q.toSQL().toNative());
  const inWindow = Number((await strapi.db.connection('logs_entries').where('timestamp', '>=', statsPlan.from).count({ c: '*' }))[0].c);
  await strapi.destroy();

  log('starting Strapi in a child process...');
  const child = await startStrapiProcess({
    DATABASE_URL: url,
    DATABASE_CLIENT: 'postgres',
    LOG_LEVEL: 'warn',
    CRON_ENABLED: 'false',
    NODE_ENV: process.env.NODE_ENV ?? 'production',
  });
  try {
    log(`\nrows in the last 24 h: ${inWindow.toLocaleString('en')}\n`);
    log('filtered search pages over HTTP (target >= 300 req/s)');
    log('  Strapi CPU ms/req = CPU time of the Strapi process / requests; 1000 / that = req/s one core could serve.');
    log('  scenario                                  req/s   ratio   p50 ms  p95 ms  errors  Strapi CPU ms/req | raw SQL p50 ms');
    const searchResults: number[] = [];
    // Baselines: Strapi's floor without auth and with the same token on a core route of a tiny table.
    const scenarios = [
      ...searches,
      { name: 'baseline: GET /api/log-services (core)', query: '', path: '/api/log-services?pagination[pageSize]=10' },
      { name: 'baseline: GET /_health (no auth)', query: '', path: '/_health' },
    ];
    for (let i = 0; i < scenarios.length; i++) {
      const s = scenarios[i] as { name: string; query: string; path?: string };
      const target = s.path ? `${child.url}${s.path}` : `${child.url}/api/logs/search?${s.query}`;
      const probe = await get(target, token);
      if (probe.status !== (s.path === '/_health' ? 204 : 200)) throw new Error(`${s.name}: HTTP ${probe.status} ${probe.body.slice(0, 300)}`);
      const cpu0 = cpuMs(child.pid);
      const r = await load(target, token);
      const cpuPerReq = (cpuMs(child.pid) - cpu0) / r.n;
      const raw = rawSearch[i] ? await timeSql(url, rawSearch[i].sql, rawSearch[i].bindings, 20) : null;
      if (!s.path) searchResults.push(r.rps);
      log(
        `  ${s.name.padEnd(40)} ${r.rps.toFixed(0).padStart(6)}  ${(r.rps / SEARCH_TARGET_RPS).toFixed(2).padStart(5)}x  ${r.p50.toFixed(1).padStart(6)}  ${r.p95.toFixed(1).padStart(6)}  ${String(r.errors).padStart(6)}  ${cpuPerReq.toFixed(2).padStart(8)} | ${raw ? raw.p50.toFixed(2) : '-'}`,
      );
      if (raw && process.argv.includes('--explain')) log(raw.plan);
    }

    log('\nstats over 24 h over HTTP, sequential (target <= 200 ms)');
    const statsUrl = `${child.url}/api/logs/stats?from=-24h`;
    const times: number[] = [];
    let body = '';
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      const res = await get(statsUrl, token);
      if (res.status !== 200) throw new Error(`stats: HTTP ${res.status} ${res.body.slice(0, 300)}`);
      if (i > 0) times.push(performance.now() - t); // first = warm-up
      body = res.body;
    }
    const parsed = JSON.parse(body);
    const raw = await timeSql(url, scanStats.sql, scanStats.bindings, 10);
    const parts = [];
    for (const q of rollupStats) parts.push(await timeSql(url, q.sql, q.bindings, 10));
    const rollupP50 = parts.reduce((sum, p) => sum + p.p50, 0);
    const p50 = pct(times, 50);
    const p95 = pct(times, 95);
    log(`  total ${parsed.total.toLocaleString('en')} rows, ${parsed.histogram.buckets.length} buckets of ${parsed.histogram.bucketSeconds} s`);
    log(`  HTTP p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms; ratio target/p95 ${(STATS_TARGET_MS / p95).toFixed(2)}x (>= 1 meets the target)`);
    log(`  SQL of the stats (rollup for whole minutes + entries for the partial ones${statsPlan.usesRollup ? '' : '; NOT used here'}): p50 ${rollupP50.toFixed(1)} ms`);
    log(`  SQL of the same stats as one scan of the entries: p50 ${raw.p50.toFixed(0)} ms, p95 ${raw.p95.toFixed(0)} ms; rollup ${(raw.p50 / rollupP50).toFixed(1)}x faster`);
    if (process.argv.includes('--explain')) log([raw.plan, ...parts.map((p) => p.plan)].join('\n\n'));

    const minRps = Math.min(...searchResults);
    log('\nsummary');
    log(`  rows ${ROWS.toLocaleString('en')}; slowest filtered search ${minRps.toFixed(0)} req/s = ${(minRps / SEARCH_TARGET_RPS).toFixed(2)}x target (${minRps >= SEARCH_TARGET_RPS ? 'met' : 'MISSED'})`);
    log(`  stats 24 h p95 ${p95.toFixed(0)} ms = ${(STATS_TARGET_MS / p95).toFixed(2)}x target (${p95 <= STATS_TARGET_MS ? 'met' : 'MISSED'})`);
  } finally {
    agent.destroy();
    await child.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
