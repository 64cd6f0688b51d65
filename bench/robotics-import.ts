/**
 * Robotics log import speed (issue 7: >= 100,000 lines/s for a generated 1M-line v1 log on PostgreSQL).
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:robotics-import [-- --lines 1000000]
 *
 * (TEST_DATABASE_URL is used when BENCH_DATABASE_URL is not set; SQLite when neither is.) Boots Strapi on
 * a fresh database, generates the log in memory before any clock starts, then measures in one run:
 *  1. the import (parse, join, placeholders, bulk writes, report: what the CLI, the upload and the API
 *     route call), lines/s until its commit, and until the simulations' relations are linked too (the
 *     link rows are written by SQL after the commit); queries counted, and with `--cpu-profile <file>`
 *     a CPU profile of this call alone (open it in Chrome DevTools);
 *  2. the parser alone;
 *  3. the generic path: the same simulations created one by one through the Document Service;
 *  4. the database's own limit: the same number of simulation rows, then their link rows, generated
 *     inside the database by one INSERT ... SELECT each (no client, no parsing), timed apart;
 * and re-imports the file to show the idempotent path's cost.
 */
import '../tests/setup/env';
import crypto from 'crypto';
import fs from 'fs';
import inspector from 'inspector';
import { compileStrapi } from '@strapi/strapi';
import { startStrapi, root } from '../tests/helpers/strapi';
import { parseRoboticsLog } from '../src/plugins/ingest/server/src/services/robotics-parser';

const flags = (args: string[]) => Object.fromEntries(args.flatMap((a, i) => (a.startsWith('--') ? [[a.slice(2), args[i + 1]]] : [])));
const pad = (n: number) => String(n).padStart(2, '0');
const stamp = (ms: number) => {
  // Written in UTC wall-clock; the bench imports with timeZone UTC.
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
};

/** A v1 log of `lines` lines: simulations of 1,000 users on 50 exercises and 10 hosts, 0.1 % errors. */
export function generateV1Log(lines: number): Buffer {
  const errors = Math.floor(lines / 1000);
  const simulations = Math.floor((lines - errors) / 2);
  const base = Date.UTC(2019, 0, 1);
  const events: Array<[number, string]> = [];
  for (let k = 0; k < simulations; k++) {
    const start = base + k * 2000;
    const end = start + (60 + ((k * 7919) % 3600)) * 1000;
    const container = crypto.createHash('sha256').update(String(k)).digest('hex');
    const fields = `user${k % 1000} 10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255} ${k % 3 ? 'simulator' : 'real'} exercise_${k % 50} 212.128.255.${k % 10} ${container}`;
    events.push([start, `New Simulation ==> ${stamp(start)}: ${fields}`], [end, `End Simulation ==> ${stamp(end)}: ${fields}`]);
  }
  events.sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  const every = Math.max(1, Math.floor(events.length / Math.max(1, errors)));
  events.forEach(([, line], i) => {
    out.push(line);
    if (i % every === every - 1 && out.length < lines) out.push('Error ==> 500 Internal Server Error');
  });
  while (out.length < lines) out.push('Error ==> 500 Internal Server Error');
  return Buffer.from(`${out.slice(0, lines).join('\n')}\n`);
}

