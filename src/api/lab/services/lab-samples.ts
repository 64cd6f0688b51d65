/**
 * `api::lab.lab-samples`: the one read/write path of the `lab_samples` table (a plain table, see
 * database/migrations/2026.11.22T00.00.00.create-lab-samples.js). Writes are bulk and idempotent by
 * (experiment_id, seq); reads are downsampled series for charts and full-resolution CSV exports.
 *
 * `recorded_at` is a timestamptz on PostgreSQL and epoch milliseconds (an integer) on SQLite, so the
 * bucket arithmetic is plain integer maths on both.
 */
import { PassThrough, Readable } from 'stream';
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { Client as PgClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import Papa from 'papaparse';
import type { SeriesPoint } from '../contract';
import { COPY_SIGNATURE, FIXED_BYTES, TYPE_CODES, copyBinaryRows, writeField, writeHeader, writeTimestamp, type PgType } from '../pg-copy-binary';
import { FIELD_SLOT, SAMPLE_FIELDS } from './battery-formats';
import { CHART_MEASURES, ROLLUPS_TABLE, ROLLUP_COLUMNS, ROLLUP_TYPES, levelFor, m4, mergeClause, rollupRows, spanFromColumn, spanFromRollup, upsertRollupRows, type ChartSample } from '../sample-rollups';

export const SAMPLES_TABLE = 'lab_samples';

export const MEASUREMENT_COLUMNS = [
  'test_time_s', 'voltage_v', 'current_a', 'power_w', 'temperature_c',
  'charge_capacity_ah', 'discharge_capacity_ah', 'charge_energy_wh', 'discharge_energy_wh',
] as const;
export type MeasurementColumn = (typeof MEASUREMENT_COLUMNS)[number];

export interface SampleRow extends Partial<Record<MeasurementColumn, number | null>> {
  experiment_id: number;
  seq: number;
  recorded_at: Date;
  cycle_index?: number | null;
  step_index?: number | null;
  /** JSON text or null. */
  extra?: string | null;
}

/** Column order of inserts and exports. */
export const SAMPLE_COLUMNS = ['experiment_id', 'seq', 'recorded_at', ...MEASUREMENT_COLUMNS, 'cycle_index', 'step_index', 'extra'] as const;

const PG_TYPES: Record<(typeof SAMPLE_COLUMNS)[number], PgType> = {
  experiment_id: 'int', seq: 'bigint', recorded_at: 'timestamptz', cycle_index: 'int', step_index: 'int', extra: 'json',
  ...Object.fromEntries(MEASUREMENT_COLUMNS.map((c) => [c, 'float8'])) as Record<MeasurementColumn, PgType>,
};

export interface SampleExportOptions {
  /** Epoch ms, inclusive. */
  from?: number;
  to?: number;
  /** Header style: Battery Data Format names (default) or the lab_samples column names. */
  names?: 'bdf' | 'native';
}

/**
 * Battery Data Format (Battery Data Alliance) headers of the lab_samples columns, in export order:
 * the names battery-formats.ts recognises as BDF (` / ` units, `Test Time`, `Voltage`, `Current`),
 * all in SI, so an export re-imports with format `bdf` and every value unchanged. `recorded_at` is
 * `Unix Time / s` (milliseconds as decimals).
 */
export const BDF_HEADERS = {
  test_time_s: 'Test Time / s',
  recorded_at: 'Unix Time / s',
  voltage_v: 'Voltage / V',
  current_a: 'Current / A',
  power_w: 'Power / W',
  temperature_c: 'Temperature T1 / degC',
  cycle_index: 'Cycle Count / 1',
  step_index: 'Step Index / 1',
  charge_capacity_ah: 'Charging Capacity / Ah',
  discharge_capacity_ah: 'Discharging Capacity / Ah',
  charge_energy_wh: 'Charging Energy / Wh',
  discharge_energy_wh: 'Discharging Energy / Wh',
} as const;
const BDF_COLUMNS = Object.keys(BDF_HEADERS) as Array<keyof typeof BDF_HEADERS>;
const EXPORT_PAGE = 5000;

/** `extra` as JSON text whatever the driver hands back. */
const jsonText = (value: unknown) => (value == null ? null : typeof value === 'string' ? value : JSON.stringify(value));

/** Strapi's SQLite dialect caps one INSERT at 500 rows; 15 columns x 500 stays under SQLite's 32,766 variables. */
const SQLITE_CHUNK = 500;
const POSTGRES_CHUNK = 20_000;
/** PostgreSQL's unique_violation: a key of the COPY is already stored. */
const UNIQUE_VIOLATION = '23505';
/** Session temp table the rollup rows of a batch are copied into before the merge. */
const ROLLUPS_STAGE = 'lab_sample_rollups_stage';
/** Bucket rows from which the staging table pays off. */
const STAGE_FROM_ROWS = 200;
/** Sample times per lookup of the raw M4 columns' first/last samples. */
const LOOKUP_CHUNK = 500;

const ROW_BYTES = 2 + SAMPLE_COLUMNS.reduce((n, c) => n + 4 + FIXED_BYTES[PG_TYPES[c]], 0);

/** A float8 field (NaN: null); small enough for V8 to inline into SampleCopyEncoder.addValues. */
function writeFloat8(view: DataView, o: number, value: number): number {
  if (value !== value) {
    view.setInt32(o, -1);
    return o + 4;
  }
  view.setInt32(o, 8);
  view.setFloat64(o + 4, value);
  return o + 12;
}

const F = FIELD_SLOT;
/** The row fields other than recorded_at that have a slot (measurements, cycle and step). */
const SLOT_COLUMNS = [...MEASUREMENT_COLUMNS, 'cycle_index', 'step_index'] as const;
/** add()'s row as slots (one at a time: the encoder is synchronous). */
const ROW_SLOTS = new Float64Array(SAMPLE_FIELDS.length);

const [EXPERIMENT, SEQ, RECORDED, CYCLE, STEP, EXTRA] = ['experiment_id', 'seq', 'recorded_at', 'cycle_index', 'step_index', 'extra'].map(
  (c) => [TYPE_CODES[PG_TYPES[c as (typeof SAMPLE_COLUMNS)[number]]], `${SAMPLES_TABLE}.${c}`] as const,
);

/**
 * Samples into COPY's binary format (pg-copy-binary.ts) as they come: the import hands each sample's
 * typed slots to `addValues` as soon as it is read, so no row object is made (row objects held in a
 * batch until it was written outlived the young generation: most of the worker's GC time). `add`
 * takes a row object (live ingest, tests) and goes through the same slots.
 */
export class SampleCopyEncoder {
  rows = 0;
  private buf!: Buffer;
  private view!: DataView;
  private o = 0;

  /** `capacityRows` rows (and `extraBytes` of extended measures' text) fit before the buffer grows. */
  constructor(private capacityRows = 1024, extraBytes = 0) {
    this.start(COPY_SIGNATURE.length + 8 + capacityRows * ROW_BYTES + extraBytes + 2);
  }

  /** Buffers of taken batches handed back once written (`recycle`), used again before a new one is made. */
  private spare: ArrayBuffer[] = [];

  /**
   * A buffer of its own (allocUnsafeSlow: not Node's pool), so take()'s data can be transferred to
   * another thread; a spare one when it is large enough. Sizes are rounded up to 64 kB, so the
   * buffers of batches whose rows differ by a few bytes fit each other.
   */
  private start(bytes: number): void {
    const i = this.spare.findIndex((b) => b.byteLength >= bytes);
    this.buf = i < 0 ? Buffer.allocUnsafeSlow(Math.ceil(bytes / 65536) * 65536) : Buffer.from(this.spare.splice(i, 1)[0]);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.o = writeHeader(this.buf, this.view);
    this.rows = 0;
  }

  add(row: SampleRow): void {
    const v = ROW_SLOTS;
    v[F.recorded_at] = row.recorded_at.getTime();
    for (const c of SLOT_COLUMNS) {
      const value = row[c];
      v[F[c]] = value === null || value === undefined ? Number.NaN : Number(value);
    }
    this.addValues(row.experiment_id, row.seq, v, row.extra == null ? null : String(row.extra));
  }

  /** A sample given as SampleReader's slots (NaN: null): the import's rows, which never become objects. */
  addValues(experimentId: number, seq: number, v: Float64Array, extra: string | null): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; +2 for the trailer.
    const need = ROW_BYTES + (extra === null ? 0 : 3 * extra.length) + 2;
    if (this.o < 0) this.start(COPY_SIGNATURE.length + 8 + this.capacityRows * ROW_BYTES + need);
    if (this.o + need > this.buf.length) {
      const old = this.buf.subarray(0, this.o);
      this.start(Math.max(2 * this.buf.length, this.o + need));
      old.copy(this.buf, 0);
      this.o = old.length;
    }
    const { buf, view } = this;
    let o = this.o;
    view.setInt16(o, SAMPLE_COLUMNS.length);
    o = writeField(buf, view, o + 2, EXPERIMENT[0], experimentId, EXPERIMENT[1]);
    o = writeField(buf, view, o, SEQ[0], seq, SEQ[1]);
    o = writeTimestamp(view, v[F.recorded_at], o, RECORDED[1]);
    o = writeFloat8(view, o, v[F.test_time_s]);
    o = writeFloat8(view, o, v[F.voltage_v]);
    o = writeFloat8(view, o, v[F.current_a]);
    o = writeFloat8(view, o, v[F.power_w]);
    o = writeFloat8(view, o, v[F.temperature_c]);
    o = writeFloat8(view, o, v[F.charge_capacity_ah]);
    o = writeFloat8(view, o, v[F.discharge_capacity_ah]);
    o = writeFloat8(view, o, v[F.charge_energy_wh]);
    o = writeFloat8(view, o, v[F.discharge_energy_wh]);
    const cycle = v[F.cycle_index];
    o = writeField(buf, view, o, CYCLE[0], cycle === cycle ? cycle : null, CYCLE[1]);
    const step = v[F.step_index];
    o = writeField(buf, view, o, STEP[0], step === step ? step : null, STEP[1]);
    this.o = writeField(buf, view, o, EXTRA[0], extra, EXTRA[1]);
    this.rows += 1;
  }

  /** The COPY data of the rows added since the last take (its trailer written); the next rows start a new buffer. */
  /**
   * The buffer of a batch taken earlier, written and no longer used: the next batches are encoded
   * into it. The import's batches go to the main thread and come back (a new buffer per batch left
   * ~0.6 MB of garbage per 5,000 rows on each thread until a collection, tens of MB of RSS).
   */
  recycle(buffer: ArrayBuffer): void {
    if (this.spare.length < 2) this.spare.push(buffer);
  }

  take(): Buffer {
    if (this.o < 0) this.start(COPY_SIGNATURE.length + 8 + 2);
    this.view.setInt16(this.o, -1);
    const data = this.buf.subarray(0, this.o + 2);
    // The next buffer is made by the next add (none after the last take).
    this.o = -1;
    this.rows = 0;
    return data;
  }
}

