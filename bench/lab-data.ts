/**
 * Chart windows of a long experiment, in one run on PostgreSQL (issue 6's target: each window <= 100 ms
 * and >= 3x faster than M4 over the raw rows):
 *   - N generated samples (default 10M, 10 per second: 11.6 days) in one experiment, written through
 *     lab-samples' insertSamples, so the rollups are maintained on write as in production;
 *   - for the full range, a 1-hour and a 1-minute zoom: `series()` as the charts call it (rollups, or
 *     the raw samples when the window is short) against `series({ resolution: 'raw' })`, M4 in SQL
 *     over the raw rows; median of several runs each (3x as many of ours, which are cheap), after
 *     three warm-up runs each.
 * The export and import figures of the same issue: bench/lab-export.ts and bench/lab-import.ts
 * (`npm run bench:lab-data` runs all three, the export and import on 1M rows).
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/lab-data.ts [--samples 10000000] [--points 1000] [--runs 7]
 *     [--keep: keep the database and print its name; --reuse <name>: measure on a kept database, writing nothing]
 */
import '../tests/setup/env';
import os from 'os';
import { compileStrapi } from '@strapi/strapi';
import { startStrapi } from '../tests/helpers/strapi';
import { createTestDatabase, type TestDatabase } from '../tests/helpers/databases';
import { benchPostgres, flag, root } from './strapi-process';
import type { LabSamplesService, SampleRow, Series } from '../src/api/lab/services/lab-samples';

const HZ = 10;
const WARM_UP_RUNS = 3;
const BATCH = 50_000;

function sample(experimentId: number, i: number, t0: number): SampleRow {
  // 2-hour cycles: charge then discharge, with a little noise and a rare spike the chart must keep.
  const inCycle = i % (7200 * HZ);
  const charging = inCycle < 3600 * HZ;
  const noise = ((i * 2654435761) % 1000) / 1e5;
  return {
    experiment_id: experimentId, seq: i, recorded_at: new Date(t0 + i * (1000 / HZ)), test_time_s: i / HZ,
    voltage_v: (i % 1_000_003 === 500_000 ? 5 : 3.4 + (charging ? inCycle : 7200 * HZ - inCycle) / (3600 * HZ) * 0.8) + noise,
    current_a: charging ? 1 + noise : -1 - noise, power_w: null, temperature_c: 25 + (inCycle % 600) / 600,
    cycle_index: Math.floor(i / (7200 * HZ)) + 1, step_index: charging ? 1 : 2,
    charge_capacity_ah: null, discharge_capacity_ah: null, charge_energy_wh: null, discharge_energy_wh: null, extra: null,
  };
}

