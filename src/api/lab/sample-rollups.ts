/**
 * Chart downsampling of lab samples: multi-resolution rollups maintained on write, and M4 over them.
 *
 * A rollup bucket (table `lab_sample_rollups`, migration 2026.12.01T01) holds, for one experiment and
 * one bucket size, the bucket's first and last sample and the min/max of each charted measure. Every
 * insert of samples merges its rows into the buckets of every level (`rollupRows`, then lab-samples'
 * `mergeRollups`: binary COPY into a staging table and one `insert ... select ... on conflict do update`
 * on PostgreSQL, `upsertRollupRows` on SQLite); the merge is idempotent, so a redelivered batch changes nothing.
 *
 * A chart window is then answered by M4 (Jugel et al., VLDB 2014): the window is cut into `columns`
 * equal time columns and each column keeps its first, min, max and last value, which draws the same
 * line as the raw series at that width. The columns are computed from the coarsest rollup level whose
 * buckets are no wider than a column (a few thousand rows whatever the experiment's length), or from
 * the raw samples when no level is fine enough or the experiment has no rollups (stored before they
 * existed). Min and max are drawn at the column's middle: their exact time inside a column is below
 * the chart's resolution.
 */
import type { Knex } from 'knex';
import type { SeriesPoint } from './contract';
import type { PgType } from './pg-copy-binary';
import { FIELD_SLOT } from './services/battery-formats';

export const ROLLUPS_TABLE = 'lab_sample_rollups';

/** Bucket sizes in ms, finest first, each a multiple of the one before (bucketSamples builds each level from the one below). Ratios of 6-10 keep a window's bucket rows under ~10 per column. */
export const ROLLUP_LEVELS_MS = [10_000, 60_000, 600_000, 3_600_000, 21_600_000] as const;

export const CHART_MEASURES = ['voltage_v', 'current_a', 'power_w', 'temperature_c'] as const;
type Measure = (typeof CHART_MEASURES)[number];

/** One sample as the rollups see it: epoch ms and the charted values. */
export interface ChartSample extends Partial<Record<Measure, number | null>> {
  t: number;
  step_index?: number | null;
  cycle_index?: number | null;
}

/** A rollup bucket, or an M4 column: the same shape (a column merges buckets or samples). */
/** A sample's charted values (a ChartSample, or a lab_samples row as it is written). */
type SampleValues = Partial<Record<Measure, number | null>> & { step_index?: number | null; cycle_index?: number | null };

interface Span {
  t_first: number;
  t_last: number;
  first: SampleValues;
  last: SampleValues;
  min: Record<Measure, number | null>;
  max: Record<Measure, number | null>;
}

const lower = (a: number | null | undefined, b: number | null | undefined) => (a == null ? (b ?? null) : b == null ? a : Math.min(a, b));
const upper = (a: number | null | undefined, b: number | null | undefined) => (a == null ? (b ?? null) : b == null ? a : Math.max(a, b));

function spanOf(sample: SampleValues, t: number): Span {
  const min = {} as Record<Measure, number | null>;
  const max = {} as Record<Measure, number | null>;
  for (const m of CHART_MEASURES) min[m] = max[m] = sample[m] ?? null;
  return { t_first: t, t_last: t, first: sample, last: sample, min, max };
}

/** `into` grows to cover `other` (earliest first wins ties, as a redelivery must change nothing). */
function absorb(into: Span, other: Span): void {
  if (other.t_first < into.t_first) {
    into.t_first = other.t_first;
    into.first = other.first;
  }
  if (other.t_last > into.t_last) {
    into.t_last = other.t_last;
    into.last = other.last;
  }
  for (const m of CHART_MEASURES) {
    into.min[m] = lower(into.min[m], other.min[m]);
    into.max[m] = upper(into.max[m], other.max[m]);
  }
}

/** `absorb(into, spanOf(sample, t))` without allocating: the hot path of every insert. */
function absorbSample(into: Span, sample: SampleValues, t: number): void {
  if (t < into.t_first) {
    into.t_first = t;
    into.first = sample;
  }
  if (t > into.t_last) {
    into.t_last = t;
    into.last = sample;
  }
  for (const m of CHART_MEASURES) {
    const v = sample[m];
    if (v == null) continue;
    const lo = into.min[m];
    const hi = into.max[m];
    if (lo === null || v < lo) into.min[m] = v;
    if (hi === null || v > hi) into.max[m] = v;
  }
}