/** `rows` in COPY's binary format. */
export function copyBinary(rows: SampleRow[]): Buffer {
  let extraBytes = 0;
  for (const row of rows) if (row.extra != null) extraBytes += 3 * String(row.extra).length;
  const encoder = new SampleCopyEncoder(rows.length, extraBytes);
  for (const row of rows) encoder.add(row);
  return encoder.take();
}

/** The field order SampleCopyEncoder writes: checked against SAMPLE_COLUMNS when this module loads. */
const WRITTEN = [
  'experiment_id', 'seq', 'recorded_at', 'test_time_s', 'voltage_v', 'current_a', 'power_w', 'temperature_c',
  'charge_capacity_ah', 'discharge_capacity_ah', 'charge_energy_wh', 'discharge_energy_wh', 'cycle_index', 'step_index', 'extra',
];
if (WRITTEN.join() !== SAMPLE_COLUMNS.join()) throw new Error('SampleCopyEncoder writes its fields out of SAMPLE_COLUMNS order');

/** Binary COPY data made by `copyBinary` (samples) and `copyBinaryRows` (rollup rows) elsewhere (`insertEncoded`). */
export interface EncodedBatch {
  samples: Uint8Array | null;
  rollups: Uint8Array | null;
  mergeRollups: boolean;
}

