/**
 * Cycler CSV layouts: which column is which measurement, in which unit, with which current sign and
 * date format. Pure functions (no Strapi), used by `api::lab.battery-import` for the preview and the
 * streaming import (docs/battery-data.md).
 *
 * One header grammar covers the recognised formats: a name, then optionally a unit as `Name(unit)`,
 * `Name (unit)`, `Name / unit` (BDF) or `Name [unit]`. The name picks the field (aliases below), the
 * unit its conversion to SI; the header style names the format.
 */
import { DateTime, IANAZone } from 'luxon';

export type SampleField =
  | 'test_time_s' | 'recorded_at' | 'voltage_v' | 'current_a' | 'power_w' | 'temperature_c'
  | 'cycle_index' | 'step_index'
  | 'charge_capacity_ah' | 'discharge_capacity_ah' | 'charge_energy_wh' | 'discharge_energy_wh';

export type FormatId = 'wattrex' | 'arbin' | 'bdf' | 'beep' | 'mapped';
export type CurrentSign = 'charge-positive' | 'discharge-positive';
export type DateFormat = 'unix-s' | 'unix-ms' | 'iso' | 'DD/MM/YYYY' | 'MM/DD/YYYY' | 'YYYY/MM/DD';

export const FORMATS: FormatId[] = ['wattrex', 'arbin', 'bdf', 'beep', 'mapped'];
export const DATE_FORMATS: DateFormat[] = ['unix-s', 'unix-ms', 'iso', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY/MM/DD'];

/** A problem with one cell: reported with the file line, the CSV header and the value. */
export class RowError extends Error {
  constructor(public line: number, public column: string | null, public value: string | null, message: string) {
    super(`line ${line}${column ? `, column "${column}"` : ''}${value !== null ? ` (value "${value}")` : ''}: ${message}`);
  }
}

/** A problem with the file as a whole or an option (a 400 naming `option`). */
export class LayoutError extends Error {
  constructor(public option: string, message: string) {
    super(message);
  }
}

type Quantity = 'time' | 'date' | 'voltage' | 'current' | 'power' | 'temperature' | 'count' | 'capacity' | 'energy';

const FIELD_QUANTITY: Record<SampleField, Quantity> = {
  test_time_s: 'time', recorded_at: 'date', voltage_v: 'voltage', current_a: 'current', power_w: 'power',
  temperature_c: 'temperature', cycle_index: 'count', step_index: 'count',
  charge_capacity_ah: 'capacity', discharge_capacity_ah: 'capacity', charge_energy_wh: 'energy', discharge_energy_wh: 'energy',
};

/** value_SI = value * factor + offset. Keys are lower-case units as written in headers. */
const UNITS: Record<Quantity, Record<string, [number, number]>> = {
  time: { s: [1, 0], sec: [1, 0], ms: [1e-3, 0], min: [60, 0], minutes: [60, 0], h: [3600, 0], hr: [3600, 0], hours: [3600, 0] },
  date: { s: [1, 0], ms: [1, 0] },
  voltage: { v: [1, 0], mv: [1e-3, 0] },
  current: { a: [1, 0], ma: [1e-3, 0], ua: [1e-6, 0], 'µa': [1e-6, 0] },
  power: { w: [1, 0], mw: [1e-3, 0], kw: [1e3, 0] },
  temperature: { c: [1, 0], degc: [1, 0], '°c': [1, 0], k: [1, -273.15] },
  count: { '1': [1, 0], '': [1, 0] },
  capacity: { ah: [1, 0], mah: [1e-3, 0] },
  energy: { wh: [1, 0], mwh: [1e-3, 0], kwh: [1e3, 0] },
};

/**
 * Normalised header names (lower case, words joined by `_`) per field, best first: the first
 * matching column wins, later ones of the same field go to `extra` (e.g. Battery Archive's
 * Environment_Temperature beside Cell_Temperature).
 */
const ALIASES: Record<SampleField, string[]> = {
  test_time_s: ['test_time', 'test_time_s', 'elapsed_time', 'time_s'],
  recorded_at: ['date_time', 'datetime', 'date_time_iso', 'timestamp', 'unix_time', 'date'],
  voltage_v: ['voltage', 'voltage_v', 'cell_voltage', 'ecell'],
  current_a: ['current', 'current_a', 'cell_current'],
  power_w: ['power', 'power_w'],
  temperature_c: ['temperature', 'cell_temperature', 'temperature_t1', 'aux_temperature_1', 'temperature_c', 'temp'],
  cycle_index: ['cycle_index', 'cycle_count', 'cycle', 'cycle_number'],
  step_index: ['step_index', 'step', 'step_number'],
  charge_capacity_ah: ['charge_capacity', 'charging_capacity', 'charge_capacity_ah'],
  discharge_capacity_ah: ['discharge_capacity', 'discharging_capacity', 'discharge_capacity_ah'],
  charge_energy_wh: ['charge_energy', 'charging_energy', 'charge_energy_wh'],
  discharge_energy_wh: ['discharge_energy', 'discharging_energy', 'discharge_energy_wh'],
};
const FIELD_BY_ALIAS = new Map<string, SampleField>();
for (const [field, names] of Object.entries(ALIASES) as Array<[SampleField, string[]]>) {
  for (const name of names) if (!FIELD_BY_ALIAS.has(name)) FIELD_BY_ALIAS.set(name, field);
}

/** Units each format writes when its headers carry none (Arbin without suffixes, BEEP, WattRex). */
const DEFAULT_UNITS: Record<FormatId, Partial<Record<Quantity, string>>> = {
  arbin: { time: 's', voltage: 'v', current: 'a', power: 'w', capacity: 'ah', energy: 'wh', temperature: 'c' },
  beep: { time: 's', voltage: 'v', current: 'a', power: 'w', capacity: 'ah', energy: 'wh', temperature: 'c' },
  bdf: { time: 's', voltage: 'v', current: 'a', power: 'w', capacity: 'ah', energy: 'wh', temperature: 'degc' },
  // The WattRex cycler stores integers in mV and mA (its database's generic measures).
  wattrex: { time: 's', voltage: 'mv', current: 'ma', power: 'mw', capacity: 'mah', energy: 'mwh', temperature: 'c' },
  mapped: { time: 's', voltage: 'v', current: 'a', power: 'w', capacity: 'ah', energy: 'wh', temperature: 'c' },
};

/** Arbin, BDF and BEEP all write charging current as positive; so does lab_samples. */
const DEFAULT_SIGN: Record<FormatId, CurrentSign> = {
  arbin: 'charge-positive', beep: 'charge-positive', bdf: 'charge-positive', wattrex: 'charge-positive', mapped: 'charge-positive',
};

/** Whether `unit` (any case) is one this import converts for `field`. */
export function isKnownUnit(field: SampleField, unit: string): boolean {
  const quantity = FIELD_QUANTITY[field];
  return quantity === 'date' ? ['s', 'ms'].includes(unit.toLowerCase()) : unit.toLowerCase() in UNITS[quantity];
}

export interface ParsedHeader { raw: string; name: string; unit: string | null }

export function parseHeader(raw: string): ParsedHeader {
  const text = raw.replace(/^\uFEFF/, '').trim();
  const m = /^(.*?)\s*(?:\(([^)]*)\)|\[([^\]]*)\]|\s\/\s*(\S+))\s*$/.exec(text);
  const base = m ? m[1] : text;
  const unit = m ? (m[2] ?? m[3] ?? m[4] ?? '').trim() : null;
  const name = base.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return { raw, name, unit: unit === null ? null : unit };
}

