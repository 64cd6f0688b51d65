/**
 * Chart downsampling: rollups maintained on every insert of samples (merged idempotently, whatever
 * the order), and M4 series read from them or from the raw samples, against figures computed here
 * from the samples written.
 */
import { withStrapiAndToken, type TestApp } from '../helpers/strapi';
import type { LabSamplesService, SampleRow } from '../../src/api/lab/services/lab-samples';
import { ROLLUPS_TABLE, ROLLUP_LEVELS_MS } from '../../src/api/lab/sample-rollups';

const START = Date.UTC(2026, 10, 30, 8, 0, 0);
const HOURS = 2;
const SPIKE_AT = 4321; // seconds from START: one sample far above the rest (a contact glitch)

/** One sample a second: a slow voltage sine, a square current, a spike; temperature missing for a while. */
function samples(experimentId: number): SampleRow[] {
  return Array.from({ length: HOURS * 3600 }, (_, i) => ({
    experiment_id: experimentId,
    seq: i,
    recorded_at: new Date(START + i * 1000),
    voltage_v: i === SPIKE_AT ? 9.5 : 3.7 + 0.4 * Math.sin(i / 600),
    current_a: Math.floor(i / 900) % 2 ? -2 : 1.5,
    power_w: null,
    temperature_c: i >= 1000 && i < 1200 ? null : 25 + (i % 97) / 97,
    step_index: Math.floor(i / 900) + 1,
    cycle_index: Math.floor(i / 1800) + 1,
  }));
}