const copySpan = (s: Span): Span => ({ ...s, min: { ...s.min }, max: { ...s.max } });

/**
 * Spans per (level, bucket) of a batch of samples of one experiment. Samples go into the finest
 * level only; each coarser level merges the spans of the level below (the sizes nest: each is a
 * multiple of the one before), so a sample costs one bucket update whatever the number of levels.
 */
export function bucketSamples<T extends SampleValues>(samples: T[], timeOf: (sample: T) => number): Map<number, Map<number, Span>> {
  const finest = new Map<number, Span>();
  for (const sample of samples) {
    const t = timeOf(sample);
    const bucket = Math.floor(t / FINEST_MS);
    const span = finest.get(bucket);
    if (span) absorbSample(span, sample, t);
    else finest.set(bucket, spanOf(sample, t));
  }
  return levelsFrom(finest);
}

const FINEST_MS = ROLLUP_LEVELS_MS[0];

/** Every level's spans from the finest level's (each coarser level merges the one below). */
function levelsFrom(finest: Map<number, Span>): Map<number, Map<number, Span>> {
  const levels = new Map<number, Map<number, Span>>([[FINEST_MS, finest]]);
  let finer = finest;
  for (const ms of ROLLUP_LEVELS_MS.slice(1)) {
    const buckets = new Map<number, Span>();
    for (const child of finer.values()) {
      const bucket = Math.floor(child.t_first / ms);
      const span = buckets.get(bucket);
      if (span) absorb(span, child);
      else buckets.set(bucket, copySpan(child));
    }
    levels.set(ms, buckets);
    finer = buckets;
  }
  return levels;
}

export const ROLLUP_COLUMNS = [
  'experiment_id', 'bucket_ms', 'bucket', 't_first', 't_last',
  ...CHART_MEASURES.flatMap((m) => [`${m}_first`, `${m}_last`, `${m}_min`, `${m}_max`]),
  'step_first', 'step_last', 'cycle_first', 'cycle_last',
];
/** The columns' types, for PostgreSQL's binary COPY (pg-copy-binary.ts). */
export const ROLLUP_TYPES: PgType[] = ['int', 'int', 'bigint', 'bigint', 'bigint', ...CHART_MEASURES.flatMap(() => ['float8', 'float8', 'float8', 'float8'] as PgType[]), 'int', 'int', 'int', 'int'];
/** Rows per upsert statement: 25 parameters each, under SQLite's 32,766. */
const UPSERT_CHUNK = 1000;

function rollupRow(experimentId: number, bucketMs: number, bucket: number, s: Span): unknown[] {
  // A loop, not flatMap: an import makes ~120k of these per 1M samples.
  const row: unknown[] = [experimentId, bucketMs, bucket, s.t_first, s.t_last];
  for (const m of CHART_MEASURES) row.push(s.first[m] ?? null, s.last[m] ?? null, s.min[m], s.max[m]);
  row.push(s.first.step_index ?? null, s.last.step_index ?? null, s.first.cycle_index ?? null, s.last.cycle_index ?? null);
  return row;
}

/** A sample as insertSamples receives it. */
export type RollupSample = SampleValues & { experiment_id: number; recorded_at: Date };

/** The rollup rows (ROLLUP_COLUMNS order) of samples of any experiments, in any order: one per (experiment, level, bucket). */
export function rollupRows(samples: RollupSample[]): unknown[][] {
  const byExperiment = new Map<number, RollupSample[]>();
  for (const s of samples) {
    const list = byExperiment.get(s.experiment_id);
    if (list) list.push(s);
    else byExperiment.set(s.experiment_id, [s]);
  }
  const rows: unknown[][] = [];
  for (const [experimentId, list] of byExperiment) {
    for (const [ms, buckets] of bucketSamples(list, (s) => s.recorded_at.getTime())) {
      for (const [bucket, span] of buckets) rows.push(rollupRow(experimentId, ms, bucket, span));
    }
  }
  return rows;
}

