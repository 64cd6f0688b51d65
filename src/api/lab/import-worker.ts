/**
 * The battery import's worker thread: decodes, parses and converts a cycler file, and on PostgreSQL
 * also encodes its batches for binary COPY, while the main thread only streams bytes in and writes
 * batches out (`services/battery-import.ts`). On 2 cores the database copies one batch while this
 * thread prepares the next, and the import's garbage (~100 objects per row) stays in this thread's
 * small heap, away from Strapi's (it had grown Strapi's RSS by ~500 MB on a 1M-row file).
 *
 * Flow control both ways: the worker asks for bytes (`more`, a chunk at a time) and sends at most
 * MAX_UNWRITTEN batches ahead of the main thread's `written`, so memory holds a few chunks and two
 * batches whatever the file size.
 */
import { isMainThread, parentPort, workerData } from 'worker_threads';
import type { Layout } from './services/battery-formats';
import { LayoutError, RowError } from './services/battery-formats';
import { CycleAggregator, type CycleAggregate } from './services/cycle-summary';
import { SampleCopyEncoder, type EncodedBatch, type SampleRow } from './services/lab-samples';
import { ROLLUPS_TABLE, ROLLUP_COLUMNS, ROLLUP_TYPES, RollupAccumulator } from './sample-rollups';
import { copyBinaryRows } from './pg-copy-binary';
import { SampleReader, decodedText, recordChunks, sampleRow } from './cycler-file';

export interface ImportWorkerData {
  layout: Layout;
  /** iconv-lite name of the file's encoding. */
  encoding: string;
  experimentId: number;
  startMs: number;
  restCurrentA?: number;
  /** Batches as binary COPY data (PostgreSQL), else as sample rows (SQLite's multi-row inserts). */
  postgres: boolean;
  batchRows: number;
}

/** `written`: a batch is in the database; its buffers come back (moved), to be used again. */
export type ToWorker = { type: 'bytes'; bytes: Uint8Array } | { type: 'end' } | { type: 'written'; buffers: ArrayBuffer[] };

/** A RowError or LayoutError crosses the thread boundary as its fields. */
export interface WorkerFailure {
  kind: 'row' | 'layout' | 'other';
  message: string;
  line?: number;
  column?: string | null;
  value?: string | null;
  option?: string;
  stack?: string;
}

export type FromWorker =
  | { type: 'more' }
  | { type: 'batch'; rows: number; encoded?: EncodedBatch; sampleRows?: SampleRow[] }
  | { type: 'done'; rows: number; firstMs: number | null; lastMs: number | null; cycles: CycleAggregate[] }
  | { type: 'failed'; failure: WorkerFailure };

/** Batches sent and not yet written: one in the database, one ready for it. */
const MAX_UNWRITTEN = 2;
/** Chunks of the file asked for before they are needed (a body chunk is up to 64 kB). */
const CHUNKS_AHEAD = 4;

function toFailure(error: unknown): WorkerFailure {
  if (error instanceof RowError) return { kind: 'row', message: error.message, line: error.line, column: error.column, value: error.value };
  if (error instanceof LayoutError) return { kind: 'layout', message: error.message, option: error.option };
  const e = error instanceof Error ? error : new Error(String(error));
  return { kind: 'other', message: e.message, stack: e.stack };
}

export function fromFailure(failure: WorkerFailure): Error {
  // The message as it was built in the worker (RowError composes it from line, column and value).
  if (failure.kind === 'row') return Object.assign(new RowError(failure.line as number, failure.column ?? null, failure.value ?? null, ''), { message: failure.message });
  if (failure.kind === 'layout') return new LayoutError(failure.option as string, failure.message);
  return Object.assign(new Error(failure.message), { stack: failure.stack ?? failure.message });
}

/** The buffer's bytes in an ArrayBuffer of their own (Node pools small Buffers: a pool must not be transferred). */
function ownBytes(buf: Buffer): Uint8Array {
  return buf.buffer.byteLength > Buffer.poolSize ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : new Uint8Array(buf);
}

