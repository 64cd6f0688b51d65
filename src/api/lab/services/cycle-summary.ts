/**
 * `api::lab.cycle-summary`: per-cycle figures of an experiment, computed from `lab_samples` with SQL
 * aggregates (one GROUP BY cycle_index; one window-function pass when capacities must be integrated)
 * and stored in the experiment's `cycle_summary` JSON field, which the charts read whole (capacity
 * and coulombic efficiency vs cycle).
 *
 * Capacities and energies come from the cycler's counter columns when they were recorded:
 * - cumulative per cycle (Arbin: reset at each cycle) -> the cycle's max, BEEP's rule;
 * - cumulative per test (BDF) -> the cycle's max minus the previous cycle's max;
 * told apart per column from the data (see `counterMode`). A column never recorded is integrated
 * from current (and voltage) over test time, trapezoidally, positive current = charge.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { SAMPLES_TABLE } from './lab-samples';
import { CycleDetector, FIELD_SLOT as F } from './battery-formats';
import { ROLLUPS_TABLE } from '../sample-rollups';

export const COUNTERS = ['charge_capacity_ah', 'discharge_capacity_ah', 'charge_energy_wh', 'discharge_energy_wh'] as const;
export type Counter = (typeof COUNTERS)[number];
export type CounterSource = 'per-cycle' | 'per-test' | 'integrated';

export interface CycleFigures {
  cycle_index: number;
  samples: number;
  start: string | null;
  end: string | null;
  duration_s: number | null;
  charge_capacity_ah: number;
  discharge_capacity_ah: number;
  charge_energy_wh: number;
  discharge_energy_wh: number;
  /** discharge / charge capacity; null without charge. */
  coulombic_efficiency: number | null;
  /** discharge / charge energy; null without charge energy. */
  energy_efficiency: number | null;
  min_voltage_v: number | null;
  max_voltage_v: number | null;
  min_temperature_c: number | null;
  mean_temperature_c: number | null;
  max_temperature_c: number | null;
  /** Discharge capacity / that of the first full cycle (charge and discharge both > 0). */
  capacity_retention: number | null;
}

export interface CycleSummary {
  version: 1;
  computed_at: string;
  sources: Record<Counter, CounterSource>;
  first_full_cycle: number | null;
  cycles: CycleFigures[];
}

export interface CycleAggregate {
  cycle_index: number;
  n: number;
  t_start: number | null;
  t_end: number | null;
  tt_start: number | null;
  tt_end: number | null;
  v_min: number | null;
  v_max: number | null;
  temp_min: number | null;
  temp_avg: number | null;
  temp_max: number | null;
  max: Record<Counter, number | null>;
  min: Record<Counter, number | null>;
  count: Record<Counter, number>;
}



/**
 * The per-cycle aggregates of samples as they are written (an import's), the same figures as the
 * summary's GROUP BY (rows without a cycle index left out, nulls ignored), so an import need not
 * read its rows back: on a 1M-row file that query was ~0.8 s of the import.
 */
export class CycleAggregator {
  /** Per cycle index, its running figures in the slots below (a typed array: no boxed number per update). */
  private cycles = new Map<number, Float64Array>();
  /** The cycle of the last sample: consecutive samples are nearly always of the same one. */
  private lastIndex = Number.NaN;
  private last: Float64Array | null = null;

  /** Takes a sample as SampleReader's slots (NaN: no value). */
  add(v: Float64Array): void {
    const index = v[F.cycle_index];
    if (index !== index) return;
    let c = index === this.lastIndex ? this.last : this.cycles.get(index);
    if (!c) {
      c = new Float64Array(SLOTS);
      for (const slot of LOWEST) c[slot] = Infinity;
      for (const slot of HIGHEST) c[slot] = -Infinity;
      this.cycles.set(index, c);
    }
    this.lastIndex = index;
    this.last = c;
    c[N] += 1;
    range(c, T_START, T_END, v[F.recorded_at]);
    range(c, TT_START, TT_END, v[F.test_time_s]);
    range(c, V_MIN, V_MAX, v[F.voltage_v]);
    const temperature = v[F.temperature_c];
    if (temperature === temperature) {
      range(c, TEMP_MIN, TEMP_MAX, temperature);
      c[TEMP_SUM] += temperature;
      c[TEMP_COUNT] += 1;
    }
    counted(c, COUNTER_SLOTS[0], v[F.charge_capacity_ah]);
    counted(c, COUNTER_SLOTS[1], v[F.discharge_capacity_ah]);
    counted(c, COUNTER_SLOTS[2], v[F.charge_energy_wh]);
    counted(c, COUNTER_SLOTS[3], v[F.discharge_energy_wh]);
  }