/** The slots (SampleReader.values, battery-formats' FIELD_SLOT) a rollup keeps of a sample: the charted measures, then step and cycle. */
const VALUE_SLOTS = [...CHART_MEASURES.map((m) => FIELD_SLOT[m]), FIELD_SLOT.step_index, FIELD_SLOT.cycle_index];
const VALUES = VALUE_SLOTS.length;
const MEASURES = CHART_MEASURES.length;
/** RollupAccumulator's bucket in the making: t_first, t_last, first values, last values, minima, maxima (NaN: none). */
const T_FIRST = 0;
const T_LAST = 1;
const FIRST = 2;
const LAST = FIRST + VALUES;
const MIN = LAST + VALUES;
const MAX = MIN + MEASURES;
/** Finest-level spans gathered before they are merged into the open buckets. */
const PENDING_SPANS = 256;

/**
 * The rollup rows of one experiment's samples, each bucket written once when it is closed (a later
 * sample lies in a later bucket of its level), for an import: its experiment is new, so the closed
 * buckets can be copied straight into the table with no merge. Samples come as SampleReader's slots
 * and are folded into the finest bucket in typed slots (no object per sample; a span per bucket).
 * Should a sample fall in a bucket already written (a file not in time order), `merge` turns on for
 * the rest, and those rows must be merged (`mergeClause`) like a live flush's.
 */
export class RollupAccumulator {
  private open = new Map<number, Map<number, Span>>();
  /** Per level: the newest bucket seen, and the newest written. */
  private newest = new Map<number, number>();
  private written = new Map<number, number>();
  private building = new Float64Array(MAX + MEASURES);
  private buildingBucket: number | null = null;
  private pending: Span[] = [];
  merge = false;

  constructor(private experimentId: number) {}

  /** Takes one sample (SampleReader's slots: recorded_at in epoch ms, NaN for no value). */
  addValues(v: Float64Array): void {
    const t = v[FIELD_SLOT.recorded_at];
    const bucket = Math.floor(t / FINEST_MS);
    const b = this.building;
    if (bucket !== this.buildingBucket) {
      if (this.buildingBucket !== null) this.pending.push(this.built());
      if (this.pending.length >= PENDING_SPANS) this.absorbPending();
      this.buildingBucket = bucket;
      b[T_FIRST] = t;
      b[T_LAST] = t;
      for (let i = 0; i < VALUES; i++) b[FIRST + i] = b[LAST + i] = v[VALUE_SLOTS[i]];
      for (let i = 0; i < MEASURES; i++) b[MIN + i] = b[MAX + i] = v[VALUE_SLOTS[i]];
      return;
    }
    // As absorbSample: the earliest sample stays first on a tie, the latest becomes last.
    if (t < b[T_FIRST]) {
      b[T_FIRST] = t;
      for (let i = 0; i < VALUES; i++) b[FIRST + i] = v[VALUE_SLOTS[i]];
    }
    if (t > b[T_LAST]) {
      b[T_LAST] = t;
      for (let i = 0; i < VALUES; i++) b[LAST + i] = v[VALUE_SLOTS[i]];
    }
    for (let i = 0; i < MEASURES; i++) {
      const x = v[VALUE_SLOTS[i]];
      if (x !== x) continue;
      if (!(x >= b[MIN + i])) b[MIN + i] = x;
      if (!(x <= b[MAX + i])) b[MAX + i] = x;
    }
  }

  /** The bucket in the making as a span (it keeps building: a later span of the same bucket merges with this one). */
  private built(): Span {
    const b = this.building;
    const values = (at: number): SampleValues => {
      const out: SampleValues = {};
      CHART_MEASURES.forEach((m, i) => (out[m] = nullable(b[at + i])));
      out.step_index = nullable(b[at + MEASURES]);
      out.cycle_index = nullable(b[at + MEASURES + 1]);
      return out;
    };
    const min = {} as Record<Measure, number | null>;
    const max = {} as Record<Measure, number | null>;
    CHART_MEASURES.forEach((m, i) => {
      min[m] = nullable(b[MIN + i]);
      max[m] = nullable(b[MAX + i]);
    });
    return { t_first: b[T_FIRST], t_last: b[T_LAST], first: values(FIRST), last: values(LAST), min, max };
  }

