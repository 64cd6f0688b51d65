/**
 * `api::lab.battery-import`: a finished experiment from a cycler CSV (WattRex, Arbin, BDF,
 * BEEP/Battery Archive, or any CSV with a `mapping`). The layout is detected from the file's first
 * rows (`battery-formats.ts`); the rest is streamed through papaparse and written in batches through
 * `api::lab.lab-samples` (binary COPY on PostgreSQL), all in one transaction with the experiment, its
 * virtual station and its cycle summary: a bad row anywhere rolls everything back and is reported by
 * line, column and value.
 */
import path from 'path';
import { Readable } from 'stream';
import { Worker } from 'worker_threads';
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import Papa from 'papaparse';
import iconv from 'iconv-lite';
import {
  DATE_FORMATS, FORMATS, LayoutError, RowError, detectDelimiter, recordConverter, detectLayout, isKnownTimezone, isKnownUnit,
  type CurrentSign, type DateFormat, type FormatId, type Layout, type LayoutOptions, type SampleField,
} from './battery-formats';
import type { CycleSummary } from './cycle-summary';
import { isPostgres } from './lab-samples';
import { collectGarbage } from '../../../platform/collect-garbage';
import { breaksIn } from '../cycler-file';
import { fromFailure, type FromWorker, type ImportWorkerData, type ToWorker } from '../import-worker';

/** Bytes read before parsing starts, to detect the layout (header, units, date format). */
const HEAD_BYTES = 256 * 1024;
const BATCH_ROWS = 5000;
const PREVIEW_ROWS = 10;
export const DEFAULT_VIRTUAL_STATION = 'imported-files';

export interface BatteryImportOptions extends LayoutOptions {
  name?: string;
  description?: string;
  /** Battery by documentId or name. */
  battery?: string;
  /** Virtual station name (created on first use). */
  station?: string;
  /** Start of the test, for files without absolute dates (epoch ms). */
  startedAt?: number;
  /** |current| at or below this is rest, for cycles derived from transitions (A). */
  restCurrentA?: number;
  /** Detected when absent. */
  delimiter?: string;
  /** Text encoding of the file; absent: UTF-8, or UTF-16 when the file starts with its byte order mark. */
  encoding?: Encoding;
  /** Also store the layout the import used as an `api::lab.column-mapping` of this name, in the import's transaction. */
  saveMappingAs?: string;
  /** Called after each batch is written (rows so far), for a progress display; awaited. */
  onProgress?: (rows: number) => void | Promise<void>;
}

export interface PreviewResult {
  format: FormatId;
  delimiter: string;
  headerLine: number;
  currentSign: CurrentSign;
  dateFormat: DateFormat | null;
  timezone: string;
  deriveCycles: boolean;
  columns: Array<{ column: string; field: SampleField | null; unit: string | null }>;
  rows: Array<{ line: number; cells: string[]; values?: Record<string, unknown>; error?: string }>;
}

export interface ImportResult {
  experiment: { id: number; documentId: string; name: string };
  /** The column mapping saved with `saveMappingAs`. */
  columnMapping?: { id: number; documentId: string; name: string };
  station: string;
  format: FormatId;
  rows: number;
  cycles: number;
  summary: CycleSummary;
}

/** Option problems and file problems alike: the controller turns these into 400s. */
export { LayoutError, RowError };

const SAMPLE_FIELDS: SampleField[] = [
  'test_time_s', 'recorded_at', 'voltage_v', 'current_a', 'power_w', 'temperature_c', 'cycle_index', 'step_index',
  'charge_capacity_ah', 'discharge_capacity_ah', 'charge_energy_wh', 'discharge_energy_wh',
];

/** The file encodings read (iconv-lite names), by the names a request may give. */
const ENCODINGS = { 'utf-8': 'utf-8', utf8: 'utf-8', latin1: 'latin1', 'iso-8859-1': 'latin1', 'windows-1252': 'windows-1252', cp1252: 'windows-1252', 'utf-16le': 'utf-16le', utf16le: 'utf-16le' } as const;
export type Encoding = (typeof ENCODINGS)[keyof typeof ENCODINGS];