  /** The aggregates by cycle index, as `compute` takes them. */
  result(): CycleAggregate[] {
    const value = (v: number) => (Number.isFinite(v) ? v : null);
    return [...this.cycles.entries()].sort((a, b) => a[0] - b[0]).map(([cycle_index, c]) => ({
      cycle_index, n: c[N], t_start: value(c[T_START]), t_end: value(c[T_END]), tt_start: value(c[TT_START]), tt_end: value(c[TT_END]),
      v_min: value(c[V_MIN]), v_max: value(c[V_MAX]),
      temp_min: value(c[TEMP_MIN]), temp_avg: c[TEMP_COUNT] ? c[TEMP_SUM] / c[TEMP_COUNT] : null, temp_max: value(c[TEMP_MAX]),
      max: Object.fromEntries(COUNTERS.map((k, i) => [k, value(c[COUNTER_SLOTS[i]])])) as Record<Counter, number | null>,
      min: Object.fromEntries(COUNTERS.map((k, i) => [k, value(c[COUNTER_SLOTS[i] + 1])])) as Record<Counter, number | null>,
      count: Object.fromEntries(COUNTERS.map((k, i) => [k, c[COUNTER_SLOTS[i] + 2]])) as Record<Counter, number>,
    }));
  }
}

/** CycleAggregator's slots: counts, ranges (±Infinity until a value comes), then max, min and count per counter. */
const [N, T_START, T_END, TT_START, TT_END, V_MIN, V_MAX, TEMP_MIN, TEMP_MAX, TEMP_SUM, TEMP_COUNT] = Array.from({ length: 11 }, (_, i) => i);
const COUNTER_SLOTS = COUNTERS.map((_, i) => 11 + 3 * i);
const SLOTS = 11 + 3 * COUNTERS.length;
const LOWEST = [T_START, TT_START, V_MIN, TEMP_MIN, ...COUNTER_SLOTS.map((s) => s + 1)];
const HIGHEST = [T_END, TT_END, V_MAX, TEMP_MAX, ...COUNTER_SLOTS];

function range(c: Float64Array, low: number, high: number, v: number): void {
  if (v !== v) return;
  if (v < c[low]) c[low] = v;
  if (v > c[high]) c[high] = v;
}

/** A counter's max, min and count at `slot`, `slot + 1`, `slot + 2`. */
function counted(c: Float64Array, slot: number, v: number): void {
  if (v !== v) return;
  if (v > c[slot]) c[slot] = v;
  if (v < c[slot + 1]) c[slot + 1] = v;
  c[slot + 2] += 1;
}

/** Relative tolerance of the "did the counter reset?" comparison (float noise of the cycler's file). */
const RESET_TOLERANCE = 1e-9;

/**
 * Whether a counter restarts every cycle or keeps counting over the test: per-test when, across
 * consecutive cycles that recorded it, no cycle starts below the previous cycle's max and at least
 * one starts clearly above zero. Anything else (resets, a single cycle) is per-cycle, which is
 * BEEP's rule.
 */
export function counterMode(cycles: CycleAggregate[], counter: Counter): 'per-cycle' | 'per-test' {
  const recorded = cycles.filter((c) => c.count[counter] > 0);
  let carried = false;
  for (let i = 1; i < recorded.length; i++) {
    const previousMax = recorded[i - 1].max[counter] as number;
    const min = recorded[i].min[counter] as number;
    const tolerance = RESET_TOLERANCE * Math.max(1, Math.abs(previousMax));
    if (min < previousMax - tolerance) return 'per-cycle';
    if (min > tolerance) carried = true;
  }
  return carried ? 'per-test' : 'per-cycle';
}

/** Samples per page when deriving cycles of a live experiment. */
const DERIVE_PAGE = 10_000;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

const isPostgres = (knex: Knex) => ['pg', 'postgres', 'postgresql'].includes((knex.client as any).config.client);