async function run(data: ImportWorkerData): Promise<void> {
  const port = parentPort!;
  const chunks: Array<Uint8Array | null> = [];
  let written = 0;
  let sent = 0;
  // The parse reads ahead of the batches (a stream's buffer), so bytes and credit may both be awaited at once.
  let waiting: Array<() => void> = [];
  let recycle: (buffer: ArrayBuffer) => void = () => undefined;
  port.on('message', (message: ToWorker) => {
    if (message.type === 'written') {
      written += 1;
      // The samples' buffer first (the larger); a rollups' buffer is left to the collector.
      if (message.buffers.length) recycle(message.buffers[0]);
    } else chunks.push(message.type === 'bytes' ? message.bytes : null);
    const woken = waiting;
    waiting = [];
    for (const wake of woken) wake();
  });
  const until = async (ready: () => boolean) => {
    while (!ready()) await new Promise<void>((resolve) => waiting.push(resolve));
  };
  /** The file's bytes, asked for CHUNKS_AHEAD chunks ahead (the main thread reads them between its writes). */
  async function* bytes(): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < CHUNKS_AHEAD; i++) port.postMessage({ type: 'more' } satisfies FromWorker);
    for (;;) {
      await until(() => chunks.length > 0);
      const chunk = chunks.shift() as Uint8Array | null;
      if (chunk === null) return;
      port.postMessage({ type: 'more' } satisfies FromWorker);
      yield chunk;
    }
  }
  const send = async (message: FromWorker & { type: 'batch' }) => {
    await until(() => sent - written < MAX_UNWRITTEN);
    sent += 1;
    const transfer = [message.encoded?.samples?.buffer, message.encoded?.rollups?.buffer].filter(Boolean) as ArrayBuffer[];
    port.postMessage(message, transfer);
  };
  const reader = new SampleReader(data.layout, data.experimentId, data.startMs, data.restCurrentA);
  const cycles = new CycleAggregator();
  const encodeRollups = (rows: unknown[][]) => (rows.length ? ownBytes(copyBinaryRows(ROLLUPS_TABLE, ROLLUP_COLUMNS, ROLLUP_TYPES, rows)) : null);
  const records = recordChunks(decodedText(bytes(), data.encoding), data.layout.delimiter);

  if (!data.postgres) {
    // SQLite: batches of sample rows, for its multi-row inserts.
    let batch: SampleRow[] = [];
    for await (const chunk of records) {
      for (const cells of chunk) {
        if (!reader.read(cells)) continue;
        cycles.add(reader.values);
        batch.push(sampleRow(data.experimentId, reader.seq - 1, reader.values, reader.extra));
        if (batch.length >= data.batchRows) {
          await send({ type: 'batch', rows: batch.length, sampleRows: batch });
          batch = [];
        }
      }
    }
    if (batch.length) await send({ type: 'batch', rows: batch.length, sampleRows: batch });
  } else {
    // PostgreSQL: each sample goes from the reader's slots into the COPY buffer, the cycle figures
    // and its rollup bucket without becoming an object (row objects were most of this thread's garbage).
    const encoder = new SampleCopyEncoder(data.batchRows);
    recycle = (buffer) => encoder.recycle(buffer);
    const rollups = new RollupAccumulator(data.experimentId);
    const flush = async () => {
      const rows = encoder.rows;
      await send({ type: 'batch', rows, encoded: { samples: ownBytes(encoder.take()), rollups: encodeRollups(rollups.closed()), mergeRollups: rollups.merge } });
    };
    for await (const chunk of records) {
      for (const cells of chunk) {
        if (!reader.read(cells)) continue;
        const v = reader.values;
        cycles.add(v);
        encoder.addValues(data.experimentId, reader.seq - 1, v, reader.extra);
        rollups.addValues(v);
        if (encoder.rows >= data.batchRows) await flush();
      }
    }
    if (encoder.rows) await flush();
    const last = encodeRollups(rollups.finish());
    if (last) await send({ type: 'batch', rows: 0, encoded: { samples: null, rollups: last, mergeRollups: rollups.merge } });
  }
  port.postMessage({ type: 'done', rows: reader.seq, firstMs: reader.firstMs, lastMs: reader.lastMs, cycles: cycles.result() } satisfies FromWorker);
}

if (!isMainThread && parentPort) {
  run(workerData as ImportWorkerData).catch((error) => parentPort!.postMessage({ type: 'failed', failure: toFailure(error) } satisfies FromWorker));
}