export interface ColumnMapping {
  index: number;
  column: string;
  /** null: kept in `extra` (extended measures), under the header as written. */
  field: SampleField | null;
  unit: string | null;
  factor: number;
  offset: number;
}

export interface Layout {
  format: FormatId;
  delimiter: string;
  /** 1-based line of the header row (lines before it are a preamble). */
  headerLine: number;
  columns: ColumnMapping[];
  currentSign: CurrentSign;
  dateFormat: DateFormat | null;
  /** IANA zone of dates written without an offset (wall-clock times); 'UTC' unless declared. */
  timezone: string;
  /** No cycle index column: cycles are derived from charge/discharge transitions. */
  deriveCycles: boolean;
}

export interface LayoutOptions {
  format?: FormatId;
  currentSign?: CurrentSign;
  dateFormat?: DateFormat;
  /** CSV header -> field (or null to drop the column); wins over the aliases. */
  mapping?: Record<string, SampleField | null>;
  /** field -> unit, for headers without a unit (e.g. WattRex in V and A: {voltage_v: 'V', current_a: 'A'}). */
  units?: Partial<Record<SampleField, string>>;
  /** IANA zone (e.g. Europe/Madrid) of dates without an offset; default UTC. */
  timezone?: string;
}

/** Whether `zone` is an IANA time zone name this runtime knows (luxon asks Intl). */
export function isKnownTimezone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

