/**
 * Reading a cycler file once its layout is known (`services/battery-formats.ts`): its bytes decoded
 * to text, the text parsed into CSV records by papaparse, the records converted into `lab_samples`
 * rows. No Strapi here: the import runs this in a worker thread (`import-worker.ts`).
 */
import { Readable } from 'stream';
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import { CycleDetector, FIELD_SLOT, RowError, SAMPLE_FIELDS, rowConverter, type Layout, type RowConverter } from './services/battery-formats';
import type { SampleRow } from './services/lab-samples';

/** The text of a file's bytes, by a streaming decoder (a character split across chunks is joined), its byte order mark dropped. */
export async function* decodedText(bytes: AsyncIterable<Uint8Array>, encoding: string): AsyncGenerator<string> {
  // iconv-lite's decoders drop the byte order mark.
  const decoder = iconv.getDecoder(encoding);
  for await (const chunk of bytes) {
    const text = decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/**
 * The records of a text, a parsed chunk at a time, by papaparse's stream reader (its `chunk` callback
 * hands rows over in arrays, ~6x fewer callbacks than a stream of rows; it joins a line split across
 * chunks). The reader gets the next piece of text only once the consumer has taken the records of the
 * last one, so memory holds about one chunk whatever the file size. (Papaparse's pause in the `chunk`
 * callback stops the parse, not the stream it reads: it queued the text read ahead, once 32 MB of it.)
 */
export async function* recordChunks(text: AsyncIterable<string>, delimiter: string): AsyncGenerator<string[][]> {
  const input = new Readable({ objectMode: true, read: () => undefined }); // strings, fed below a piece at a time
  const parsed: string[][][] = [];
  let handle: Papa.Parser | null = null;
  let done = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const settle = () => {
    wake?.();
    wake = null;
  };
  let given = 0; // pieces pushed
  let callbacks = 0; // chunk callbacks: one per piece parsed
  /** Until papaparse has parsed every piece it was given, or ended. */
  const parsedAll = async () => {
    while (!done && !failure && callbacks < given) await new Promise<void>((resolve) => (wake = resolve));
  };
  Papa.parse(input as unknown as File, {
    delimiter,
    skipEmptyLines: false,
    chunk: (results: Papa.ParseResult<string[]>, p: Papa.Parser) => {
      handle = p;
      callbacks += 1;
      if (results.data.length) parsed.push(results.data);
      settle();
    },
    complete: () => {
      done = true;
      settle();
    },
    error: (error: Error) => {
      failure = error;
      done = true;
      settle();
    },
  });
  try {
    for await (const piece of text) {
      input.push(piece);
      given += 1;
      await parsedAll();
      if (failure) throw failure;
      while (parsed.length) yield parsed.shift() as string[][];
    }
    input.push(null);
    while (!done) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure;
    while (parsed.length) yield parsed.shift() as string[][];
  } finally {
    if (!done) {
      (handle as Papa.Parser | null)?.abort();
      input.destroy();
    }
  }
}

/**
 * Line breaks inside a record's cells: a quoted cell may span lines, so the file's line count moves
 * on by 1 + these per record (error messages name file lines, not record numbers).
 */
export function breaksIn(cells: string[]): number {
  let n = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    // Two indexOf per cell cost ~0.05 s per 1M rows; the regex runs only on a cell that has a break.
    if (c.indexOf('\n') !== -1 || c.indexOf('\r') !== -1) n += (c.match(/\r\n|\r|\n/g) as RegExpMatchArray).length;
  }
  return n;
}

const F = FIELD_SLOT;
/** A converted value, NaN (no value) as null. */
const valueOf = (v: number): number | null => (v === v ? v : null);

/**
 * The samples of a file's records, in file order: the header and preamble lines and blank lines
 * skipped, times completed (a file with test times only starts at `startMs`; one with dates only
 * counts test time from its first date), cycles derived from current transitions when the layout has
 * no cycle column. Throws RowError naming the line.
 */
export class SampleReader {
  seq = 0;
  firstMs: number | null = null;
  lastMs: number | null = null;
  /**
   * The last sample read (`read`): its values in SAMPLE_FIELDS slots (NaN: none; recorded_at as
   * epoch ms, test time and a derived cycle filled in), its extended measures as JSON text. Reused
   * for every record: a caller copies out what it keeps.
   */
  readonly values = new Float64Array(SAMPLE_FIELDS.length);
  extra: string | null = null;
  /** Records read, and the file line the next record starts on. */
  private record = 0;
  private nextLine = 1;
  private detector: CycleDetector | null;
  private convert: RowConverter;

  constructor(private layout: Layout, private experimentId: number, private startMs: number, restCurrentA?: number) {
    this.detector = layout.deriveCycles ? new CycleDetector(restCurrentA) : null;
    this.convert = rowConverter(layout);
  }

  /** Reads the file's next record into `values` and `extra` (`seq` - 1 is its seq); false for a record that holds no sample. */
  read(cells: string[]): boolean {
    const line = this.nextLine;
    this.nextLine += 1 + breaksIn(cells);
    if (++this.record <= this.layout.headerLine) return false;
    if (cells.length === 1 && cells[0].trim() === '') return false;
    const v = this.values;
    this.extra = this.convert(cells, line, v);
    let recorded = v[F.recorded_at];
    let testTime = v[F.test_time_s];
    if (Number.isNaN(recorded)) {
      if (Number.isNaN(testTime)) throw new RowError(line, null, null, 'neither a date nor a test time');
      recorded = this.startMs + Math.round(testTime * 1000);
    }
    if (this.firstMs === null) this.firstMs = recorded;
    if (Number.isNaN(testTime)) testTime = (recorded - this.firstMs) / 1000;
    this.lastMs = recorded;
    v[F.recorded_at] = recorded;
    v[F.test_time_s] = testTime;
    if (this.detector) v[F.cycle_index] = this.detector.next(v[F.current_a]);
    this.seq += 1;
    return true;
  }

  /** The sample of the file's next record as a row, or null for a record that holds none. */
  next(cells: string[]): SampleRow | null {
    return this.read(cells) ? sampleRow(this.experimentId, this.seq - 1, this.values, this.extra) : null;
  }
}

/** A sample's slots (SampleReader.values) as a lab_samples row. */
export function sampleRow(experimentId: number, seq: number, v: Float64Array, extra: string | null): SampleRow {
  return {
    experiment_id: experimentId,
    seq,
    recorded_at: new Date(v[F.recorded_at]),
    test_time_s: v[F.test_time_s],
    voltage_v: v[F.voltage_v],
    current_a: v[F.current_a],
    power_w: valueOf(v[F.power_w]),
    temperature_c: valueOf(v[F.temperature_c]),
    cycle_index: valueOf(v[F.cycle_index]),
    step_index: valueOf(v[F.step_index]),
    charge_capacity_ah: valueOf(v[F.charge_capacity_ah]),
    discharge_capacity_ah: valueOf(v[F.discharge_capacity_ah]),
    charge_energy_wh: valueOf(v[F.charge_energy_wh]),
    discharge_energy_wh: valueOf(v[F.discharge_energy_wh]),
    extra,
  };
}
