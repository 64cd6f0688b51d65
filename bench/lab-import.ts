/**
 * Cycler CSV import, in one run on PostgreSQL (issue 6's import target: <= 3x `COPY FROM` the same
 * file, peak RSS <= 300 MB):
 *   1. the database's own limit: `COPY ... FROM STDIN (FORMAT csv, HEADER)` of the file into a table of
 *      its columns (the issue's reference), and into the same table keyed and indexed as lab_samples
 *      (printed beside it: the share of the gap that is index upkeep);
 *   2. `POST /api/data-exchange/lab/experiments/import` of the same file as a raw body (Strapi in its
 *      own process), with that process's RSS sampled every 50 ms (growth over its idle RSS).
 * in `--runs` rounds (each round all three, the sample tables emptied before its import); the ratios are
 * per round, and their median.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:lab-import -- [--rows 200000] [--runs 3]
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
    // The same file into a table keyed and indexed as lab_samples is (primary key (experiment, seq),
    // (experiment, date)): how much of the gap is index upkeep both would pay.
    const copyPlain = () => copyInto('bench_import_copy', `create table bench_import_copy (${FILE_COLUMNS})`);
    const copyIndexed = () =>
      copyInto(
        'bench_import_indexed',
        `create table bench_import_indexed (experiment_id int not null default 1, ${FILE_COLUMNS}, primary key (experiment_id, data_point));
         create index on bench_import_indexed (experiment_id, date_time)`,
        '(data_point, test_time, date_time, step_index, cycle_index, current, voltage, charge_capacity, discharge_capacity, charge_energy, discharge_energy, temperature)',
      );

    step('starting Strapi...');
    const measured = await startMeasuredStrapi(db.env);
    strapiProcess = measured.instance;
    const { idle } = measured;
    const runs = Math.max(1, flag('runs', 3));
    const rounds: Array<{ copy: number; indexed: number; import: number; seconds: number; cpu: number; peak: number; before: number; load: number }> = [];
    let cycles = 0;
    // Rounds alternate the three loads, so a busy moment of the shared machine weighs on one round's
    // figures, not on one side of the ratio; each round starts from empty sample tables, as the first.
    for (let round = 1; round <= runs; round++) {
      step(`round ${round}/${runs}: COPY FROM, COPY FROM into an indexed table, import through Strapi...`);
      const copy = await copyPlain();
      const indexed = await copyIndexed();
      await pg.query('truncate lab_samples, lab_sample_rollups');
      await pg.query('checkpoint');
      const load = os.loadavg()[0];
      const before = measured.startRound();
      const cpuBefore = cpuMs(strapiProcess.pid);
      const started = performance.now();
      const res = await postFile(`${strapiProcess.url}/api/data-exchange/lab/experiments/import?name=bench-${round}`, token, file);
      const seconds = (performance.now() - started) / 1000;
      if (res.status !== 201) throw new Error(`import answered ${res.status}: ${res.body.slice(0, 500)}`);
      const imported = JSON.parse(res.body).data;
      cycles = imported.cycles;
      rounds.push({ copy, indexed, import: imported.rows / seconds, seconds, cpu: (cpuMs(strapiProcess.pid) - cpuBefore) / 1000, peak: measured.roundPeak(), before, load });
    }
    measured.stopSampling();
    const peak = measured.peak();
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
    const ratios = rounds.map((r) => r.copy / r.import);

    console.log(`\nlab import, ${rows} rows (${mb.toFixed(1)} MB, ${cycles} cycles summarised), PostgreSQL, ${runs} rounds in one run (shared machine: each round's ratio is from that round)`);
    rounds.forEach((r, i) =>
      console.log(
        `  round ${i + 1}: COPY FROM ${Math.round(r.copy)} rows/s, indexed COPY ${Math.round(r.indexed)} rows/s, import ${Math.round(r.import)} rows/s (${r.seconds.toFixed(1)} s, Strapi CPU ${r.cpu.toFixed(1)} s, RSS ${r.before.toFixed(0)} -> ${r.peak.toFixed(0)} MB, load ${r.load.toFixed(2)})` +
          ` -> ${(r.copy / r.import).toFixed(2)}x COPY, ${(r.indexed / r.import).toFixed(2)}x indexed COPY`,
      ),
    );
    console.log(`  slower than COPY FROM (database limit): median ${median(ratios).toFixed(2)}x, range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x (target <= 3x)`);
    console.log(`  slower than COPY into an indexed table: median ${median(rounds.map((r) => r.indexed / r.import)).toFixed(2)}x`);
    console.log(`  Strapi RSS: idle ${idle.toFixed(0)} MB, peak ${rounds[0].peak.toFixed(0)} MB in the first import, ${peak.toFixed(0)} MB over all; growth ${(rounds[0].peak - idle).toFixed(0)} MB, ${(peak - idle).toFixed(0)} MB (target peak <= 300 MB)`);
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