  /** Merges the gathered spans into the open buckets of every level. */
  private absorbPending(): void {
    const finest = new Map<number, Span>();
    for (const span of this.pending) {
      const bucket = Math.floor(span.t_first / FINEST_MS);
      const known = finest.get(bucket);
      if (known) absorb(known, span);
      else finest.set(bucket, span);
    }
    this.pending = [];
    for (const [ms, buckets] of levelsFrom(finest)) {
      const open = this.open.get(ms) ?? new Map<number, Span>();
      this.open.set(ms, open);
      const written = this.written.get(ms) ?? -Infinity;
      let newest = this.newest.get(ms) ?? -Infinity;
      for (const [bucket, span] of buckets) {
        if (bucket <= written) this.merge = true;
        const known = open.get(bucket);
        if (known) absorb(known, span);
        else open.set(bucket, span);
        if (bucket > newest) newest = bucket;
      }
      this.newest.set(ms, newest);
    }
  }

  /**
   * The rows of the buckets closed since the last call, each once (a merge statement must not
   * meet the same bucket twice): the buckets before the newest of their level.
   */
  closed(): unknown[][] {
    if (this.buildingBucket !== null) this.pending.push(this.built());
    this.absorbPending();
    const rows: unknown[][] = [];
    for (const [ms, open] of this.open) {
      const newest = this.newest.get(ms) ?? -Infinity;
      for (const [bucket, span] of open) {
        if (bucket >= newest) continue;
        rows.push(rollupRow(this.experimentId, ms, bucket, span));
        open.delete(bucket);
        if (bucket > (this.written.get(ms) ?? -Infinity)) this.written.set(ms, bucket);
      }
    }
    return rows;
  }

  /** The rows of the buckets still open, at the end of the samples (after the last closed()). */
  finish(): unknown[][] {
    if (this.buildingBucket !== null) this.pending.push(this.built());
    this.buildingBucket = null;
    this.absorbPending();
    const rows: unknown[][] = [];
    for (const [ms, open] of this.open) for (const [bucket, span] of open) rows.push(rollupRow(this.experimentId, ms, bucket, span));
    this.open.clear();
    return rows;
  }
}

const nullable = (v: number): number | null => (v === v ? v : null);

/**
 * The `on conflict ... do update` clause that merges a new bucket (`excluded`) into the stored one.
 * SET sees the stored row as it was before the update on both databases, so every column compares
 * against the stored t_first/t_last. PostgreSQL's least/greatest skip nulls; SQLite's two-argument
 * min/max return null if either is, hence the coalesce.
 */
export function mergeClause(postgres: boolean): string {
  const old = (c: string) => `${ROLLUPS_TABLE}.${c}`;
  const pick = (fn: 'least' | 'greatest', c: string) =>
    postgres ? `${fn}(${old(c)}, excluded.${c})` : `${fn === 'least' ? 'min' : 'max'}(coalesce(${old(c)}, excluded.${c}), coalesce(excluded.${c}, ${old(c)}))`;
  const earlier = (c: string) => `${c} = case when excluded.t_first < ${old('t_first')} then excluded.${c} else ${old(c)} end`;
  const later = (c: string) => `${c} = case when excluded.t_last > ${old('t_last')} then excluded.${c} else ${old(c)} end`;
  const sets = [
    ...CHART_MEASURES.flatMap((m) => [earlier(`${m}_first`), later(`${m}_last`), `${m}_min = ${pick('least', `${m}_min`)}`, `${m}_max = ${pick('greatest', `${m}_max`)}`]),
    earlier('step_first'), later('step_last'), earlier('cycle_first'), later('cycle_last'),
    // Last: the comparisons above read the stored times.
    `t_first = ${pick('least', 't_first')}`, `t_last = ${pick('greatest', 't_last')}`,
  ];
  return `on conflict (experiment_id, bucket_ms, bucket) do update set ${sets.join(', ')}`;
}