function formatOfHeaders(headers: ParsedHeader[]): FormatId | null {
  const names = new Set(headers.map((h) => h.name));
  const has = (...n: string[]) => n.every((x) => names.has(x));
  if (headers.some((h) => / \/ /.test(h.raw)) && has('voltage', 'current') && (names.has('test_time') || names.has('unix_time'))) return 'bdf';
  if (has('timestamp', 'voltage', 'current') && !names.has('test_time')) return 'wattrex';
  // Arbin: capitalised snake-case names (Data_Point, Cycle_Index, Current(A)); BEEP and Battery
  // Archive share the names, lower case (BEEP) or with a spaced unit suffix (Battery Archive).
  if (has('test_time', 'voltage', 'current')) {
    const arbinish = headers.some((h) => /^[A-Z][a-z]+_[A-Z]/.test(h.raw)) && !headers.some((h) => /\s\(/.test(h.raw));
    if (arbinish || names.has('data_point')) return 'arbin';
    return 'beep';
  }
  return null;
}

const DELIMITERS = [',', ';', '\t', '|'];

/**
 * The delimiter that splits the most lines into the same number of cells (a preamble line or a
 * decimal comma does not sway it), e.g. `;` for "secs;volts" and "0;3,70".
 */
export function detectDelimiter(lines: string[]): string {
  let best = ',';
  let bestScore = [0, 0];
  for (const d of DELIMITERS) {
    const counts = new Map<number, number>();
    for (const line of lines) {
      const n = line.split(d).length - 1;
      if (n > 0) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    for (const [n, lineCount] of counts) {
      if (lineCount > bestScore[0] || (lineCount === bestScore[0] && n > bestScore[1])) [best, bestScore] = [d, [lineCount, n]];
    }
  }
  return best;
}

/**
 * The layout of a file from its first rows (`head`: parsed records, with their 1-based lines). The
 * header is the first record naming a voltage and a current (or matching `mapping`): anything before
 * it is a preamble.
 */
export function detectLayout(head: string[][], delimiter: string, options: LayoutOptions = {}): Layout {
  const mapping = options.mapping ?? {};
  let headerIndex = -1;
  let format: FormatId | null = null;
  for (let i = 0; i < Math.min(head.length, 200); i++) {
    const headers = head[i].map(parseHeader);
    const mapped = head[i].filter((c) => c.trim() in mapping).length;
    format = formatOfHeaders(headers);
    if (format || (mapped >= 2 && Object.keys(mapping).every((c) => head[i].some((h) => h.trim() === c)))) {
      headerIndex = i;
      format = options.format ?? (Object.keys(mapping).length ? 'mapped' : format);
      break;
    }
  }
  if (headerIndex < 0 || !format) {
    throw new LayoutError('format', 'no header row naming voltage and current was found in the first rows: not a WattRex, Arbin, BDF or BEEP CSV; send `mapping` ({"CSV header": "voltage_v", ...})');
  }
  const defaults = DEFAULT_UNITS[format];
  const taken = new Set<SampleField>();
  const columns: ColumnMapping[] = head[headerIndex].map((raw, index) => {
    const header = parseHeader(raw);
    const column = raw.trim();
    let field: SampleField | null = column in mapping ? mapping[column] : FIELD_BY_ALIAS.get(header.name) ?? null;
    if (field && taken.has(field)) field = null;
    if (field) taken.add(field);
    if (!field) return { index, column, field: null, unit: header.unit, factor: 1, offset: 0 };
    const quantity = FIELD_QUANTITY[field];
    const declared = options.units?.[field];
    const unit = (declared ?? header.unit ?? defaults[quantity] ?? '').toLowerCase();
    const conversion = quantity === 'date' ? [1, 0] : UNITS[quantity][unit];
    if (!conversion) {
      throw new LayoutError(declared ? 'units' : 'file', `column "${column}": unit "${unit}" is not a ${quantity} unit this import knows (${Object.keys(UNITS[quantity]).filter(Boolean).join(', ')})`);
    }
    return { index, column, field, unit: quantity === 'date' ? null : unit, factor: conversion[0], offset: conversion[1] };
  });
  for (const required of ['voltage_v', 'current_a'] as SampleField[]) {
    if (!taken.has(required)) throw new LayoutError('mapping', `no column for ${required}`);
  }
  if (!taken.has('test_time_s') && !taken.has('recorded_at')) throw new LayoutError('mapping', 'no column for test_time_s or recorded_at');
  const dateColumn = columns.find((c) => c.field === 'recorded_at');
  const layout: Layout = {
    format,
    delimiter,
    headerLine: headerIndex + 1,
    columns,
    currentSign: options.currentSign ?? DEFAULT_SIGN[format],
    dateFormat: null,
    timezone: options.timezone ?? 'UTC',
    deriveCycles: !taken.has('cycle_index'),
  };
  // A cycle column left empty (BEEP's TC-contact Arbin file) is no cycle index: derive the cycles.
  const cycleColumn = columns.find((c) => c.field === 'cycle_index');
  const dataRows = head.slice(headerIndex + 1).filter((r) => r.some((cell) => cell.trim() !== ''));
  if (cycleColumn && dataRows.length && dataRows.every((r) => (r[cycleColumn.index] ?? '').trim() === '')) {
    cycleColumn.field = null;
    layout.deriveCycles = true;
  }
  if (dateColumn) {
    const values = head.slice(headerIndex + 1).map((r) => (r[dateColumn.index] ?? '').trim()).filter(Boolean);
    layout.dateFormat = options.dateFormat ?? detectDateFormat(values, dateColumn.column);
  }
  return layout;
}

const ISO = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const SLASHED = /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(AM|PM)?)?$/i;
/** Largest cycle or step index: `lab_samples` stores them as 32-bit integers. */
export const MAX_INDEX = 2_147_483_647;

/**
 * The date format of a column from sample values. Day/month order is decided only when some value
 * shows it (a first or second number above 12); otherwise the import is refused, asking for
 * `dateFormat`: guessing would shift every sample of a file written on the other side of the ocean.
 */
export function detectDateFormat(values: string[], column: string): DateFormat {
  if (!values.length) return 'iso';
  if (values.every((v) => !Number.isNaN(decimalValue(v)))) return Math.abs(Number(values[0])) > 1e11 ? 'unix-ms' : 'unix-s';
  if (values.every((v) => ISO.test(v))) return 'iso';
  let dayFirst = false;
  let monthFirst = false;
  for (const v of values) {
    const m = SLASHED.exec(v);
    if (!m) throw new LayoutError('dateFormat', `column "${column}": "${v}" is not a date this import reads; declare dateFormat (${DATE_FORMATS.join(', ')})`);
    if (m[1].length === 4) return 'YYYY/MM/DD';
    if (Number(m[1]) > 12) dayFirst = true;
    if (Number(m[2]) > 12) monthFirst = true;
  }
  if (dayFirst && monthFirst) throw new LayoutError('dateFormat', `column "${column}": dates mix day/month orders; declare dateFormat`);
  if (dayFirst) return 'DD/MM/YYYY';
  if (monthFirst) return 'MM/DD/YYYY';
  throw new LayoutError('dateFormat', `column "${column}": dates such as "${values[0]}" could be day/month or month/day; declare dateFormat=DD/MM/YYYY or MM/DD/YYYY`);
}

/**
 * Epoch ms of a wall-clock time in `zone`, or why it has none. UTC (the default) stays on Date.UTC, the
 * fast path; another zone goes through luxon, which applies that day's offset (DST included). A time
 * skipped by a spring-forward gap does not exist there: refused (luxon would move it on by the gap,
 * a silent guess; a clock on local time never writes one, so the zone is likely wrong). A time of a
 * repeated autumn hour has two instants: this is the earlier (`laterTwin` gives the other).
 */
function wallClockMs(zone: string, year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number | string {
  if (zone === 'UTC') return Date.UTC(year, month - 1, day, hour, minute, second) + ms;
  const t = DateTime.fromObject({ year, month, day, hour, minute, second, millisecond: ms }, { zone });
  if (t.isValid && (t.hour !== hour || t.minute !== minute || t.day !== day)) {
    return `not a time in ${zone}: the clocks skipped it (daylight saving time began); check the time zone`;
  }
  // luxon may answer either instant of a repeated time (it gave the later); the earlier is the rule.
  return repeatedTwin(t.toMillis(), zone, 'earlier') ?? t.toMillis();
}

/**
 * The other instant of the same wall-clock time as `t` in `zone` (the `later` or `earlier` one), when
 * `t` falls in an hour the clocks repeat (daylight saving time ending); null otherwise.
 */
function repeatedTwin(t: number, zone: string, which: 'earlier' | 'later'): number | null {
  const z = IANAZone.create(zone);
  const offset = z.offset(t);
  // Offsets change at most once in a few hours: the other offset is the one across the change.
  const other = z.offset(which === 'later' ? t + 6 * 3_600_000 : t - 6 * 3_600_000);
  if (which === 'later' ? other >= offset : other <= offset) return null;
  const twin = t + (offset - other) * 60_000;
  return z.offset(twin) === other ? twin : null;
}

/** The later instant of the wall-clock time whose earlier instant is `t`, in a repeated hour of `zone`; else null. */
export const laterTwin = (t: number, zone: string): number | null => repeatedTwin(t, zone, 'later');

/** An ISO date's own offset (`Z`, `+02:00`, `-0500`): such a date is an instant, whatever the zone. */
const OFFSET_SUFFIX = /(Z|[+-]\d{2}:?\d{2})$/i;
const ISO_PARTS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?$/;

/**
 * Epoch milliseconds of `value` in `format`, or a message saying why not. Dates without an offset are
 * wall-clock times in `zone` (default UTC); unix times and ISO dates with an offset ignore it.
 */
export function parseDate(value: string, format: DateFormat, zone = 'UTC'): number | string {
  switch (format) {
    case 'unix-s':
    case 'unix-ms': {
      const n = decimalValue(value);
      if (Number.isNaN(n)) return `not a ${format} number`;
      return format === 'unix-s' ? Math.round(n * 1000) : Math.round(n);
    }
    case 'iso': {
      if (!ISO.test(value)) return 'not an ISO 8601 date';
      if (zone !== 'UTC' && !OFFSET_SUFFIX.test(value)) {
        const m = ISO_PARTS.exec(value.trim()) as RegExpExecArray;
        const t = wallClockMs(zone, Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), Math.round(Number(m[7] ?? 0) * 1000));
        return typeof t === 'number' && Number.isNaN(t) ? 'not a valid date' : t;
      }
      const zoned = OFFSET_SUFFIX.test(value) || value.length <= 10 ? value : `${value}Z`;
      const t = Date.parse(zoned.replace(' ', 'T'));
      return Number.isNaN(t) ? 'not a valid date' : t;
    }
    default: {
      const m = SLASHED.exec(value);
      if (!m) return `not a ${format} date`;
      let [year, month, day] = format === 'YYYY/MM/DD' ? [m[1], m[2], m[3]] : format === 'DD/MM/YYYY' ? [m[3], m[2], m[1]] : [m[3], m[1], m[2]];
      let hour = Number(m[4] ?? 0);
      if (m[8]) hour = (hour % 12) + (m[8].toUpperCase() === 'PM' ? 12 : 0);
      const y = Number(year.length === 2 ? `20${year}` : year);
      const mo = Number(month);
      const d = Number(day);
      if (mo < 1 || mo > 12 || d < 1 || d > 31) return `not a ${format} date (month ${mo}, day ${d})`;
      const t = wallClockMs(zone, y, mo, d, hour, Number(m[5] ?? 0), Number(m[6] ?? 0), Math.round(Number(m[7] ?? 0) * 1000));
      return typeof t === 'number' && Number.isNaN(t) ? `not a valid ${format} date` : t;
    }
  }
}

/** One converted record: SI values by field, the other numeric columns in `extra`. */
export interface ConvertedRow {
  values: Partial<Record<SampleField, number | null>>;
  extra: Record<string, number | string> | null;
}

/** Every field's slot in the values a RowConverter writes. */
export const SAMPLE_FIELDS: readonly SampleField[] = [
  'test_time_s', 'recorded_at', 'voltage_v', 'current_a', 'power_w', 'temperature_c', 'cycle_index', 'step_index',
  'charge_capacity_ah', 'discharge_capacity_ah', 'charge_energy_wh', 'discharge_energy_wh',
];
export const FIELD_SLOT = Object.fromEntries(SAMPLE_FIELDS.map((f, i) => [f, i])) as Record<SampleField, number>;

/**
 * Converts one data record into `values` (SI, one slot per field in SAMPLE_FIELDS order, NaN where
 * the record has none: recorded_at as epoch ms) and returns its extended measures as JSON text, or
 * null. Throws RowError naming the line, column and value.
 */
export type RowConverter = (cells: string[], line: number, values: Float64Array) => string | null;

/** Extended measures kept per row, at most. */
const MAX_EXTRA = 32;
const DATE = 0;
const INDEX = 1;
const MEASURE = 2;
const EXTRA = 3;

/** Powers of ten a double holds exactly (10^22 is the last). */
const EXACT_POWERS = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * The value of `s` if it is a decimal number ([-+]?\d+(\.\d+)?([eE][-+]?\d+)?), else NaN: checked
 * and converted in one pass, as the import does for ~10 cells per row (a regex then Number() were
 * half of its conversion time). Up to 15 significant digits and a power of ten up to 22 it is
 * Clinger's fast path (an exact integer times or over an exact power: one correctly rounded
 * operation, so the same double as Number()); anything longer goes to Number().
 */
