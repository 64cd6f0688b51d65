/**
 * Cycler CSV import, in one run on PostgreSQL (issue 6's import target: <= 3x `COPY FROM` the same
 * file, peak RSS <= 300 MB):
 *   1. the database's own limit: `COPY ... FROM STDIN (FORMAT csv, HEADER)` of the file into a table of
 *      its columns (the issue's reference), and into the same table keyed and indexed as lab_samples
 *      (printed beside it: the share of the gap that is index upkeep);
 *   2. `POST /api/data-exchange/lab/experiments/import` of the same file as a raw body (Strapi in its
 *      own process), with that process's RSS sampled every 50 ms (growth over its idle RSS).
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:lab-import -- [--rows 200000]
 *     [BENCH_STRAPI_HEAP_MB=400: caps Strapi's V8 heap; the import finishing under a cap shows the
 *      RSS growth without one is garbage V8 has not collected yet, not data the import holds;
 *      INSTANCE_CPU_PROFILE=<file>: a CPU profile of the Strapi process, written when it stops]
 */
import '../tests/setup/env';
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { compileStrapi } from '@strapi/strapi';
import { createApiToken, startStrapi } from '../tests/helpers/strapi';
import { cpuMs, flag, root, startMeasuredStrapi, type StrapiProcess } from './strapi-process';

const HEADER = 'Data_Point,Test_Time(s),DateTime,Step_Index,Cycle_Index,Current(A),Voltage(V),Charge_Capacity(Ah),Discharge_Capacity(Ah),Charge_Energy(Wh),Discharge_Energy(Wh),Temperature(C)';

/** An Arbin-style file: 1 Hz samples, cycles of 1 h charge + 1 h discharge. */
function writeCsv(file: string, rows: number) {
  const out = fs.openSync(file, 'w');
  fs.writeSync(out, `${HEADER}\n`);
  let lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const cycle = Math.floor(i / 7200) + 1;
    const inCycle = i % 7200;
    const charging = inCycle < 3600;
    const q = (charging ? inCycle : 3600) / 3600;
    const d = charging ? 0 : (inCycle - 3600) / 3600 * 0.98;
    lines.push(`${i},${i},${1494377253 + i},${charging ? 1 : 2},${cycle},${charging ? 1 : -0.98},${(3.5 + (charging ? q : 1 - d) * 0.6).toFixed(4)},${q.toFixed(6)},${d.toFixed(6)},${(q * 3.8).toFixed(6)},${(d * 3.7).toFixed(6)},${(25 + (i % 100) / 100).toFixed(2)}`);
    if (lines.length === 10_000) {
      fs.writeSync(out, `${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length) fs.writeSync(out, `${lines.join('\n')}\n`);
  fs.closeSync(out);
}

function postFile(url: string, token: string, file: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream', 'Content-Length': String(fs.statSync(file).size) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    fs.createReadStream(file).pipe(req);
  });
}

async function main() {
  const rows = flag('rows', 200_000);
  const dbUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!dbUrl) throw new Error('set BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (the bench measures PostgreSQL)');
  process.env.TEST_DATABASE_URL = dbUrl;
  process.env.TALLYBOARD_TEST_RUN = `bench${Date.now().toString(36)}`;
  const step = (line: string) => process.stderr.write(`[bench] ${line}\n`);

  const file = path.join(os.tmpdir(), `lab-import-${process.pid}.csv`);
  step(`writing ${rows} rows...`);
  writeCsv(file, rows);
  const mb = fs.statSync(file).size / 1e6;

  await compileStrapi({ appDir: root, ignoreDiagnostics: false });
  const setup = await startStrapi({ keepDatabase: true });
  const token = await createApiToken(setup.strapi, 'full-access');
  const db = setup.db;
  await setup.stop();

  const pg = new Client({ connectionString: db.env.DATABASE_URL });
  await pg.connect();
  let strapiProcess: StrapiProcess | null = null;
  try {
    /** COPY FROM the file into `table` (created by `ddl`), rows/s. */
    const copyInto = async (table: string, ddl: string, columns = '') => {
      await pg.query(ddl);
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        const copy = pg.query(copyFrom(`copy ${table} ${columns} from stdin with (format csv, header true)`));
        copy.on('finish', () => resolve());
        copy.on('error', reject);
        fs.createReadStream(file).pipe(copy);
      });
      const rate = rows / ((performance.now() - started) / 1000);
      await pg.query(`drop table ${table}`);
      await pg.query('checkpoint');
      return rate;
    };
    const FILE_COLUMNS = `data_point bigint, test_time float8, date_time float8, step_index int, cycle_index int, current float8, voltage float8,
      charge_capacity float8, discharge_capacity float8, charge_energy float8, discharge_energy float8, temperature float8`;
    step('COPY FROM...');
    const copyRate = await copyInto('bench_import_copy', `create table bench_import_copy (${FILE_COLUMNS})`);
    // The same file into a table keyed and indexed as lab_samples is (primary key (experiment, seq),
    // (experiment, date)): how much of the gap is index upkeep both would pay.
    step('COPY FROM into an indexed table...');
    const indexedRate = await copyInto(
      'bench_import_indexed',
      `create table bench_import_indexed (experiment_id int not null default 1, ${FILE_COLUMNS}, primary key (experiment_id, data_point));
       create index on bench_import_indexed (experiment_id, date_time)`,
      '(data_point, test_time, date_time, step_index, cycle_index, current, voltage, charge_capacity, discharge_capacity, charge_energy, discharge_energy, temperature)',
    );

    step('import through Strapi...');
    const measured = await startMeasuredStrapi(db.env);
    strapiProcess = measured.instance;
    const { idle } = measured;
    const load = os.loadavg()[0];
    const cpuBefore = cpuMs(strapiProcess.pid);
    const started = performance.now();
    const res = await postFile(`${strapiProcess.url}/api/data-exchange/lab/experiments/import?name=bench`, token, file);
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = (cpuMs(strapiProcess.pid) - cpuBefore) / 1000;
    measured.stopSampling();
    const peak = measured.peak();
    if (res.status !== 201) throw new Error(`import answered ${res.status}: ${res.body.slice(0, 500)}`);
    const imported = JSON.parse(res.body).data;
    const importRate = imported.rows / seconds;

    console.log(`\nlab import, ${rows} rows (${mb.toFixed(1)} MB), PostgreSQL, one run (shared machine: figures are noisy, the ratio is from this run)`);
    console.log(`  COPY FROM the file (database limit): ${Math.round(copyRate)} rows/s`);
    console.log(`  import route:                        ${Math.round(importRate)} rows/s (${seconds.toFixed(1)} s, ${imported.cycles} cycles summarised; Strapi CPU ${cpuSeconds.toFixed(1)} s)`);
    console.log(`  slower than COPY:                    ${(copyRate / importRate).toFixed(2)}x (target <= 3x)`);
    console.log(`  COPY FROM into an indexed table:     ${Math.round(indexedRate)} rows/s; the import is ${(indexedRate / importRate).toFixed(2)}x slower than that`);
    console.log(`  load average (1 min) at the import:  ${load.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after`);
    console.log(`  Strapi RSS: idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, growth ${(peak - idle).toFixed(0)} MB (target peak <= 300 MB)`);
  } finally {
    await strapiProcess?.stop();
    await pg.end();
    await db.drop();
    fs.rmSync(file, { force: true });
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