const createCycleSummary = ({ strapi }: { strapi: Core.Strapi }) => {
  /** recorded_at as epoch ms in SQL (timestamptz on PostgreSQL, integer ms on SQLite). */
  const ms = (db: Knex, column: string) => (isPostgres(db) ? `(extract(epoch from ${column}) * 1000)` : column);

  async function aggregates(db: Knex, experimentId: number): Promise<CycleAggregate[]> {
    const counterColumns = COUNTERS.flatMap((c) => [`max(${c}) as max_${c}`, `min(${c}) as min_${c}`, `count(${c}) as n_${c}`]);
    const rows = await db(SAMPLES_TABLE)
      .where({ experiment_id: experimentId })
      .whereNotNull('cycle_index')
      .select(db.raw([
        'cycle_index', 'count(*) as n',
        `${ms(db, 'min(recorded_at)')} as t_start`, `${ms(db, 'max(recorded_at)')} as t_end`,
        'min(test_time_s) as tt_start', 'max(test_time_s) as tt_end',
        'min(voltage_v) as v_min', 'max(voltage_v) as v_max',
        'min(temperature_c) as temp_min', 'avg(temperature_c) as temp_avg', 'max(temperature_c) as temp_max',
        ...counterColumns,
      ].join(', ')))
      .groupBy('cycle_index')
      .orderBy('cycle_index');
    return rows.map((r: any) => ({
      cycle_index: Number(r.cycle_index),
      n: Number(r.n),
      t_start: num(r.t_start), t_end: num(r.t_end), tt_start: num(r.tt_start), tt_end: num(r.tt_end),
      v_min: num(r.v_min), v_max: num(r.v_max),
      temp_min: num(r.temp_min), temp_avg: num(r.temp_avg), temp_max: num(r.temp_max),
      max: Object.fromEntries(COUNTERS.map((c) => [c, num(r[`max_${c}`])])) as Record<Counter, number | null>,
      min: Object.fromEntries(COUNTERS.map((c) => [c, num(r[`min_${c}`])])) as Record<Counter, number | null>,
      count: Object.fromEntries(COUNTERS.map((c) => [c, Number(r[`n_${c}`])])) as Record<Counter, number>,
    }));
  }

  /**
   * Charge/discharge Ah and Wh per cycle from current x time (trapezoids between consecutive samples
   * in seq order; an interval counts for the cycle of its later sample, and as charge or discharge by
   * the sign of its mean current). Power is power_w when recorded, else voltage x current.
   */
  async function integrated(db: Knex, experimentId: number): Promise<Map<number, Record<Counter, number>>> {
    const rows = await db.raw(
      `select cycle_index,
         sum(case when i > 0 then i * dt else 0 end) / 3600.0 as charge_capacity_ah,
         sum(case when i < 0 then -i * dt else 0 end) / 3600.0 as discharge_capacity_ah,
         sum(case when i > 0 then p * dt else 0 end) / 3600.0 as charge_energy_wh,
         sum(case when i < 0 then -p * dt else 0 end) / 3600.0 as discharge_energy_wh
       from (
         select cycle_index,
           (current_a + lag(current_a) over w) / 2 as i,
           (coalesce(power_w, voltage_v * current_a) + lag(coalesce(power_w, voltage_v * current_a)) over w) / 2 as p,
           test_time_s - lag(test_time_s) over w as dt
         from ${SAMPLES_TABLE} where experiment_id = ?
         window w as (order by seq)
       ) s
       where cycle_index is not null and dt is not null
       group by cycle_index`,
      [experimentId],
    );
    const list = (isPostgres(db) ? rows.rows : rows) as any[];
    return new Map(list.map((r) => [Number(r.cycle_index), Object.fromEntries(COUNTERS.map((c) => [c, Math.abs(Number(r[c] ?? 0))])) as Record<Counter, number>]));
  }

  /**
   * Cycle indexes for an experiment none of whose samples has one (a live cycler that does not count
   * cycles), from its charge/discharge transitions with the import's rule (`CycleDetector`: a new cycle
   * at the first charge after a discharge). Samples are read in seq order a page at a time (seq and
   * current only); each cycle is then one range update of the samples and of the chart rollups'
   * cycle columns, whose buckets lie in the cycle's time range. Returns the number of cycles, 0 when
   * the experiment has cycle indexes already or no samples.
   */
  async function deriveCycles(db: Knex, experimentId: number): Promise<number> {
    const indexed = await db(SAMPLES_TABLE).where({ experiment_id: experimentId }).whereNotNull('cycle_index').first('seq');
    if (indexed) return 0;
    const detector = new CycleDetector();
    // Each cycle's first seq and first time (epoch ms).
    const starts: Array<{ cycle: number; seq: number; t: number }> = [];
    let after = -1;
    for (;;) {
      const page = await db(SAMPLES_TABLE)
        .where({ experiment_id: experimentId }).andWhere('seq', '>', after)
        .select('seq', 'current_a', db.raw(`${ms(db, 'recorded_at')} as t`))
        .orderBy('seq').limit(DERIVE_PAGE);
      for (const r of page as any[]) {
        const cycle = detector.next(r.current_a == null ? 0 : Number(r.current_a));
        if (!starts.length || starts[starts.length - 1].cycle !== cycle) starts.push({ cycle, seq: Number(r.seq), t: Math.round(Number(r.t)) });
      }
      if (page.length < DERIVE_PAGE) break;
      after = Number(page[page.length - 1].seq);
    }
    for (let k = 0; k < starts.length; k++) {
      const next = starts[k + 1];
      const samples = db(SAMPLES_TABLE).where({ experiment_id: experimentId }).andWhere('seq', '>=', starts[k].seq);
      await (next ? samples.andWhere('seq', '<', next.seq) : samples).update({ cycle_index: starts[k].cycle });
      for (const [column, time] of [['cycle_first', 't_first'], ['cycle_last', 't_last']] as const) {
        const buckets = db(ROLLUPS_TABLE).where({ experiment_id: experimentId });
        if (k) buckets.andWhere(time, '>=', starts[k].t);
        if (next) buckets.andWhere(time, '<', next.t);
        await buckets.update({ [column]: starts[k].cycle });
      }
    }
    return starts.length;
  }

  return {
    /** The summary of one experiment from its samples (rows without a cycle index are left out). */
    async compute(experimentId: number, trx?: Knex, known?: CycleAggregate[]): Promise<CycleSummary> {
      const db = trx ?? strapi.db.connection;
      const cycles = known ?? (await aggregates(db, experimentId));
      const sources = {} as Record<Counter, CounterSource>;
      for (const c of COUNTERS) sources[c] = cycles.some((x) => x.count[c] > 0) ? counterMode(cycles, c) : 'integrated';
      const integral = COUNTERS.some((c) => sources[c] === 'integrated') ? await integrated(db, experimentId) : new Map();

      const previousMax = {} as Record<Counter, number | null>;
      const figures: CycleFigures[] = cycles.map((x) => {
        const value = {} as Record<Counter, number>;
        for (const c of COUNTERS) {
          if (sources[c] === 'integrated') value[c] = integral.get(x.cycle_index)?.[c] ?? 0;
          else if (x.count[c] === 0) value[c] = 0;
          else if (sources[c] === 'per-cycle') value[c] = x.max[c] as number;
          else {
            // A per-test counter starts at 0 with the test: the first cycle's base is 0.
            value[c] = (x.max[c] as number) - (previousMax[c] ?? 0);
            previousMax[c] = x.max[c];
          }
        }
        const start = x.t_start === null ? null : Math.round(x.t_start);
        const end = x.t_end === null ? null : Math.round(x.t_end);
        const duration = x.tt_start !== null && x.tt_end !== null ? x.tt_end - x.tt_start : start !== null && end !== null ? (end - start) / 1000 : null;
        return {
          cycle_index: x.cycle_index,
          samples: x.n,
          start: start === null ? null : new Date(start).toISOString(),
          end: end === null ? null : new Date(end).toISOString(),
          duration_s: duration,
          ...value,
          coulombic_efficiency: ratio(value.discharge_capacity_ah, value.charge_capacity_ah),
          energy_efficiency: ratio(value.discharge_energy_wh, value.charge_energy_wh),
          min_voltage_v: x.v_min,
          max_voltage_v: x.v_max,
          min_temperature_c: x.temp_min,
          mean_temperature_c: x.temp_avg,
          max_temperature_c: x.temp_max,
          capacity_retention: null,
        };
      });
      const firstFull = figures.find((f) => f.charge_capacity_ah > 0 && f.discharge_capacity_ah > 0) ?? null;
      if (firstFull) for (const f of figures) f.capacity_retention = f.discharge_capacity_ah / firstFull.discharge_capacity_ah;
      return { version: 1, computed_at: new Date().toISOString(), sources, first_full_cycle: firstFull?.cycle_index ?? null, cycles: figures };
    },

    /**
     * Computes and stores the summary on the experiment (`cycle_summary`), first deriving cycle indexes
     * when no sample has one (`deriveCycles`). Inside an import, `trx` is its transaction (the summary
     * commits or rolls back with the samples). `known`: the aggregates of the samples as they were
     * written (a `CycleAggregator`'s), when every sample has its cycle index.
     */
    async refresh(experimentId: number, trx?: Knex, known?: CycleAggregate[]): Promise<CycleSummary> {
      // Derived cycles and the summary commit together.
      if (!trx) return strapi.db.connection.transaction((t) => this.refresh(experimentId, t, known));
      const db = trx;
      // The experiment's row is locked before the samples are read: a batch of live samples still
      // committing (its transaction adds to sample_count) commits first and is seen, or waits for
      // this summary and then asks for a new one (the cycler bridge's sample writer).
      const experiment = () => db('lab_experiments').where({ id: experimentId });
      await experiment().update({ updated_at: new Date() });
      if (!known) await deriveCycles(db, experimentId);
      const summary = await this.compute(experimentId, trx, known);
      // knex, not the Document Service: a derived field, no middleware applies, and inside `trx`.
      await experiment().update({ cycle_summary: JSON.stringify(summary) });
      return summary;
    },
  };
};

export type CycleSummaryService = ReturnType<typeof createCycleSummary>;
export default createCycleSummary;