async function main() {
  const f = flags(process.argv.slice(2));
  const lines = Number(f.lines ?? 1_000_000);
  const genericCount = Number(f.generic ?? 300);
  if (process.env.BENCH_DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.BENCH_DATABASE_URL;
  process.env.TALLYBOARD_TEST_RUN = `bench${Date.now().toString(36)}`;
  process.env.CYCLER_BRIDGE_ENABLED = 'false';
  process.env.ROBOTICS_LOG_TIMEZONE = 'UTC';
  process.stderr.write('[bench] compiling...\n');
  await compileStrapi({ appDir: root, ignoreDiagnostics: false });
  const app = await startStrapi();
  const postgres = Boolean(process.env.TEST_DATABASE_URL);
  const knex = app.strapi.db.connection;
  const service = app.strapi.plugin('ingest').service('roboticsImport');
  try {
    const log = generateV1Log(lines);
    process.stderr.write(`[bench] ${postgres ? 'PostgreSQL' : 'SQLite'}: generated v1 log of ${lines} lines (${(log.length / 1e6).toFixed(1)} MB)\n`);

    // 2. Parser alone (first, so the import below does not warm it up for free).
    const p0 = Date.now();
    const parsed = parseRoboticsLog(log, 'log.txt', 0, { timeZone: 'UTC', anonymousNames: ['AnonymousUser'], containerPlaceholder: /^\[/ });
    const parseSeconds = (Date.now() - p0) / 1000;
    if (parsed.malformed.length) throw new Error(`generator wrote malformed lines: ${JSON.stringify(parsed.malformed[0])}`);

    // 1. The import (with --cpu-profile <file>: a CPU profile of this call alone; queries counted).
    let lastWrite = '';
    let queries = 0;
    const countQuery = () => queries++;
    knex.client.on('query', countQuery);
    const profiler = f['cpu-profile'] ? new inspector.Session() : null;
    if (profiler) {
      profiler.connect();
      await new Promise((resolve) => profiler.post('Profiler.enable', () => profiler.post('Profiler.start', resolve)));
    }
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const result = await service.importFiles([{ name: 'log.txt', content: log }], {
      source: 'cli',
      onProgress: ({ phase, done, total }: { phase: string; done: number; total: number }) => {
        if (phase === 'write') lastWrite = `${done}/${total}`;
      },
    });
    const importSeconds = (Date.now() - t0) / 1000;
    // CPU of this process (parse, join, rows) until the commit: less sensitive to other load than seconds.
    const cpu = process.cpuUsage(cpu0);
    const cpuMicrosPerLine = (cpu.user + cpu.system) / lines;
    // The relations' link rows are filled after the import's commit (docs/robotics.md): timed apart.
    await service.relationsSettled();
    const linkedSeconds = (Date.now() - t0) / 1000;
    knex.client.removeListener('query', countQuery);
    if (profiler) {
      await new Promise<void>((resolve) =>
        profiler.post('Profiler.stop', (error, result: any) => {
          if (!error) fs.writeFileSync(f['cpu-profile'], JSON.stringify(result.profile));
          resolve();
        }),
      );
      profiler.disconnect();
    }
    const sims = Number((await knex('robotics_simulations').count('* as n'))[0].n);
    const linkCount = async (t: string) => Number((await knex(t).count('* as n'))[0].n);
    const links = [
      await linkCount('robotics_simulations_user_lnk'), await linkCount('robotics_simulations_exercise_lnk'), await linkCount('robotics_simulations_host_lnk'),
    ];
    const expected = Math.floor((lines - Math.floor(lines / 1000)) / 2);
    if (sims !== expected || links.some((n) => n !== expected) || result.totals.simulationsCreated !== expected) throw new Error(`stored ${sims} simulations / ${links} links; expected ${expected}`);
    const rate = lines / importSeconds;

    // Re-import: every line already there.
    const r0 = Date.now();
    const again = await service.importFiles([{ name: 'log.txt', content: log }], { source: 'cli' });
    const reimportSeconds = (Date.now() - r0) / 1000;
    if (again.totals.simulationsCreated !== 0 || again.totals.errorsCreated !== 0) throw new Error('re-import stored rows');

    // 3. Generic path: Document Service, one simulation (two lines) at a time, with its relations.
    const [exercise] = await knex('robotics_exercises').select('document_id').limit(1);
    const [host] = await knex('robotics_hosts').select('document_id').limit(1);
    const g0 = Date.now();
    for (let i = 0; i < genericCount; i++) {
      await app.strapi.documents('api::robotics.simulation').create({
        data: {
          username: `generic${i}`, started_at: new Date(Date.UTC(2020, 0, 1, 0, 0, i)), ended_at: new Date(Date.UTC(2020, 0, 1, 1, 0, i)), duration_seconds: 3600,
          simulation_type: 'simulator', exercise_code: 'exercise_0', host_ip: '212.128.255.0', container_id: `g${i}`, active: false,
          exercise: exercise.document_id, host: host.document_id,
        } as any,
      });
    }
    const genericRate = (2 * genericCount) / ((Date.now() - g0) / 1000);

    // 4. Database limit: the same rows generated by the database itself, in one transaction; the
    // simulation rows (what the import writes before its commit) and their link rows timed apart.
    let dbSeconds = NaN;
    let dbLinkSeconds = NaN;
    if (postgres) {
      const d0 = Date.now();
      await knex.transaction(async (trx) => {
        await trx.raw(`create temporary table bench_ids on commit drop as
          select nextval(pg_get_serial_sequence('robotics_simulations', 'id')) as id, g from generate_series(1, ?) g`, [expected]);
        await trx.raw(`insert into robotics_simulations (id, document_id, username, anonymous, started_at, ended_at, duration_seconds, simulation_type, exercise_code, host_ip,
            container_id, client_ip, source_file, start_line_key, end_line_key, active, created_at, updated_at, published_at)
          select id, 'b' || lpad(id::text, 23, '0'), 'user' || (g % 1000), false, timestamp '2021-01-01' + g * interval '2 s', timestamp '2021-01-01' + g * interval '2 s' + interval '10 min', 600,
            'simulator', 'exercise_' || (g % 50), '212.128.255.' || (g % 10), md5(g::text) || md5((g + 1)::text), '10.0.0.1', 'db.txt',
            lpad(to_hex(g), 29, '0'), lpad(to_hex(g), 28, '1'), false, now(), now(), now() from bench_ids`);
        dbSeconds = (Date.now() - d0) / 1000;
        const [ex] = (await trx('robotics_exercises').select('id').limit(1)) as any[];
        const [ho] = (await trx('robotics_hosts').select('id').limit(1)) as any[];
        const [us] = (await trx('up_users').select('id').limit(1)) as any[];
        await trx.raw('insert into robotics_simulations_exercise_lnk (simulation_id, exercise_id, simulation_ord) select id, ?, id from bench_ids', [ex.id]);
        await trx.raw('insert into robotics_simulations_host_lnk (simulation_id, host_id, simulation_ord) select id, ?, id from bench_ids', [ho.id]);
        await trx.raw('insert into robotics_simulations_user_lnk (simulation_id, user_id) select id, ? from bench_ids', [us.id]);
      });
      dbLinkSeconds = (Date.now() - d0) / 1000 - dbSeconds;
    }
    const dbRate = lines / dbSeconds;
    const linkedRate = lines / linkedSeconds;

    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`\nrobotics import, ${postgres ? 'PostgreSQL' : 'SQLite'}, ${fmt(lines)}-line v1 log (${fmt(expected)} simulations + 3 link rows each, ${fmt(result.totals.errorsCreated)} errors), load ${require('os').loadavg().map((l: number) => l.toFixed(1)).join(' ')}; ${queries} queries`);
    console.log(`| case | lines/s | seconds | x generic |`);
    console.log(`| --- | --- | --- | --- |`);
    console.log(`| import (parse, join, placeholders, bulk write, report) | **${fmt(rate)}** | ${importSeconds.toFixed(2)} | ${fmt(rate / genericRate)}x |`);
    console.log(`| import until its relations are linked too (link rows by SQL after the commit) | ${fmt(linkedRate)} | ${linkedSeconds.toFixed(2)} | ${fmt(linkedRate / genericRate)}x |`);
    console.log(`| parser alone | ${fmt(lines / parseSeconds)} | ${parseSeconds.toFixed(2)} | |`);
    console.log(`| re-import of the same file (nothing stored) | ${fmt(lines / reimportSeconds)} | ${reimportSeconds.toFixed(2)} | |`);
    console.log(`| generic: Document Service create per simulation (${genericCount}) | ${fmt(genericRate)} | | 1x |`);
    if (postgres) {
      console.log(`| database limit: the simulation rows by INSERT ... SELECT generate_series | ${fmt(dbRate)} | ${dbSeconds.toFixed(2)} | ${fmt(dbRate / genericRate)}x |`);
      console.log(`| database limit: the same rows + their 3 link rows each | ${fmt(lines / (dbSeconds + dbLinkSeconds))} | ${(dbSeconds + dbLinkSeconds).toFixed(2)} | ${fmt(lines / (dbSeconds + dbLinkSeconds) / genericRate)}x |`);
    }
    console.log(`\nNode CPU of the import until its commit: ${cpuMicrosPerLine.toFixed(2)} µs per line (${((cpuMicrosPerLine * lines) / 1e6).toFixed(2)} s)`);
    console.log(`target >= 100,000 lines/s: ${(rate / 100_000).toFixed(2)}x${rate >= 100_000 ? ' (met)' : ' (NOT met)'}; import at ${postgres ? ((100 * rate) / dbRate).toFixed(0) + ' % of the database limit for its rows' : 'n/a (SQLite)'}; last write progress ${lastWrite}`);
  } finally {
    await app.stop();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
