/**
 * Cycle summaries: the shared Arbin files (BEEP's test data) imported with every row and with
 * per-cycle capacities equal to BEEP's rule to 1e-9 relative; the SQL aggregates against figures
 * computed here from the file; a live experiment's samples summarised and stored.
 */
import fs from 'fs';
import path from 'path';
import Papa from 'papaparse';
import { withStrapiAndToken, type TestApp } from '../helpers/strapi';
import { IMPORT_ROUTE, OWN_FIXTURES, SHARED_FIXTURES, SUMMARY_FIELDS, beepRule, dataRowCount, postCsv, relativeClose } from './battery-helpers';

const sharedFiles = fs.existsSync(SHARED_FIXTURES) ? fs.readdirSync(SHARED_FIXTURES).filter((f) => f.endsWith('.csv') && !f.includes('_Metadata')) : [];

describe('cycle summary', () => {
  let app: TestApp;
  let token: string;
  withStrapiAndToken((started, fullAccess) => {
    app = started;
    token = fullAccess;
  });

  it('finds the shared Arbin fixtures (or says why not)', () => {
    if (!sharedFiles.length) return console.warn(`skipped: ${SHARED_FIXTURES} is absent (a clone without ../shared); CI always has it`);
    expect(sharedFiles.length).toBeGreaterThanOrEqual(2);
  });

  it.each(sharedFiles.length ? sharedFiles : ['(none)'])('shared %s: every row imported, capacities per cycle = BEEP rule (1e-9 relative)', async (name) => {
    if (name === '(none)') return console.warn(`skipped: ${SHARED_FIXTURES} is absent`);
    const file = path.join(SHARED_FIXTURES, name);
    const res = await postCsv(app, IMPORT_ROUTE, token, file, { name });
    expect([res.status, res.body.error?.message]).toEqual([201, undefined]);
    expect(res.body.data.format).toBe('arbin');
    expect(res.body.data.rows).toBe(dataRowCount(file));

    const rule = beepRule(file);
    const cycles = res.body.data.summary.cycles as Array<Record<string, number>>;
    // A file without any cycle index (TC-contact) gets its cycles derived from the current: it is all
    // charge, so one cycle, which is BEEP's single group of the whole file.
    const derived = rule.size === 1 && rule.has(null);
    expect(cycles.map((c) => c.cycle_index)).toEqual(derived ? [1] : [...rule.keys()].sort((a, b) => (a as number) - (b as number)));
    for (const c of cycles) {
      const expected = rule.get(derived ? null : c.cycle_index) as number[];
      SUMMARY_FIELDS.forEach((f, i) => expect([name, c.cycle_index, f, relativeClose(c[f], expected[i]) ? 'equal' : `${c[f]} != ${expected[i]}`]).toEqual([name, c.cycle_index, f, 'equal']));
    }

    // Voltage and temperature aggregates against the file itself.
    const rows = Papa.parse<Record<string, string>>(fs.readFileSync(file, 'utf8'), { header: true, skipEmptyLines: true }).data;
    const volts = rows.map((r) => Number(r.Voltage));
    const temps = rows.map((r) => Number(r.Temperature));
    if (cycles.length === 1) {
      const [c] = cycles;
      expect(c.min_voltage_v).toBeCloseTo(Math.min(...volts), 9);
      expect(c.max_voltage_v).toBeCloseTo(Math.max(...volts), 9);
      expect(c.min_temperature_c).toBeCloseTo(Math.min(...temps), 9);
      expect(c.max_temperature_c).toBeCloseTo(Math.max(...temps), 9);
      expect(c.mean_temperature_c).toBeCloseTo(temps.reduce((a, b) => a + b, 0) / temps.length, 9);
      expect(c.samples).toBe(rows.length);
      expect(c.duration_s).toBeCloseTo(Number(rows[rows.length - 1].Test_Time) - Number(rows[0].Test_Time), 6);
      expect(Date.parse(c.start as unknown as string)).toBe(Math.round(Number(rows[0].DateTime) * 1000));
    }
  });

  it('summarises a live experiment\'s samples (counters absent: integrated) and stores it on the experiment', async () => {
    const experiment = await app.strapi.documents('api::lab.experiment').create({ data: { name: 'live', state: 'finished' } as any });
    const t0 = Date.UTC(2026, 0, 1);
    // Two cycles: 1 A charge for 3,600 s then 0.5 A discharge for 3,600 s, one sample a minute, 4 V.
    const rows = [];
    let seq = 0;
    for (const cycle of [1, 2]) {
      for (const current of [1, -0.5]) {
        for (let k = 0; k < 61; k++) {
          rows.push({ experiment_id: experiment.id, seq, recorded_at: new Date(t0 + seq * 60_000), test_time_s: seq * 60, voltage_v: 4, current_a: current, temperature_c: 20 + cycle, cycle_index: cycle });
          seq += 1;
        }
      }
    }
    await (app.strapi.service('api::lab.lab-samples') as any).insertSamples(rows);
    const summary = await (app.strapi.service('api::lab.cycle-summary') as any).refresh(experiment.id);
    expect(summary.sources.charge_capacity_ah).toBe('integrated');
    const [c1, c2] = summary.cycles;
    // 60 full minutes at 1 A; the interval from charge to discharge (mean 0.25 A) also counts as charge.
    expect(c1.charge_capacity_ah).toBeCloseTo(1 + 0.25 / 60, 9);
    expect(c1.discharge_capacity_ah).toBeCloseTo(0.5, 9);
    expect(c1.charge_energy_wh).toBeCloseTo(4 * (1 + 0.25 / 60), 9);
    expect(c2.mean_temperature_c).toBeCloseTo(22, 9);
    expect(c2.capacity_retention).toBeCloseTo(1, 9);
    expect(c1.coulombic_efficiency).toBeCloseTo(0.5 / (1 + 0.25 / 60), 9);
    expect(c1.start).toBe(new Date(t0).toISOString());
    expect(c1.duration_s).toBe(121 * 60);
    const stored = await app.strapi.db.query('api::lab.experiment').findOne({ where: { id: experiment.id } });
    expect(stored.cycle_summary.cycles.map((c: any) => c.cycle_index)).toEqual([1, 2]);
    expect(stored.cycle_summary.first_full_cycle).toBe(1);
  });

  it('derives the cycles of a live experiment whose cycler sends no cycle index, samples and chart rollups alike', async () => {
    const experiment = await app.strapi.documents('api::lab.experiment').create({ data: { name: 'live without cycles', state: 'finished' } as any });
    const t0 = Date.UTC(2026, 0, 2);
    // Three cycles of 1 A charge, rest, 1 A discharge, rest: 20 minutes each, one sample every 10 s.
    const rows = [];
    for (let cycle = 0; cycle < 3; cycle++) {
      for (const current of [1, 0, -1, 0]) {
        for (let k = 0; k < 30; k++) {
          const seq = rows.length;
          rows.push({ experiment_id: experiment.id, seq, recorded_at: new Date(t0 + seq * 10_000), test_time_s: seq * 10, voltage_v: 3.7, current_a: current });
        }
      }
    }
    await (app.strapi.service('api::lab.lab-samples') as any).insertSamples(rows);
    const summary = await (app.strapi.service('api::lab.cycle-summary') as any).refresh(experiment.id);
    expect(summary.cycles.map((c: any) => [c.cycle_index, c.samples])).toEqual([[1, 120], [2, 120], [3, 120]]);
    // 29 intervals at 1 A and two half intervals into and out of the discharge: 300 As.
    expect(summary.cycles[1].discharge_capacity_ah).toBeCloseTo(300 / 3600, 9);
    const stored = await app.strapi.db.connection('lab_samples').where({ experiment_id: experiment.id }).orderBy('seq').select('cycle_index');
    expect(stored.map((r: any) => Number(r.cycle_index))).toEqual(rows.map((_, seq) => Math.floor(seq / 120) + 1));
    // The 10-minute rollup buckets follow: the second cycle starts at minute 20.
    const buckets = await app.strapi.db.connection('lab_sample_rollups').where({ experiment_id: experiment.id, bucket_ms: 600_000 }).orderBy('bucket').select('cycle_first', 'cycle_last');
    expect(buckets.map((b: any) => [Number(b.cycle_first), Number(b.cycle_last)])).toEqual([[1, 1], [1, 1], [2, 2], [2, 2], [3, 3], [3, 3]]);
    // Run again: the indexes are there now, nothing is derived twice.
    expect((await (app.strapi.service('api::lab.cycle-summary') as any).refresh(experiment.id)).cycles).toHaveLength(3);
  });

  it('tells per-cycle counters (reset each cycle) from per-test ones (carried over)', async () => {
    const service = app.strapi.service('api::lab.cycle-summary') as any;
    const labSamples = app.strapi.service('api::lab.lab-samples') as any;
    const make = async (perTest: boolean) => {
      const e = await app.strapi.documents('api::lab.experiment').create({ data: { name: `counters ${perTest}`, state: 'finished' } as any });
      const rows = [];
      let carried = 0;
      for (const cycle of [1, 2, 3]) {
        for (let k = 1; k <= 5; k++) {
          const inCycle = 0.1 * k * cycle;
          rows.push({ experiment_id: e.id, seq: rows.length, recorded_at: new Date(rows.length * 1000), test_time_s: rows.length, voltage_v: 3.7, current_a: 1, cycle_index: cycle, charge_capacity_ah: perTest ? carried + inCycle : inCycle });
        }
        carried += 0.5 * cycle;
      }
      await labSamples.insertSamples(rows);
      return service.compute(e.id);
    };
    const perCycle = await make(false);
    const perTest = await make(true);
    expect([perCycle.sources.charge_capacity_ah, perTest.sources.charge_capacity_ah]).toEqual(['per-cycle', 'per-test']);
    const values = (s: any) => s.cycles.map((c: any) => Number(c.charge_capacity_ah.toFixed(9)));
    expect(values(perCycle)).toEqual([0.5, 1, 1.5]);
    expect(values(perTest)).toEqual([0.5, 1, 1.5]);
  });

  it('own multi-cycle Arbin fixture: the BEEP rule holds on every cycle', async () => {
    const file = path.join(OWN_FIXTURES, 'arbin-units.csv');
    const res = await postCsv(app, IMPORT_ROUTE, token, file, { name: 'own arbin' });
    expect(res.status).toBe(201);
    const rule = beepRule(file);
    expect(res.body.data.summary.cycles).toHaveLength(rule.size);
    for (const c of res.body.data.summary.cycles) {
      SUMMARY_FIELDS.forEach((f, i) => expect(relativeClose(c[f], (rule.get(c.cycle_index) as number[])[i])).toBe(true));
    }
  });
});