/** Query-string options -> typed options; a bad one is a LayoutError naming it. */
export function parseBatteryImportOptions(query: Record<string, unknown>): BatteryImportOptions {
  const str = (key: string) => {
    const v = query[key];
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') throw new LayoutError(key, `${key} must be a single value`);
    return v;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
    const v = str(key);
    if (v !== undefined && !allowed.includes(v as T)) throw new LayoutError(key, `${key} must be one of ${allowed.join(', ')}`);
    return v as T | undefined;
  };
  const json = (key: string) => {
    const v = str(key);
    if (v === undefined) return undefined;
    try {
      const parsed = JSON.parse(v);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      return parsed as Record<string, unknown>;
    } catch {
      throw new LayoutError(key, `${key} must be a JSON object`);
    }
  };
  const mapping = json('mapping');
  for (const [column, field] of Object.entries(mapping ?? {})) {
    if (field !== null && !SAMPLE_FIELDS.includes(field as SampleField)) throw new LayoutError('mapping', `mapping["${column}"]: "${field}" is not one of ${SAMPLE_FIELDS.join(', ')} (or null)`);
  }
  const units = json('units');
  for (const [key, unit] of Object.entries(units ?? {})) {
    if (!SAMPLE_FIELDS.includes(key as SampleField)) throw new LayoutError('units', `units: "${key}" is not a sample field`);
    if (typeof unit !== 'string' || !isKnownUnit(key as SampleField, unit)) throw new LayoutError('units', `units.${key}: "${unit}" is not a unit this import converts`);
  }
  const started = str('startedAt');
  const startedAt = started === undefined ? undefined : Date.parse(started);
  if (startedAt !== undefined && Number.isNaN(startedAt)) throw new LayoutError('startedAt', 'startedAt must be an ISO 8601 date-time');
  const rest = str('restCurrent');
  const restCurrentA = rest === undefined ? undefined : Number(rest);
  if (restCurrentA !== undefined && !(restCurrentA >= 0)) throw new LayoutError('restCurrent', 'restCurrent must be a number of amperes >= 0');
  const delimiters: Record<string, string> = { ',': ',', ';': ';', tab: '\t', '\t': '\t', '|': '|' };
  const delimiter = str('delimiter');
  if (delimiter !== undefined && !(delimiter in delimiters)) throw new LayoutError('delimiter', 'delimiter must be one of , ; | tab');
  const station = str('station');
  if (station !== undefined && /[/+#]/.test(station)) throw new LayoutError('station', 'station names cannot contain / + #');
  let timezone = str('timezone')?.trim();
  if (timezone !== undefined && /^(utc|etc\/utc|z)$/i.test(timezone)) timezone = 'UTC';
  if (timezone !== undefined && !isKnownTimezone(timezone)) throw new LayoutError('timezone', `timezone: "${timezone}" is not an IANA time zone (e.g. Europe/Madrid, America/New_York, UTC)`);
  const encodingName = str('encoding')?.trim().toLowerCase();
  if (encodingName !== undefined && !(encodingName in ENCODINGS)) throw new LayoutError('encoding', `encoding: "${encodingName}" is not one of utf-8, latin1 (ISO-8859-1), windows-1252, utf-16le`);
  const saveMappingAs = str('saveMappingAs')?.trim();
  if (saveMappingAs !== undefined && (!saveMappingAs || saveMappingAs.length > 255)) throw new LayoutError('saveMappingAs', 'saveMappingAs must be a name of 1 to 255 characters');
  return {
    name: str('name'),
    description: str('description'),
    battery: str('battery'),
    station,
    format: oneOf('format', FORMATS),
    dateFormat: oneOf('dateFormat', DATE_FORMATS),
    currentSign: oneOf('currentSign', ['charge-positive', 'discharge-positive'] as const),
    mapping: mapping as LayoutOptions['mapping'],
    units: units as LayoutOptions['units'],
    startedAt,
    restCurrentA,
    delimiter: delimiter === undefined ? undefined : delimiters[delimiter],
    timezone,
    encoding: encodingName === undefined ? undefined : ENCODINGS[encodingName as keyof typeof ENCODINGS],
    saveMappingAs: saveMappingAs || undefined,
  };
}

/**
 * The layout an import used, as a column mapping's attributes: every column (null = kept in extra,
 * so an ignored column is not picked up again by its alias), every declared or detected unit, sign,
 * date format, time zone and delimiter, so a file of the same layout reads the same way by the mapping's name.
 */
export function mappingOfLayout(layout: Layout, encoding?: Encoding): Record<string, unknown> {
  return {
    mapping: Object.fromEntries(layout.columns.map((c) => [c.column, c.field])),
    units: Object.fromEntries(layout.columns.filter((c) => c.field && c.unit).map((c) => [c.field as string, c.unit as string])),
    format: layout.format,
    current_sign: layout.currentSign,
    date_format: layout.dateFormat,
    delimiter: layout.delimiter === '\t' ? 'tab' : layout.delimiter,
    timezone: layout.timezone,
    encoding: encoding ?? null,
  };
}

/** A saved `api::lab.column-mapping` as query options (so it goes through the same checks). */
export function savedMappingQuery(saved: Record<string, unknown>): Record<string, unknown> {
  const text = (v: unknown) => (v === null || v === undefined || v === '' ? undefined : v);
  const json = (v: unknown) => (v === null || v === undefined ? undefined : typeof v === 'string' ? v : JSON.stringify(v));
  const query: Record<string, unknown> = {
    mapping: json(saved.mapping),
    units: json(saved.units),
    format: text(saved.format),
    currentSign: text(saved.current_sign),
    dateFormat: text(saved.date_format),
    delimiter: text(saved.delimiter),
    timezone: text(saved.timezone),
    encoding: text(saved.encoding),
  };
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined));
}