export type { SeriesPoint } from '../contract';

export interface Series {
  points: SeriesPoint[];
  /** Width of an M4 column in ms (0: every sample of the range is drawn as it is). */
  bucketMs: number;
  /** Rollup level read, its bucket size in ms (0: the raw samples). */
  resolutionMs: number;
  /** Raw samples in the range when they were read (null when the rollups answered). */
  total: number | null;
  from: number | null;
  to: number | null;
}

export const isPostgres = (strapi: Core.Strapi) =>
  ['pg', 'postgres', 'postgresql'].includes((strapi.db.connection.client as any).config.client);

/** A window's samples on PostgreSQL ($1 experiment, $2..$3 recorded_at, $4 limit), in `chartSample`'s columns. */
const WINDOW_SAMPLES_SQL = `select (extract(epoch from recorded_at) * 1000)::bigint as t, ${CHART_MEASURES.join(', ')}, step_index, cycle_index
  from ${SAMPLES_TABLE} where experiment_id = $1 and recorded_at between $2 and $3 order by recorded_at limit $4`;

/** A chart sample of a row read by name (t, CHART_MEASURES, step_index, cycle_index), every field set: a series point as it is. */
const chartSample = (r: any): SeriesPoint => {
  const num = (v: unknown) => (v == null ? null : Number(v));
  return {
    t: Number(r.t), voltage_v: num(r.voltage_v), current_a: num(r.current_a), power_w: num(r.power_w), temperature_c: num(r.temperature_c),
    step_index: num(r.step_index), cycle_index: num(r.cycle_index),
  };
};