/** Merges rollup rows by multi-row `insert ... on conflict do update`, in `trx` (SQLite; small batches on PostgreSQL). */
export async function upsertRollupRows(trx: Knex, rows: unknown[][], postgres: boolean): Promise<void> {
  const tuple = `(${ROLLUP_COLUMNS.map(() => '?').join(', ')})`;
  const merge = mergeClause(postgres);
  for (let i = 0; i < rows.length; i += UPSERT_CHUNK) {
    const chunk = rows.slice(i, i + UPSERT_CHUNK);
    await trx.raw(`insert into ${ROLLUPS_TABLE} (${ROLLUP_COLUMNS.join(', ')}) values ${chunk.map(() => tuple).join(', ')} ${merge}`, chunk.flat());
  }
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** Column names per measure, built once: these run for every row of every chart read. */
const NAMES = CHART_MEASURES.map((m) => ({ m, first: `${m}_first`, last: `${m}_last`, min: `${m}_min`, max: `${m}_max` }));

/** The min/max columns of a rollup or SQL column row. */
function extremes(r: any): Pick<Span, 'min' | 'max'> {
  const min = {} as Record<Measure, number | null>;
  const max = {} as Record<Measure, number | null>;
  for (const n of NAMES) {
    min[n.m] = num(r[n.min]);
    max[n.m] = num(r[n.max]);
  }
  return { min, max };
}

/** A stored rollup row back as a span. */
export function spanFromRollup(r: any): Span {
  const first: ChartSample = { t: Number(r.t_first), step_index: num(r.step_first), cycle_index: num(r.cycle_first) };
  const last: ChartSample = { t: Number(r.t_last), step_index: num(r.step_last), cycle_index: num(r.cycle_last) };
  for (const n of NAMES) {
    first[n.m] = num(r[n.first]);
    last[n.m] = num(r[n.last]);
  }
  return { t_first: first.t, t_last: last.t, first, last, ...extremes(r) };
}

/** A raw-sample M4 column from SQL (min/max per measure, first/last times; first/last samples looked up). */
export function spanFromColumn(r: any, samplesAt: Map<number, ChartSample>): Span {
  const tFirst = Number(r.t_first);
  const tLast = Number(r.t_last);
  return { t_first: tFirst, t_last: tLast, first: samplesAt.get(tFirst) ?? { t: tFirst }, last: samplesAt.get(tLast) ?? { t: tLast }, ...extremes(r) };
}

/** The level to read for columns `columnMs` wide: the coarsest no wider than a column, or 0 (raw samples). */
export function levelFor(columnMs: number): number {
  let level = 0;
  for (const ms of ROLLUP_LEVELS_MS) if (ms <= columnMs) level = ms;
  return level;
}

const point = (t: number, s: SampleValues): SeriesPoint => ({
  t,
  voltage_v: s.voltage_v ?? null, current_a: s.current_a ?? null, power_w: s.power_w ?? null, temperature_c: s.temperature_c ?? null,
  step_index: s.step_index ?? null, cycle_index: s.cycle_index ?? null,
});

/**
 * M4 over spans (rollup buckets or SQL columns, in time order): spans are grouped into `columns`
 * columns of `columnMs` from `from`, and each column gives its first sample, a row of the measures'
 * minima and one of their maxima at the column's middle (a measure only where its extreme lies
 * strictly beyond the first and last values, or they lack the measure: elsewhere it adds nothing to
 * the line; null otherwise),
 * and its last sample. At most 4 points per column; a column of one sample gives one.
 */
export function m4(spans: Span[], from: number, columnMs: number): SeriesPoint[] {
  const columns = new Map<number, Span>();
  for (const span of spans) {
    const c = Math.floor((span.t_first - from) / columnMs);
    const column = columns.get(c);
    if (column) absorb(column, span);
    else columns.set(c, copySpan(span));
  }
  const points: SeriesPoint[] = [];
  for (const [c, col] of [...columns].sort((a, b) => a[0] - b[0])) {
    points.push(point(col.t_first, col.first));
    if (col.t_last === col.t_first) continue;
    if (col.t_last - col.t_first >= 2) {
      const middle = Math.min(Math.max(Math.round(from + (c + 0.5) * columnMs), col.t_first + 1), col.t_last - 1);
      const low = point(middle, col.first);
      const high = point(middle, col.first);
      let lows = 0;
      let highs = 0;
      for (const m of CHART_MEASURES) {
        // Kept where it sticks out beyond both ends (or the ends lack the measure), else it adds nothing.
        const lo = col.min[m];
        const loEdge = lower(col.first[m], col.last[m]);
        low[m] = lo !== null && (loEdge === null || lo < loEdge) ? (lows++, lo) : null;
        const hi = col.max[m];
        const hiEdge = upper(col.first[m], col.last[m]);
        high[m] = hi !== null && (hiEdge === null || hi > hiEdge) ? (highs++, hi) : null;
      }
      if (lows) points.push(low);
      if (highs) points.push(high);
    }
    points.push(point(col.t_last, col.last));
  }
  return points;
}