/** A declared encoding, else UTF-16 by its byte order mark, else UTF-8 (whose BOM is dropped too). */
function encodingOf(bytes: Buffer, declared?: Encoding): string {
  if (declared) return declared;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/**
 * The first HEAD_BYTES of `source` (whole lines) as text, to detect the layout, and the entire file's
 * bytes from its start (the head's bytes, then the rest of the source), to parse; `encoding` is the
 * one they are decoded with (iconv-lite name; its byte order mark is dropped).
 */
async function splitHead(source: Readable, declared?: Encoding): Promise<{ head: string; encoding: string; file: AsyncIterable<Buffer>; release(): void }> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  let complete = false;
  while (size < HEAD_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      complete = true;
      break;
    }
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    chunks.push(chunk);
    size += chunk.length;
  }
  const bytes = Buffer.concat(chunks);
  const encoding = encodingOf(bytes, declared);
  let head = iconv.decode(bytes, encoding).replace(/^\uFEFF/, '');
  if (!complete) head = head.slice(0, head.lastIndexOf('\n') + 1);
  const file = (async function* () {
    yield bytes;
    if (complete) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    }
  })();
  /**
   * Done with the source, read or not: a request body is drained (destroying it would reset the
   * connection before the answer is sent), a file stream closed.
   */
  const release = () => {
    if ((source as { socket?: unknown }).socket) {
      (async () => {
        for (;;) if ((await iterator.next()).done) return;
      })().catch(() => undefined);
    } else {
      source.destroy();
    }
  };
  return { head, encoding, file, release };
}

/** The worker's compiled file, beside this one's directory (dist/src/api/lab/ when Strapi runs). */
const WORKER_FILE = path.join(__dirname, '..', 'import-worker.js');
/**
 * The worker's heap: its live data is a few chunks and two batches (a few MB); a small heap makes
 * V8 collect the import's garbage early (Strapi's own heap let it grow to ~500 MB).
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 24 };

/** Rows written from which an import ends with a full collection (~0.1–0.3 s of pause; see collectGarbage). */
const COLLECT_AFTER_ROWS = 100_000;

type WorkerDone = FromWorker & { type: 'done' };

/**
 * Runs the file through the import worker (`../import-worker.ts`): sends it the file's bytes as it
 * asks for them, hands each batch to `write` in order (one at a time; the worker prepares the next
 * meanwhile) and acknowledges it, resolves with the worker's totals once the last batch is written.
 * A row error in the worker, or a failed write, rejects once the write in progress has settled (the
 * transaction must not roll back under a running COPY), and stops the worker.
 */