export function decimalValue(s: string): number {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  const negative = c === 45;
  if (negative || c === 43) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let from = i;
  while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    if (mantissa > 0) digits++;
    i++;
  }
  if (i === from) return Number.NaN;
  if (i < n && c === 46) {
    from = ++i;
    while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      if (mantissa > 0) digits++;
      i++;
    }
    if (i === from) return Number.NaN;
    scale = from - i;
  }
  if (i < n && (c === 101 || c === 69)) {
    c = s.charCodeAt(++i);
    const negativeExponent = c === 45;
    if (negativeExponent || c === 43) i++;
    from = i;
    let exponent = 0;
    while (i < n && (c = s.charCodeAt(i)) >= 48 && c <= 57) {
      exponent = exponent * 10 + (c - 48);
      i++;
    }
    if (i === from) return Number.NaN;
    scale += negativeExponent ? -exponent : exponent;
  }
  if (i !== n) return Number.NaN;
  if (digits > 15 || scale > 22 || scale < -22) return Number(s);
  const value = scale >= 0 ? mantissa * EXACT_POWERS[scale] : mantissa / EXACT_POWERS[-scale];
  return negative ? -value : value;
}

/**
 * The converter of a layout's records, its per-column decisions (kind, slot, conversion, sign) made
 * once: the import runs it on every row, where looking them up per cell and building an object of
 * values per row had been a third of the import's parsing time.
 */