/** A database kept by an earlier `--keep` run. */
function kept(serverUrl: string, name: string): TestDatabase {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { client: 'postgres', env: { DATABASE_URL: url.toString(), DATABASE_CLIENT: 'postgres' }, drop: async () => undefined };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function timed(run: () => Promise<Series>, runs: number): Promise<{ ms: number; series: Series }> {
  // Warm-up: plans and pages cached, as for a user's second look, and the code path compiled.
  let series = await run();
  for (let k = 1; k < WARM_UP_RUNS; k += 1) series = await run();
  const times: number[] = [];
  for (let k = 0; k < runs; k += 1) {
    const started = performance.now();
    series = await run();
    times.push(performance.now() - started);
  }
  return { ms: median(times), series };
}

async function main() {
  let total = flag('samples', 10_000_000);
  const points = flag('points', 1000);
  const runs = flag('runs', 7);
  const dbUrl = benchPostgres();
  process.env.CYCLER_BRIDGE_ENABLED = 'false';

  const keep = process.argv.includes('--keep');
  const reuseIndex = process.argv.indexOf('--reuse');
  const reuse = reuseIndex > 0 ? process.argv[reuseIndex + 1] : null;
  const database = reuse ? kept(dbUrl, reuse) : await createTestDatabase();
  if (keep && !reuse) console.log(`kept database: ${new URL(database.env.DATABASE_URL).pathname.slice(1)} (measure again with --reuse <name>; drop it with dropdb)`);

  await compileStrapi({ appDir: root, ignoreDiagnostics: false });
  const setup = await startStrapi({ database, keepDatabase: keep || Boolean(reuse) });
  try {
    const strapi = setup.strapi;
    const labSamples = strapi.service('api::lab.lab-samples') as unknown as LabSamplesService;
    const name = 'bench chart windows';
    const existing = reuse ? await strapi.db.query('api::lab.experiment').findOne({ where: { name } }) : null;
    if (reuse && !existing) throw new Error(`database ${reuse} holds no experiment "${name}"`);
    const experiment = existing ?? (await strapi.db.query('api::lab.experiment').create({ data: { name, state: 'finished', source: 'imported' } }));
    const t0 = Date.UTC(2026, 0, 1);
    let started = performance.now();
    for (let start = reuse ? total : 0; start < total; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, total - start) }, (_, k) => sample(experiment.id, start + k, t0));
      await labSamples.insertSamples(batch);
      const done = start + batch.length;
      const seconds = (performance.now() - started) / 1000;
      // One line rewritten on a terminal; a line per million in a log file.
      const line = `[bench] ${done.toLocaleString('en')} / ${total.toLocaleString('en')} samples written (${Math.round(done / seconds).toLocaleString('en')} rows/s, rollups included)`;
      if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
      else if (done % 1_000_000 === 0 || done === total) process.stderr.write(`${line}\n`);
    }
    const writeSeconds = (performance.now() - started) / 1000;
    if (process.stderr.isTTY) process.stderr.write('\n');
    const knex = strapi.db.connection;
    if (reuse) total = await labSamples.countSamples(experiment.id);
    await knex.raw('analyze lab_samples');
    await knex.raw('analyze lab_sample_rollups');
    const rollupRows = Number((await knex('lab_sample_rollups').where({ experiment_id: experiment.id }).count({ n: '*' }).first())?.n ?? 0);

    const end = t0 + (total - 1) * (1000 / HZ);
    const middle = t0 + Math.floor((end - t0) / 2);
    const windows = [
      { label: 'full range', from: undefined, to: undefined },
      { label: '1 hour', from: middle, to: middle + 3_600_000 - 1 },
      { label: '1 minute', from: middle, to: middle + 60_000 - 1 },
    ];
    console.log(`\nlab chart windows, ${total.toLocaleString('en')} samples at ${HZ} Hz in one experiment, PostgreSQL, ${points} points per chart, median of ${runs * 3} runs (ours) and ${runs} (M4 over raw rows), after ${WARM_UP_RUNS} warm-up runs each`);
    if (!reuse) console.log(`  written in ${writeSeconds.toFixed(0)} s (${Math.round(total / writeSeconds).toLocaleString('en')} rows/s with rollups), ${rollupRows.toLocaleString('en')} rollup rows; load ${os.loadavg()[0].toFixed(1)}`);
    for (const w of windows) {
      // Ours is cheap: 3x the runs for a steadier median (the reference's full range takes seconds a run).
      const ours = await timed(() => labSamples.series(experiment.id, { from: w.from, to: w.to, points }), runs * 3);
      const raw = await timed(() => labSamples.series(experiment.id, { from: w.from, to: w.to, points, resolution: 'raw' }), runs);
      const source = ours.series.resolutionMs ? `rollups ${ours.series.resolutionMs / 1000} s` : ours.series.bucketMs ? 'raw rows, M4' : 'raw rows as they are';
      const extremes = (s: Series) => {
        const v = s.points.map((p) => p.voltage_v).filter((x): x is number => x !== null);
        return `${Math.min(...v).toFixed(4)}..${Math.max(...v).toFixed(4)} V`;
      };
      console.log(`  ${w.label.padEnd(10)} series(): ${ours.ms.toFixed(1).padStart(7)} ms (${source}, ${ours.series.points.length} points, ${extremes(ours.series)})`
        + ` | M4 over raw rows: ${raw.ms.toFixed(1).padStart(7)} ms (${raw.series.total?.toLocaleString('en')} rows, ${raw.series.points.length} points, ${extremes(raw.series)})`
        + ` | ${(raw.ms / ours.ms).toFixed(1)}x faster (target <= 100 ms and >= 3x)`);
    }
  } finally {
    await setup.stop();
  }
}

main().then(() => process.exit(0), (error) => {
  console.error(error);
  process.exit(1);
});