describe('sample rollups and M4 series', () => {
  let app: TestApp;
  withStrapiAndToken((started) => {
    app = started;
  });
  const service = () => app.strapi.service('api::lab.lab-samples') as unknown as LabSamplesService;
  const knex = () => app.strapi.db.connection;
  const newExperiment = async (name: string): Promise<number> =>
    (await app.strapi.db.query('api::lab.experiment').create({ data: { name, state: 'finished', source: 'imported' } })).id;
  const rollups = async (experimentId: number) =>
    (await knex()(ROLLUPS_TABLE).where({ experiment_id: experimentId }).orderBy(['bucket_ms', 'bucket']))
      .map(({ experiment_id: _, ...r }: any) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : Number(v)])));

  let inOrder: number;
  let rows: SampleRow[];
  beforeAll(async () => {
    inOrder = await newExperiment('rollups in order');
    rows = samples(inOrder);
    for (let i = 0; i < rows.length; i += 1000) await service().insertSamples(rows.slice(i, i + 1000));
  });

  it('keeps one bucket per level and interval, with the exact first/last/min/max of its samples', async () => {
    const stored = await rollups(inOrder);
    for (const ms of ROLLUP_LEVELS_MS) {
      expect([ms, stored.filter((r) => r.bucket_ms === ms).length]).toEqual([ms, new Set(rows.map((r) => Math.floor(r.recorded_at.getTime() / ms))).size]);
    }
    // Every 1-minute bucket against its samples.
    for (const bucket of stored.filter((r) => r.bucket_ms === 60_000)) {
      const inside = rows.filter((r) => Math.floor(r.recorded_at.getTime() / 60_000) === bucket.bucket);
      const temps = inside.map((r) => r.temperature_c).filter((t): t is number => t != null);
      expect(bucket).toMatchObject({
        t_first: inside[0].recorded_at.getTime(), t_last: inside[inside.length - 1].recorded_at.getTime(),
        voltage_v_first: inside[0].voltage_v, voltage_v_last: inside[inside.length - 1].voltage_v,
        voltage_v_min: Math.min(...inside.map((r) => r.voltage_v!)), voltage_v_max: Math.max(...inside.map((r) => r.voltage_v!)),
        current_a_min: Math.min(...inside.map((r) => r.current_a!)), current_a_max: Math.max(...inside.map((r) => r.current_a!)),
        temperature_c_min: temps.length ? Math.min(...temps) : null, temperature_c_max: temps.length ? Math.max(...temps) : null,
        power_w_min: null, power_w_max: null,
        step_first: inside[0].step_index, step_last: inside[inside.length - 1].step_index,
        cycle_first: inside[0].cycle_index, cycle_last: inside[inside.length - 1].cycle_index,
      });
    }
  });

  it('merges batches in any order, and a redelivered batch changes nothing', async () => {
    const shuffled = await newExperiment('rollups out of order');
    const copy = samples(shuffled);
    // Batches that cut buckets in the middle, newest first, then one redelivered. On PostgreSQL the
    // large one (3,500 samples, ~420 bucket rows) goes through the staging table, the others through
    // the plain upsert.
    const cuts = [0, 777, 2500, 6000, 6500, copy.length];
    for (let k = cuts.length - 2; k >= 0; k -= 1) await service().insertSamples(copy.slice(cuts[k], cuts[k + 1]));
    await service().insertSamples(copy.slice(cuts[1], cuts[2]));
    expect(await service().countSamples(shuffled)).toBe(copy.length);
    expect(await rollups(shuffled)).toEqual(await rollups(inOrder));
  });

  it('draws the whole experiment from a rollup level with the raw extremes, spike included', async () => {
    const series = await service().series(inOrder, { points: 400 });
    // 100 columns over the 7,199,001 ms between the first and last samples (~72 s each): the 1-minute
    // level is the coarsest no wider than a column.
    expect([series.resolutionMs, series.bucketMs, series.total]).toEqual([60_000, 71_991, null]);
    expect(series.points.length).toBeLessThanOrEqual(400);
    expect(series.points.length).toBeGreaterThan(100);
    const values = (key: 'voltage_v' | 'current_a' | 'temperature_c') => series.points.map((p) => p[key]).filter((v): v is number => v !== null);
    expect(Math.max(...values('voltage_v'))).toBe(9.5);
    expect(Math.min(...values('voltage_v'))).toBeCloseTo(Math.min(...rows.map((r) => r.voltage_v!)), 12);
    expect([Math.min(...values('current_a')), Math.max(...values('current_a'))]).toEqual([-2, 1.5]);
    expect(Math.min(...values('temperature_c'))).toBe(25);
    // Times ascend, and the first and last points are the experiment's first and last samples.
    expect(series.points.every((p, i, all) => i === 0 || all[i - 1].t <= p.t)).toBe(true);
    expect(series.points[0]).toMatchObject({ t: START, voltage_v: rows[0].voltage_v, step_index: 1, cycle_index: 1 });
    expect(series.points[series.points.length - 1]).toMatchObject({ t: rows[rows.length - 1].recorded_at.getTime(), cycle_index: 4 });
  });

  it('gives the same columns from the raw samples (the reference), and falls back to them without rollups', async () => {
    const fromRollups = await service().series(inOrder, { points: 400 });
    const fromRaw = await service().series(inOrder, { points: 400, resolution: 'raw' });
    expect([fromRaw.resolutionMs, fromRaw.total]).toEqual([0, rows.length]);
    const extremes = (s: typeof fromRaw) => ['voltage_v', 'current_a', 'temperature_c'].map((k) => {
      const v = s.points.map((p: any) => p[k]).filter((x: number | null) => x !== null);
      return [Math.min(...v), Math.max(...v)];
    });
    expect(extremes(fromRollups)).toEqual(extremes(fromRaw));
    // Column starts and ends are sample times on both paths.
    expect(fromRaw.points[0].t).toBe(fromRollups.points[0].t);

    const without = await newExperiment('rollups missing');
    await service().insertSamples(samples(without));
    await knex()(ROLLUPS_TABLE).where({ experiment_id: without }).delete();
    const fallback = await service().series(without, { points: 400 });
    expect([fallback.resolutionMs, fallback.total]).toEqual([0, rows.length]);
    expect(extremes(fallback)).toEqual(extremes(fromRaw));
  });

  it('answers a short window with its raw samples, exactly', async () => {
    const from = START + 4300 * 1000;
    const to = from + 59_000;
    const series = await service().series(inOrder, { from, to, points: 1000 });
    expect([series.bucketMs, series.resolutionMs, series.total]).toEqual([0, 0, 60]);
    const expected = rows.filter((r) => r.recorded_at.getTime() >= from && r.recorded_at.getTime() <= to);
    expect(series.points).toEqual(expected.map((r) => ({
      t: r.recorded_at.getTime(), voltage_v: r.voltage_v, current_a: r.current_a, power_w: null,
      temperature_c: r.temperature_c, step_index: r.step_index, cycle_index: r.cycle_index,
    })));
  });

  it('deletes an experiment\'s samples and rollups with it (one document, or many rows), and only its own', async () => {
    const stored = async (id: number) => [await service().countSamples(id), (await rollups(id)).length];
    const one = (await app.strapi.documents('api::lab.experiment').create({ data: { name: 'deleted one', state: 'finished', source: 'imported' } as any })) as unknown as { id: number; documentId: string };
    const many = await Promise.all(['deleted a', 'deleted b'].map(newExperiment));
    for (const id of [one.id, ...many]) await service().insertSamples(samples(id).slice(0, 600));
    expect(await stored(one.id)).toEqual([600, expect.any(Number)]);

    await app.strapi.documents('api::lab.experiment').delete({ documentId: one.documentId });
    expect(await stored(one.id)).toEqual([0, 0]);
    await app.strapi.db.query('api::lab.experiment').deleteMany({ where: { name: { $startsWith: 'deleted ' } } });
    for (const id of many) expect(await stored(id)).toEqual([0, 0]);
    // The others keep theirs.
    expect(await service().countSamples(inOrder)).toBe(rows.length);
    expect((await rollups(inOrder)).length).toBeGreaterThan(0);
  });

  it('picks finer levels as the window narrows, never more points than asked', async () => {
    const levels: number[] = [];
    for (const minutes of [120, 60, 20, 5]) {
      const from = START;
      const to = START + minutes * 60_000 - 1;
      const series = await service().series(inOrder, { from, to, points: 200 });
      expect(series.points.length).toBeLessThanOrEqual(200);
      expect(series.points.every((p) => p.t >= from - 60_000 && p.t <= to + 60_000)).toBe(true);
      levels.push(series.resolutionMs);
    }
    // 50 columns: 144 s, 72 s, 24 s and 6 s wide.
    expect(levels).toEqual([60_000, 60_000, 10_000, 0]);
  });
});