export function rowConverter(layout: Layout): RowConverter {
  const flip = layout.currentSign === 'discharge-positive';
  const plan = layout.columns.map((c) => {
    const negate = flip && c.field === 'current_a';
    const kind = c.field === null ? EXTRA : c.field === 'recorded_at' ? DATE : c.field === 'cycle_index' || c.field === 'step_index' ? INDEX : MEASURE;
    return {
      index: c.index, column: c.column, kind, slot: c.field ? FIELD_SLOT[c.field] : -1,
      // -(n * f + o) is n * -f + -o exactly (negation does not round).
      factor: negate ? -c.factor : c.factor, offset: negate ? -c.offset : c.offset,
      jsonKey: `${JSON.stringify(c.column)}:`,
    };
  });
  const decimalComma = layout.delimiter !== ',';
  const dateFormat = layout.dateFormat ?? 'iso';
  const zone = layout.timezone;
  // Wall-clock dates in a zone with DST: a repeated hour's time is read at its later instant when the
  // earlier would go back before the previous row (a cycler logging across the change writes that hour twice).
  const wallClock = zone !== 'UTC' && !dateFormat.startsWith('unix');
  let previousMs = Number.NEGATIVE_INFINITY;
  const voltage = layout.columns.find((c) => c.field === 'voltage_v')!.column;
  const current = layout.columns.find((c) => c.field === 'current_a')!.column;
  const V = FIELD_SLOT.voltage_v;
  const I = FIELD_SLOT.current_a;
  return (cells, line, values) => {
    values.fill(Number.NaN);
    let extra: string | null = null;
    let extras = 0;
    for (let p = 0; p < plan.length; p++) {
      const c = plan[p];
      const cell = cells[c.index];
      const raw = cell === undefined ? '' : cell.trim();
      if (raw === '') continue;
      if (c.kind === DATE) {
        let t = parseDate(raw, dateFormat, zone);
        if (typeof t === 'string') throw new RowError(line, c.column, raw, t);
        if (wallClock && t < previousMs && !OFFSET_SUFFIX.test(raw)) {
          const twin = laterTwin(t, zone);
          if (twin !== null && twin >= previousMs) t = twin;
        }
        values[c.slot] = previousMs = t;
        continue;
      }
      const text = decimalComma ? raw.replace(',', '.') : raw;
      const n = decimalValue(text);
      if (c.kind === EXTRA) {
        // JSON text straight away (a number's String is its JSON): no object and no stringify per row.
        if (extras++ < MAX_EXTRA) extra = `${extra === null ? '{' : `${extra},`}${c.jsonKey}${Number.isFinite(n) ? String(n) : JSON.stringify(raw)}`;
        continue;
      }
      if (!Number.isFinite(n)) throw new RowError(line, c.column, raw, 'not a number');
      if (c.kind === INDEX) {
        if (!Number.isInteger(n) || n < 0) throw new RowError(line, c.column, raw, 'not a whole number >= 0');
        // The columns are 32-bit integers in both databases: a larger count would fail the whole batch unnamed.
        if (n > MAX_INDEX) throw new RowError(line, c.column, raw, `larger than ${MAX_INDEX} (the largest cycle or step index stored)`);
        values[c.slot] = n;
        continue;
      }
      values[c.slot] = n * c.factor + c.offset;
    }
    if (Number.isNaN(values[V])) throw new RowError(line, voltage, '', 'voltage is required');
    if (Number.isNaN(values[I])) throw new RowError(line, current, '', 'current is required');
    return extra === null ? null : `${extra}}`;
  };
}

