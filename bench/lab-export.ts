/**
 * Experiment CSV export, in one run on PostgreSQL (issue 6's export target: <= 3x `psql \copy` of the
 * same rows, RSS growth <= 100 MB):
 *   1. the database's own limit: `COPY (select ... order by seq) TO STDOUT (FORMAT csv, HEADER)`, what
 *      `psql \copy` runs, drained by this process;
 *   2. `GET /api/data-exchange/lab/experiments/:id/export.csv` (BDF names) from Strapi in its own
 *      process, drained by this process, with that process's RSS sampled every 50 ms.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:lab-export -- [--rows 200000] [--native]
 *     [--native: names=native; BENCH_STRAPI_HEAP_MB=400 caps Strapi's V8 heap, to tell held memory from uncollected garbage]
 */
import '../tests/setup/env';
import http from 'http';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { compileStrapi } from '@strapi/strapi';
import { createApiToken, startStrapi } from '../tests/helpers/strapi';
import { flag, root, startMeasuredStrapi, type StrapiProcess } from './strapi-process';
import { SAMPLE_COLUMNS } from '../src/api/lab/services/lab-samples';


/** GET `url`, the body drained and counted. */
function drain(url: string, token: string): Promise<{ status: number; bytes: number; lines: number }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let bytes = 0;
      let lines = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines += 1;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, lines }));
    }).on('error', reject);
  });
}

async function main() {
  const rows = flag('rows', 200_000);
  const names = process.argv.includes('--native') ? 'native' : 'bdf';
  const dbUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!dbUrl) throw new Error('set BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres (the bench measures PostgreSQL)');
  process.env.TEST_DATABASE_URL = dbUrl;
  process.env.TALLYBOARD_TEST_RUN = `bench${Date.now().toString(36)}`;
  const step = (line: string) => process.stderr.write(`[bench] ${line}\n`);

  await compileStrapi({ appDir: root, ignoreDiagnostics: false });
  const setup = await startStrapi({ keepDatabase: true });
  const token = await createApiToken(setup.strapi, 'full-access');
  const experiment = (await setup.strapi.documents('api::lab.experiment').create({ data: { name: 'bench export', state: 'finished' } as any })) as any;
  const samples = setup.strapi.service('api::lab.lab-samples') as any;
  const t0 = Date.UTC(2026, 0, 1);
  for (let start = 0; start < rows; start += 20_000) {
    const batch = Array.from({ length: Math.min(20_000, rows - start) }, (_, k) => {
      const i = start + k;
      const charging = i % 7200 < 3600;
      return {
        experiment_id: experiment.id, seq: i, recorded_at: new Date(t0 + i * 1000), test_time_s: i,
        voltage_v: 3.5 + (i % 3600) / 6000, current_a: charging ? 1 : -0.98, power_w: null, temperature_c: 25 + (i % 100) / 100,
        cycle_index: Math.floor(i / 7200) + 1, step_index: charging ? 1 : 2,
        charge_capacity_ah: (i % 3600) / 3600, discharge_capacity_ah: 0, charge_energy_wh: (i % 3600) / 950, discharge_energy_wh: 0, extra: null,
      };
    });
    await samples.insertSamples(batch);
    step(`${start + batch.length} / ${rows} samples written`);
  }
  const db = setup.db;
  await setup.stop();

  const pg = new Client({ connectionString: db.env.DATABASE_URL });
  await pg.connect();
  let strapiProcess: StrapiProcess | null = null;
  try {
    await pg.query('checkpoint');
    step('COPY TO STDOUT...');
    let started = performance.now();
    const copyBytes = await new Promise<number>((resolve, reject) => {
      let bytes = 0;
      const copy = pg.query(copyTo(`copy (select ${SAMPLE_COLUMNS.join(', ')} from lab_samples where experiment_id = ${Number(experiment.id)} order by seq) to stdout with (format csv, header true)`));
      copy.on('data', (c: Buffer) => (bytes += c.length));
      copy.on('end', () => resolve(bytes));
      copy.on('error', reject);
    });
    const copySeconds = (performance.now() - started) / 1000;

    step('export through Strapi...');
    const measured = await startMeasuredStrapi(db.env);
    strapiProcess = measured.instance;
    const { idle } = measured;
    started = performance.now();
    const res = await drain(`${strapiProcess.url}/api/data-exchange/lab/experiments/${experiment.id}/export.csv?names=${names}`, token);
    const seconds = (performance.now() - started) / 1000;
    measured.stopSampling();
    const peak = measured.peak();
    if (res.status !== 200) throw new Error(`export answered ${res.status}`);
    if (res.lines !== rows + 1) throw new Error(`export wrote ${res.lines - 1} rows, expected ${rows}`);

    console.log(`\nlab export, ${rows} samples, PostgreSQL, one run (shared machine: figures are noisy, the ratio is from this run)`);
    console.log(`  COPY TO STDOUT (psql \\copy, database limit): ${Math.round(rows / copySeconds)} rows/s (${(copyBytes / 1e6).toFixed(1)} MB)`);
    console.log(`  export route (names=${names.padEnd(6)}):               ${Math.round(rows / seconds)} rows/s (${seconds.toFixed(1)} s, ${(res.bytes / 1e6).toFixed(1)} MB)`);
    console.log(`  slower than COPY:                            ${(seconds / copySeconds).toFixed(2)}x (target <= 3x)`);
    console.log(`  Strapi RSS: idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB, growth ${(peak - idle).toFixed(0)} MB (target growth <= 100 MB)`);
  } finally {
    await strapiProcess?.stop();
    await pg.end();
    await db.drop();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