function parseInWorker(file: AsyncIterable<Buffer>, data: ImportWorkerData, write: (batch: FromWorker & { type: 'batch' }) => Promise<void>): Promise<WorkerDone> {
  const input = file[Symbol.asyncIterator]();
  const worker = new Worker(WORKER_FILE, { workerData: data, resourceLimits: WORKER_LIMITS });
  return new Promise<WorkerDone>((resolve, reject) => {
    let settled = false;
    let writing: Promise<void> = Promise.resolve();
    let reading: Promise<void> = Promise.resolve();
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      writing.catch(() => undefined).then(outcome);
    };
    const fail = (error: unknown) => finish(() => reject(error));
    worker.on('message', (message: FromWorker) => {
      if (settled) return;
      switch (message.type) {
        case 'more':
          // One read at a time: the source's iterator takes no concurrent next().
          reading = reading.then(async () => {
            const next = await input.next();
            if (settled) return;
            if (next.done) worker.postMessage({ type: 'end' } satisfies ToWorker);
            else {
              // Moved, not cloned. The HTTP parser gives each body chunk an ArrayBuffer of its own, moved
              // as it is; a chunk sharing one (a slice, Node's pool) is copied into its own first.
              const chunk = next.value;
              const own = chunk.byteOffset === 0 && chunk.buffer.byteLength === chunk.byteLength;
              const bytes = own ? new Uint8Array(chunk.buffer) : new Uint8Array(chunk);
              worker.postMessage({ type: 'bytes', bytes } satisfies ToWorker, [bytes.buffer]);
            }
          }).catch(fail);
          break;
        case 'batch':
          writing = writing.then(async () => {
            await write(message);
            // The batch's buffers go back to the worker (moved: out of this heap at once, not when collected).
            const buffers = [message.encoded?.samples, message.encoded?.rollups].flatMap((b) => (b ? [b.buffer as ArrayBuffer] : []));
            if (!settled) worker.postMessage({ type: 'written', buffers } satisfies ToWorker, buffers);
          });
          writing.catch(fail);
          break;
        case 'done':
          writing.then(() => finish(() => resolve(message)), fail);
          break;
        case 'failed':
          fail(fromFailure(message.failure));
          break;
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the import worker stopped (exit code ${code}) before the end of the file`)));
  });
}

function layoutOf(head: string, options: BatteryImportOptions): { layout: Layout; records: string[][] } {
  const firstLine = head.split(/\r?\n/).find((l) => l.trim()) ?? '';
  if (!firstLine) throw new LayoutError('file', 'the file is empty');
  const delimiter = options.delimiter ?? detectDelimiter(head.split(/\r?\n/).slice(0, 200));
  const records = Papa.parse<string[]>(head, { delimiter, skipEmptyLines: false }).data;
  return { layout: detectLayout(records, delimiter, options), records };
}

const createBatteryImport = ({ strapi }: { strapi: Core.Strapi }) => {
  /** The virtual station named `name`, created on first use; a real station of that name is refused. */
  async function virtualStation(name: string): Promise<{ id: number; documentId: string }> {
    const existing = await strapi.db.query('api::lab.cycler-station').findOne({ where: { name } });
    if (existing) {
      if (!existing.virtual) throw new LayoutError('station', `"${name}" is a real cycler station; imports go to a virtual one (another name)`);
      return existing;
    }
    return strapi.documents('api::lab.cycler-station').create({
      data: { name, state: 'offline', virtual: true, location: 'virtual: imported files' } as any,
    }) as any;
  }

  /** A taken name is refused before anything is read or written (and again inside the transaction). */
  async function refuseTakenMappingName(name: string) {
    if (await strapi.db.query('api::lab.column-mapping').findOne({ where: { name }, select: ['id'] })) {
      throw new LayoutError('saveMappingAs', `a column mapping named "${name}" already exists; pick another name (or use it with columnMapping)`);
    }
  }

  async function findBattery(ref: string): Promise<{ documentId: string }> {
    const battery = await strapi.db.query('api::lab.battery').findOne({ where: { $or: [{ documentId: ref }, { name: ref }] } });
    if (!battery) throw new LayoutError('battery', `no battery with documentId or name "${ref}"`);
    return battery;
  }

  return {
    /**
     * Request options; `columnMapping=<name>` starts from that saved mapping (request options win).
     * A bad option, or an unknown mapping name, is a LayoutError naming it.
     */
    async options(query: Record<string, unknown>): Promise<BatteryImportOptions> {
      const name = query.columnMapping;
      let saved: Record<string, unknown> = {};
      if (name !== undefined && name !== '') {
        if (typeof name !== 'string') throw new LayoutError('columnMapping', 'columnMapping must be a single name');
        const found = await strapi.db.query('api::lab.column-mapping').findOne({ where: { name } });
        if (!found) throw new LayoutError('columnMapping', `no saved column mapping named "${name}"`);
        saved = savedMappingQuery(found);
      }
      const options = parseBatteryImportOptions({ ...saved, ...query });
      if (options.saveMappingAs) await refuseTakenMappingName(options.saveMappingAs);
      return options;
    },

    /** Detected layout and the first rows, raw and converted (a row's problem is shown, not thrown). */
    async preview(source: Readable, options: BatteryImportOptions = {}): Promise<PreviewResult> {
      const { head, release } = await splitHead(source, options.encoding);
      release();
      const { layout, records } = layoutOf(head, options);
      const rows: PreviewResult['rows'] = [];
      const convertRecord = recordConverter(layout);
      // File lines, as the import's errors name them (a quoted cell may span lines).
      let line = 1;
      for (let i = 0; i < records.length && rows.length < PREVIEW_ROWS; i++) {
        const cells = records[i];
        const start = line;
        line += 1 + breaksIn(cells);
        if (i < layout.headerLine || (cells.length === 1 && cells[0].trim() === '')) continue;
        try {
          const converted = convertRecord(cells, start);
          rows.push({ line: start, cells, values: { ...converted.values, extra: converted.extra } });
        } catch (error) {
          if (!(error instanceof RowError)) throw error;
          rows.push({ line: start, cells, error: error.message });
        }
      }
      return {
        format: layout.format,
        delimiter: layout.delimiter,
        headerLine: layout.headerLine,
        currentSign: layout.currentSign,
        dateFormat: layout.dateFormat,
        timezone: layout.timezone,
        deriveCycles: layout.deriveCycles,
        columns: layout.columns.map((c) => ({ column: c.column, field: c.field, unit: c.unit })),
        rows,
      };
    },

    /**
     * Imports the whole file as one finished experiment (`source = imported`) on a virtual station,
     * then stores its cycle summary. All or nothing: one transaction.
     */
    async importCsv(source: Readable, options: BatteryImportOptions): Promise<ImportResult> {
      if (!options.name) throw new LayoutError('name', 'name is required (the experiment\'s name)');
      const { head, encoding, file, release } = await splitHead(source, options.encoding);
      try {
        return await this.importStream(head, file, encoding, options);
      } finally {
        release();
      }
    },

    /** importCsv once the head is read: `file` is the file's bytes from its first, in `encoding` (iconv-lite name). */
    async importStream(head: string, file: AsyncIterable<Buffer>, encoding: string, options: BatteryImportOptions): Promise<ImportResult> {
      const { layout } = layoutOf(head, options);
      const stationName = options.station ?? DEFAULT_VIRTUAL_STATION;
      const labSamples = strapi.service('api::lab.lab-samples') as unknown as import('./lab-samples').LabSamplesService;
      const cycleSummary = strapi.service('api::lab.cycle-summary') as unknown as import('./cycle-summary').CycleSummaryService;
      const postgres = isPostgres(strapi);
      let stored = 0;

      return strapi.db.transaction(async ({ trx }: { trx: Knex.Transaction }) => {
        let columnMapping: ImportResult['columnMapping'];
        if (options.saveMappingAs) {
          await refuseTakenMappingName(options.saveMappingAs);
          const created = (await strapi.documents('api::lab.column-mapping').create({
            data: { name: options.saveMappingAs, description: `saved with the import of "${options.name}"`, ...mappingOfLayout(layout, options.encoding) } as any,
          })) as unknown as { id: number; documentId: string; name: string };
          columnMapping = { id: created.id, documentId: created.documentId, name: created.name };
        }
        const station = await virtualStation(stationName);
        const battery = options.battery ? await findBattery(options.battery) : null;
        const experiment = (await strapi.documents('api::lab.experiment').create({
          data: {
            name: options.name,
            description: options.description,
            state: 'finished',
            source: 'imported',
            cycler_station: station.documentId,
            ...(battery ? { battery: battery.documentId } : {}),
          } as any,
        })) as unknown as { id: number; documentId: string; name: string };

        const { rows, firstMs, lastMs, cycles } = await parseInWorker(file, {
          layout, encoding, experimentId: experiment.id, startMs: options.startedAt ?? Date.now(), restCurrentA: options.restCurrentA, postgres, batchRows: BATCH_ROWS,
        }, async (batch) => {
          if (batch.encoded) await labSamples.insertEncoded(batch.encoded, trx);
          else await labSamples.insertSamples(batch.sampleRows ?? [], trx);
          if (!batch.rows) return;
          stored += batch.rows;
          await options.onProgress?.(stored);
        });
        if (rows === 0) throw new LayoutError('file', 'no data rows after the header');

        await strapi.db.query('api::lab.experiment').update({
          where: { id: experiment.id },
          data: { sample_count: rows, started_at: new Date(firstMs as number), finished_at: new Date(lastMs as number) },
        });
        // The worker's aggregates are the summary's GROUP BY; none (no sample with a cycle index): cycles derived, as for a live experiment.
        const summary = await cycleSummary.refresh(experiment.id, trx, cycles.length ? cycles : undefined);
        return {
          experiment: { id: experiment.id, documentId: experiment.documentId, name: experiment.name },
          ...(columnMapping ? { columnMapping } : {}),
          station: stationName,
          format: layout.format,
          rows,
          cycles: summary.cycles.length,
          summary,
        };
      }).finally(() => {
        // After a large import (done or rolled back), once its answer is on its way: its garbage, promoted
        // to the old generation, would otherwise stay in an idle server's RSS until the next burst.
        if (stored >= COLLECT_AFTER_ROWS) setImmediate(collectGarbage);
      });
    },
  };
};

export type BatteryImportService = ReturnType<typeof createBatteryImport>;
export default createBatteryImport;