/**
 * The converter of the preview's few records, as objects (the import runs `rowConverter`'s function); one
 * for a file's records in order, as the import reads them (a repeated autumn hour depends on the row before).
 */
export function recordConverter(layout: Layout): (cells: string[], line: number) => ConvertedRow {
  const convert = rowConverter(layout);
  const slots = new Float64Array(SAMPLE_FIELDS.length);
  return (cells, line) => {
    const extra = convert(cells, line, slots);
    const values: ConvertedRow['values'] = {};
    for (const c of layout.columns) if (c.field) values[c.field] = Number.isNaN(slots[FIELD_SLOT[c.field]]) ? null : slots[FIELD_SLOT[c.field]];
    return { values, extra: extra === null ? null : JSON.parse(extra) };
  };
}

/**
 * Cycle numbers from current transitions, for files without a cycle index: a cycle is a charge and
 * the discharge after it, so a charge that starts after a discharge opens the next cycle (a file
 * starting with a discharge has that discharge as cycle 1). Rest (|I| <= restCurrentA) changes nothing.
 */
export class CycleDetector {
  private cycle = 1;
  private seenDischarge = false;

  constructor(private restCurrentA = 1e-3) {}

  next(currentA: number): number {
    if (currentA > this.restCurrentA) {
      if (this.seenDischarge) {
        this.cycle += 1;
        this.seenDischarge = false;
      }
    } else if (currentA < -this.restCurrentA) {
      this.seenDischarge = true;
    }
    return this.cycle;
  }
}

// Strapi loads every file of services/ as a service (`api::lab.battery-formats`).
export default { detectLayout, detectDelimiter, detectDateFormat, parseDate, recordConverter, parseHeader };