const createLabSamples = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => strapi.db.connection;
  const postgres = () => isPostgres(strapi);
  /** recorded_at as epoch milliseconds, in SQL. */
  const msExpr = () => (postgres() ? '(extract(epoch from recorded_at) * 1000)::bigint' : 'recorded_at');

  /**
   * A zoomed chart's first `limit` raw samples of [from, to] in time order (t, CHART_MEASURES,
   * step_index, cycle_index). PostgreSQL: one prepared statement (planned once per connection), read
   * as arrays (node-postgres `rowMode: 'array'`) on a connection of knex's pool. In the Strapi process
   * node-postgres' row objects cost ~10 µs a row (600 samples: 5-7 ms, against 0.3 ms for the index
   * read), arrays ~2 µs; the samples are then built with one fixed shape.
   */
  async function windowSamples(experimentId: number, from: number, to: number, limit: number): Promise<SeriesPoint[]> {
    if (!postgres()) {
      const rows = await knex()(SAMPLES_TABLE)
        .where({ experiment_id: experimentId })
        .whereBetween('recorded_at', [toDb(new Date(from)), toDb(new Date(to))])
        .select(knex().raw(`${msExpr()} as t`), ...CHART_MEASURES, 'step_index', 'cycle_index')
        .orderBy('recorded_at')
        .limit(limit);
      return rows.map(chartSample);
    }
    const connection = (await knex().client.acquireConnection()) as PgClient;
    try {
      const result = await connection.query<unknown[]>({
        name: 'lab-window-samples', text: WINDOW_SAMPLES_SQL, values: [experimentId, new Date(from).toISOString(), new Date(to).toISOString(), limit], rowMode: 'array',
      });
      const num = (v: unknown) => (v === null ? null : Number(v));
      return result.rows.map((r): SeriesPoint => ({
        t: Number(r[0]), voltage_v: num(r[1]), current_a: num(r[2]), power_w: num(r[3]), temperature_c: num(r[4]), step_index: num(r[5]), cycle_index: num(r[6]),
      }));
    } finally {
      await knex().client.releaseConnection(connection);
    }
  }
  const toDb = (date: Date) => (postgres() ? date.toISOString() : date.getTime());

  /**
   * COPY first: PostgreSQL's own bulk path, about twice the rate of `INSERT ... ON CONFLICT` (whose
   * speculative insertion checks every key twice). COPY has no conflict clause, so it runs under a
   * savepoint: if any key is already stored (a redelivery, a duplicated message) it fails whole, the
   * savepoint is rolled back, and the rows go through `insertIgnoringDuplicates`, which skips stored
   * keys. Redeliveries are rare, so the common batch pays for COPY only. The savepoint travels with
   * the first COPY (one round trip) and is left to the commit to release (one fewer).
   */
  async function insertPostgres(trx: Knex.Transaction, rows: SampleRow[]): Promise<number> {
    const connection = (await trx.client.acquireConnection()) as PgClient;
    try {
      let inserted = 0;
      for (let i = 0; i < rows.length; i += POSTGRES_CHUNK) {
        inserted += await copyRows(connection, rows.slice(i, i + POSTGRES_CHUNK), i === 0 ? 'savepoint lab_samples_copy; ' : '');
      }
      return inserted;
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      await connection.query('rollback to savepoint lab_samples_copy');
    } finally {
      await trx.client.releaseConnection(connection);
    }
    return insertIgnoringDuplicates(trx, rows);
  }

  /**
   * One COPY statement, after `before` (statements sent in the same simple query). The data goes in
   * a single write: pg-copy-streams dereferences the connection it has let go of if a server error
   * arrives between two writes (an uncaught TypeError). For the same reason 'error' may fire twice
   * (its final step fails after the server's error): the listener stays.
   */
  function copyRows(connection: PgClient, rows: SampleRow[], before = ''): Promise<number> {
    // Encoded before the COPY starts: a bad value then throws without leaving the connection in COPY mode.
    return copyData(connection, `${before}copy ${SAMPLES_TABLE} (${SAMPLE_COLUMNS.join(', ')}) from stdin with (format binary)`, copyBinary(rows));
  }

  function copyData(connection: PgClient, statement: string, data: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      const copy = connection.query(copyFrom(statement));
      copy.on('error', reject);
      copy.on('finish', () => resolve(copy.rowCount));
      copy.end(data);
    });
  }

  /**
   * The batch's rollup rows merged into `lab_sample_rollups`. PostgreSQL: binary COPY into a session
   * temp table, then one `insert ... select ... on conflict do update` (an import's ~12 bucket rows per
   * 100 samples cost a fraction of binding 25 parameters per row); SQLite, and small batches: multi-row upserts.
   */
  async function mergeRollups(trx: Knex.Transaction, rows: SampleRow[]): Promise<void> {
    const rollups = rollupRows(rows);
    if (!rollups.length) return;
    // A live flush touches a few buckets: one statement beats the staging table's three.
    if (!postgres() || rollups.length <= STAGE_FROM_ROWS) return upsertRollupRows(trx, rollups, postgres());
    const data = copyBinaryRows(ROLLUPS_TABLE, ROLLUP_COLUMNS, ROLLUP_TYPES, rollups);
    const connection = (await trx.client.acquireConnection()) as PgClient;
    try {
      await mergeRollupCopy(connection, data);
    } finally {
      await trx.client.releaseConnection(connection);
    }
  }

  /** Rollup rows in binary COPY format merged into `lab_sample_rollups` through the staging table. */
  async function mergeRollupCopy(connection: PgClient, data: Buffer): Promise<void> {
    const columns = ROLLUP_COLUMNS.join(', ');
    // Emptied at commit, and after each merge for the next batch of the same transaction.
    await copyData(connection, `create temp table if not exists ${ROLLUPS_STAGE} (like ${ROLLUPS_TABLE}) on commit delete rows; copy ${ROLLUPS_STAGE} (${columns}) from stdin with (format binary)`, data);
    await connection.query(`insert into ${ROLLUPS_TABLE} (${columns}) select ${columns} from ${ROLLUPS_STAGE} ${mergeClause(true)}; truncate ${ROLLUPS_STAGE}`);
  }

  /** One `INSERT ... SELECT * FROM unnest(...) ON CONFLICT DO NOTHING` per chunk; returns the rows that were new. */
  async function insertIgnoringDuplicates(trx: Knex, rows: SampleRow[]): Promise<number> {
    let inserted = 0;
    for (let i = 0; i < rows.length; i += POSTGRES_CHUNK) {
      const chunk = rows.slice(i, i + POSTGRES_CHUNK);
      // One unnest() statement per chunk: one parameter per column, whatever the row count.
      const arrays = SAMPLE_COLUMNS.map((column) =>
        chunk.map((row) => {
          const value = row[column as keyof SampleRow];
          if (column === 'recorded_at') return (value as Date).toISOString();
          return value ?? null;
        }),
      );
      const casts = SAMPLE_COLUMNS.map((c) => `?::${PG_TYPES[c]}[]`).join(', ');
      const result = await trx.raw(
        `insert into ${SAMPLES_TABLE} (${SAMPLE_COLUMNS.join(', ')}) select * from unnest(${casts}) on conflict (experiment_id, seq) do nothing`,
        arrays,
      );
      inserted += result.rowCount ?? 0;
    }
    return inserted;
  }

  async function insertSqlite(trx: Knex, rows: SampleRow[]): Promise<number> {
    let inserted = 0;
    for (let i = 0; i < rows.length; i += SQLITE_CHUNK) {
      const chunk = rows.slice(i, i + SQLITE_CHUNK);
      const values: unknown[] = [];
      for (const row of chunk) {
        for (const column of SAMPLE_COLUMNS) {
          const value = row[column as keyof SampleRow];
          values.push(column === 'recorded_at' ? (value as Date).getTime() : value ?? null);
        }
      }
      const tuple = `(${SAMPLE_COLUMNS.map(() => '?').join(', ')})`;
      const before = await changes(trx);
      await trx.raw(
        `insert into ${SAMPLES_TABLE} (${SAMPLE_COLUMNS.join(', ')}) values ${chunk.map(() => tuple).join(', ')} on conflict (experiment_id, seq) do nothing`,
        values,
      );
      inserted += (await changes(trx)) - before;
    }
    return inserted;
  }

  /** SQLite's running count of rows changed on this connection (the transaction's). */
  async function changes(trx: Knex): Promise<number> {
    const rows = await trx.raw('select total_changes() as n');
    return Number(rows[0]?.n ?? 0);
  }

  /** The export's from/to window (both inclusive) on a query. */
  function exportWindow(query: Knex.QueryBuilder, options: SampleExportOptions) {
    if (options.from !== undefined) query.andWhere('recorded_at', '>=', toDb(new Date(options.from)));
    if (options.to !== undefined) query.andWhere('recorded_at', '<=', toDb(new Date(options.to)));
    return query;
  }

  /** The distinct keys of the window's `extra` objects, sorted: the BDF export's extra columns. */
  function exportExtraKeys(experimentId: number, options: SampleExportOptions): Promise<string[]> {
    const keys = postgres()
      ? knex()(SAMPLES_TABLE).where({ experiment_id: experimentId }).whereNotNull('extra').distinct(knex().raw('json_object_keys(extra) as k'))
      : knex()(`${SAMPLES_TABLE} as s`).joinRaw('cross join json_each(s.extra) as j').where('s.experiment_id', experimentId).distinct('j.key as k');
    return exportWindow(keys, options).then((rows: any[]) => rows.map((r) => String(r.k)).sort());
  }

  /**
   * PostgreSQL's export: the database writes the CSV (`COPY (select ...) TO STDOUT`), streamed to the
   * reader; per-row JS work (knex rows, papaparse) was 4-7x the cost of COPY itself. Values are
   * written as the papaparse path writes them: float8 in its shortest exact text (PostgreSQL 12+,
   * extra_float_digits 1, the default), `Unix Time / s` as seconds with the milliseconds as
   * decimals (trailing zeros trimmed), native `recorded_at` as toISOString() does. The header is
   * written by papaparse, not `HEADER true`: column aliases are cut at 63 bytes and extra keys are
   * imported headers of any length. The raw client goes back to the pool when the COPY has ended;
   * a reader that goes away first closes it (it is still in COPY mode, unusable for the pool).
   */
  function copyExport(experimentId: number, options: SampleExportOptions, bdf: boolean): Readable {
    const out = new PassThrough();
    const client = knex().client;
    let connection: PgClient | undefined;
    /** Set once the COPY is sent: resolves when the client has read its last message (idle again). */
    let idle: Promise<unknown> | undefined;
    let copyEnded = false;
    const release = () => {
      const c = connection;
      if (!c) return;
      connection = undefined;
      if (idle && !copyEnded) {
        // Still in COPY mode: closed, and marked so the pool never hands it out again.
        (c as any).__knex__disposed = 'lab export ended before its COPY';
        c.end().catch(() => undefined);
      }
      // After CopyDone the client has still CommandComplete and ReadyForQuery to read.
      Promise.resolve(copyEnded ? idle : undefined)
        .then(() => client.releaseConnection(c))
        .catch(() => undefined);
    };
    out.once('close', release);
    (async () => {
      const extras = bdf ? await exportExtraKeys(experimentId, options) : [];
      if (out.destroyed) return;
      connection = (await client.acquireConnection()) as PgClient;
      if (out.destroyed) return release(); // nothing sent yet: the connection is clean
      const literal = (v: string) => connection!.escapeLiteral(v);
      const unixTime = 'trim_scale(round(extract(epoch from recorded_at)::numeric, 3))';
      const iso = `to_char(recorded_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
      const columns = bdf
        ? [...BDF_COLUMNS.map((c) => (c === 'recorded_at' ? unixTime : c)), ...extras.map((k) => `extra->>${literal(k)}`)]
        : SAMPLE_COLUMNS.map((c) => (c === 'recorded_at' ? iso : c === 'extra' ? 'extra::text' : c));
      const where = [`experiment_id = ${Number(experimentId)}`];
      if (options.from !== undefined) where.push(`recorded_at >= ${literal(new Date(options.from).toISOString())}`);
      if (options.to !== undefined) where.push(`recorded_at <= ${literal(new Date(options.to).toISOString())}`);
      const fields = bdf ? [...BDF_COLUMNS.map((c) => BDF_HEADERS[c]), ...extras] : [...SAMPLE_COLUMNS];
      out.write(`${Papa.unparse([fields], { newline: '\n' })}\n`);
      const copy = connection.query(copyTo(
        `copy (select ${columns.join(', ')} from ${SAMPLES_TABLE} where ${where.join(' and ')} order by seq) to stdout with (format csv)`,
      ));
      const c = connection;
      idle = new Promise<void>((resolve) => {
        const done = () => {
          for (const event of ['drain', 'end', 'error']) c.removeListener(event, done);
          resolve();
        };
        for (const event of ['drain', 'end', 'error']) c.once(event, done);
      });
      copy.on('end', () => {
        copyEnded = true;
      });
      copy.on('error', (error: Error) => out.destroy(error));
      copy.pipe(out);
    })().catch((error) => out.destroy(error));
    return out;
  }

  return {
    /**
     * Stores samples in bulk; rows whose (experiment_id, seq) is already stored are skipped, so a
     * redelivered message is harmless. Returns how many rows were new. Runs in `trx` when given.
     */
    async insertSamples(rows: SampleRow[], trx?: Knex.Transaction): Promise<number> {
      if (!rows.length) return 0;
      // The rollups merge idempotently: rows skipped as already stored change nothing there.
      const run = async (t: Knex.Transaction) => {
        const inserted = await (postgres() ? insertPostgres(t, rows) : insertSqlite(t, rows));
        await mergeRollups(t, rows);
        return inserted;
      };
      return trx ? run(trx) : knex().transaction((t) => run(t));
    },

    /**
     * An import's batch, encoded off the main thread (`src/api/lab/import-worker.ts`), in `trx`
     * (PostgreSQL): its samples' binary COPY data, and its closed rollup buckets', copied straight
     * into `lab_sample_rollups` (the experiment is new in `trx`: no bucket is stored yet) unless
     * `mergeRollups` (the file left time order) sends them through the merge.
     */
    async insertEncoded(batch: EncodedBatch, trx: Knex.Transaction): Promise<void> {
      const connection = (await trx.client.acquireConnection()) as PgClient;
      const bytes = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      try {
        if (batch.samples) await copyData(connection, `copy ${SAMPLES_TABLE} (${SAMPLE_COLUMNS.join(', ')}) from stdin with (format binary)`, bytes(batch.samples));
        if (!batch.rollups) return;
        if (batch.mergeRollups) await mergeRollupCopy(connection, bytes(batch.rollups));
        else await copyData(connection, `copy ${ROLLUPS_TABLE} (${ROLLUP_COLUMNS.join(', ')}) from stdin with (format binary)`, bytes(batch.rollups));
      } finally {
        await trx.client.releaseConnection(connection);
      }
    },

    async countSamples(experimentId: number): Promise<number> {
      const row = await knex()(SAMPLES_TABLE).where({ experiment_id: experimentId }).count({ n: '*' }).first();
      return Number(row?.n ?? 0);
    },

    /** First and last recorded_at (epoch ms) of an experiment, or nulls without samples. */
    async bounds(experimentId: number): Promise<{ from: number | null; to: number | null }> {
      const row = await knex()(SAMPLES_TABLE)
        .where({ experiment_id: experimentId })
        // Aggregate first, convert after: min/max of the bare column come from the recorded_at index.
        .select(knex().raw(postgres()
          ? '(extract(epoch from min(recorded_at)) * 1000)::bigint as lo, (extract(epoch from max(recorded_at)) * 1000)::bigint as hi'
          : 'min(recorded_at) as lo, max(recorded_at) as hi'))
        .first();
      const r = row as any;
      return { from: r?.lo == null ? null : Number(r.lo), to: r?.hi == null ? null : Number(r.hi) };
    },

    /**
     * The chart series of `from`..`to` (epoch ms, inclusive; default: the whole experiment) as M4
     * over `points / 4` time columns (sample-rollups.ts): at most `points` points, whatever the range.
     * Read from the coarsest rollup level that is no wider than a column, else from the raw samples:
     * as they are when the window holds no more than `points`, else M4 in SQL (`resolution: 'raw'`
     * always takes that path: the benchmark's reference, M4 over raw rows).
     */
    async series(experimentId: number, options: { from?: number; to?: number; points?: number; resolution?: 'auto' | 'raw' } = {}): Promise<Series> {
      const points = Math.max(10, Math.min(options.points ?? 1000, 5000));
      const bounds = options.from !== undefined && options.to !== undefined ? { from: options.from, to: options.to } : await this.bounds(experimentId);
      const from = options.from ?? bounds.from;
      const to = options.to ?? bounds.to;
      if (from === null || to === null || to < from) return { points: [], bucketMs: 0, resolutionMs: 0, total: 0, from, to };
      const columnMs = Math.max(1, Math.ceil((to - from + 1) / Math.floor(points / 4)));
      const level = options.resolution === 'raw' ? 0 : levelFor(columnMs);
      if (level) {
        const rows = await knex()(ROLLUPS_TABLE)
          .where({ experiment_id: experimentId, bucket_ms: level })
          .whereBetween('bucket', [Math.floor(from / level), Math.floor(to / level)])
          .orderBy('bucket');
        // None: an experiment stored before the rollups existed (or an empty window): read the samples.
        if (rows.length) return { points: m4(rows.map(spanFromRollup), from, columnMs), bucketMs: columnMs, resolutionMs: level, total: null, from, to };
      }
      const ms = msExpr();
      const window = knex()(SAMPLES_TABLE)
        .where({ experiment_id: experimentId })
        .whereBetween('recorded_at', [toDb(new Date(from)), toDb(new Date(to))]);
      const chartColumns = [knex().raw(`${ms} as t`), ...CHART_MEASURES, 'step_index', 'cycle_index'];
      if (options.resolution !== 'raw') {
        // A window of no more samples than points is drawn as it is: one index range read.
        const samples = await windowSamples(experimentId, from, to, points + 1);
        if (samples.length <= points) return { points: samples, bucketMs: 0, resolutionMs: 0, total: samples.length, from, to };
      }
      const column = `floor((${ms} - ${Number(from)}) / ${columnMs})`;
      const columns = await window.clone()
        .select(knex().raw([
          `${column} as c, count(*) as n, min(${ms}) as t_first, max(${ms}) as t_last`,
          ...CHART_MEASURES.map((m) => `min(${m}) as ${m}_min, max(${m}) as ${m}_max`),
        ].join(', ')))
        .groupByRaw(column)
        .orderBy('c');
      // Each column's first and last samples, by their time (the recorded_at index).
      const times = [...new Set(columns.flatMap((c: any) => [Number(c.t_first), Number(c.t_last)]))];
      const samplesAt = new Map<number, ChartSample>();
      for (let i = 0; i < times.length; i += LOOKUP_CHUNK) {
        const rows = await knex()(SAMPLES_TABLE)
          .where({ experiment_id: experimentId })
          .whereIn('recorded_at', times.slice(i, i + LOOKUP_CHUNK).map((t) => toDb(new Date(t))))
          .select(...chartColumns);
        for (const r of rows as any[]) if (!samplesAt.has(Number(r.t))) samplesAt.set(Number(r.t), chartSample(r));
      }
      const total = columns.reduce((sum: number, c: any) => sum + Number(c.n), 0);
      return { points: m4(columns.map((c: any) => spanFromColumn(c, samplesAt)), from, columnMs), bucketMs: columnMs, resolutionMs: 0, total, from, to };
    },

    /**
     * Every sample of the range at full resolution as CSV, read in pages by seq (keyset, one page
     * in memory) and pulled by the reader: `Readable.from` asks for the next page only when the
     * previous one has been consumed, so a slow client holds the query back instead of memory
     * growing, and a closed connection ends the loop.
     *
     * `names: 'bdf'` (default) writes Battery Data Format headers (`BDF_HEADERS`, re-importable:
     * the import detects the format and reads every value back unchanged), then each key found in
     * `extra` as a column of its own under its original header (as the import stored it);
     * `names: 'native'` writes the lab_samples columns, `recorded_at` as ISO 8601, `extra` as JSON text.
     */
    exportCsv(experimentId: number, options: SampleExportOptions = {}): Readable {
      const bdf = (options.names ?? 'bdf') === 'bdf';
      if (postgres()) return copyExport(experimentId, options, bdf);
      const window = (query: Knex.QueryBuilder) => exportWindow(query, options);
      const extraKeys = () => exportExtraKeys(experimentId, options);
      const read = async function* () {
        const extras = bdf ? await extraKeys() : [];
        const fields = bdf ? [...BDF_COLUMNS.map((c) => BDF_HEADERS[c]), ...extras] : [...SAMPLE_COLUMNS];
        const toCells = (r: any): unknown[] => {
          if (!bdf) return SAMPLE_COLUMNS.map((c) => (c === 'recorded_at' ? new Date(Number(r.recorded_ms)).toISOString() : c === 'extra' ? jsonText(r.extra) : r[c]));
          const extra = r.extra == null ? {} : typeof r.extra === 'string' ? JSON.parse(r.extra) : r.extra;
          return [...BDF_COLUMNS.map((c) => (c === 'recorded_at' ? Number(r.recorded_ms) / 1000 : r[c])), ...extras.map((k) => (extra[k] !== null && typeof extra[k] === 'object' ? JSON.stringify(extra[k]) : extra[k]))];
        };
        // A window's seq range, from the recorded_at index: pages then start at the window, not at
        // seq 0 with every earlier row filtered out (the time filter stays: seq order need not be time order).
        let after = -1;
        let last = Number.MAX_SAFE_INTEGER;
        if (options.from !== undefined || options.to !== undefined) {
          const range: any = await window(knex()(SAMPLES_TABLE).where({ experiment_id: experimentId }).min({ lo: 'seq' }).max({ hi: 'seq' })).first();
          // An empty window: no page matches, the header alone is written.
          after = range?.lo == null ? 0 : Number(range.lo) - 1;
          last = range?.hi == null ? -1 : Number(range.hi);
        }
        let header = true;
        for (;;) {
          const rows = await window(
            knex()(SAMPLES_TABLE)
              .where({ experiment_id: experimentId })
              .andWhere('seq', '>', after)
              .andWhere('seq', '<=', last)
              .select(...SAMPLE_COLUMNS.filter((c) => c !== 'recorded_at'), knex().raw(`${msExpr()} as recorded_ms`))
              .orderBy('seq')
              .limit(EXPORT_PAGE),
          );
          const csv = Papa.unparse({ fields: header ? fields : [], data: rows.map(toCells) }, { header, newline: '\n' });
          // unparse ends a header without rows with a newline already.
          if (csv) yield csv.endsWith('\n') ? csv : `${csv}\n`;
          header = false;
          if (rows.length < EXPORT_PAGE) return;
          after = Number(rows[rows.length - 1].seq);
        }
      };
      // At most one page buffered ahead (Readable.from's default, stated: the memory bound rests on it).
      return Readable.from(read(), { highWaterMark: 1 });
    },
  };
};

export type LabSamplesService = ReturnType<typeof createLabSamples>;
export default createLabSamples;
