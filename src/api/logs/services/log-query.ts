/**
 * Reading side of the logs domain: filters, keyset search, statistics, streamed exports.
 *
 * Everything is plain SQL through knex on `logs_entries`, filtering on the denormalised `service_name`
 * column so the hot paths never join the service link table. Both dialects are supported; how each
 * stores the columns (checked on Strapi 5.54.0):
 *   - SQLite: `timestamp` is an INTEGER of epoch milliseconds, `attributes` is JSON text.
 *   - PostgreSQL: `timestamp` is `timestamp without time zone` holding UTC wall-clock time (Strapi
 *     binds JS Dates; servers run in UTC), `attributes` is jsonb.
 * Writers that bypass Strapi (bulk ingest) must store the same representations, or filters miss rows.
 */
import { Readable } from 'stream';
import Papa from 'papaparse';
import { errors } from '@strapi/utils';
import type { Core } from '@strapi/strapi';
import { ROLLUP_TABLE } from '../log-rollup';
import { SEVERITIES, type LogEntryView, type LogHistogram, type LogSearchResult, type LogStats, type Severity } from '../contract';

export { SEVERITIES };
export type { LogEntryView, LogHistogram, LogSearchResult, LogStats, Severity };

export interface AttributeFilter {
  key: string;
  value: string;
}

export interface LogFilters {
  /** Allowed severities (already intersected with minSeverity); null = all. */
  severities: Severity[] | null;
  /** Service names; null = all. */
  services: string[] | null;
  /** Inclusive lower bound. */
  from: Date | null;
  /** Inclusive upper bound. */
  to: Date | null;
  /** Case-insensitive substring of the message. */
  q: string | null;
  attributes: AttributeFilter[];
  limit: number;
  cursor: LogCursor | null;
}

/** Position after the last row of a page: its timestamp (as the database holds it) and id. */
export interface LogCursor {
  ts: string | number;
  id: number;
}

export type ExportFormat = 'csv' | 'ndjson';

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** Stats without `from` cover this window before `to` (a histogram needs a bounded range). */
export const DEFAULT_STATS_WINDOW_MS = 24 * 3600 * 1000;
/** Candidate bucket sizes, seconds; the smallest giving at most MAX_BUCKETS buckets wins. */
export const BUCKET_SIZES = [1, 5, 15, 60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400];
export const MAX_BUCKETS = 120;
const EXPORT_PAGE = 1000;
/** CSV columns, in the order of the shared entry shape. */
export const CSV_COLUMNS = ['id', 'documentId', 'service', 'timestamp', 'received_at', 'severity', 'message', 'attributes', 'host'] as const;

const TABLE = 'logs_entries';
const KNOWN_PARAMS = new Set(['severity', 'minSeverity', 'service', 'from', 'to', 'q', 'limit', 'cursor', 'format']);
const ATTR_KEY = /^[A-Za-z0-9_\-.:]{1,100}$/;
const RELATIVE = /^-(\d+)(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
// ISO 8601 date or date-time with optional fraction and zone; Date.parse alone accepts too much.
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const invalid = (parameter: string, reason: string): never => {
  throw new errors.ValidationError(`Invalid parameter "${parameter}": ${reason}`, { parameter });
};

/** One scalar string per parameter; repeated parameters (arrays) are joined as a comma list. */
function scalar(name: string, raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (Array.isArray(raw)) {
    if (!raw.every((v) => typeof v === 'string')) invalid(name, 'expected text');
    return raw.join(',');
  }
  if (typeof raw !== 'string') invalid(name, 'expected text');
  const s = (raw as string).trim();
  return s === '' ? null : s;
}

function list(name: string, raw: unknown): string[] | null {
  const s = scalar(name, raw);
  if (s === null) return null;
  const items = s.split(',').map((v) => v.trim()).filter(Boolean);
  return items.length ? items : null;
}

function severity(name: string, value: string): Severity {
  const upper = value.toUpperCase();
  if (!(SEVERITIES as readonly string[]).includes(upper)) invalid(name, `"${value}" is not one of ${SEVERITIES.join(', ')}`);
  return upper as Severity;
}

/** ISO 8601, epoch milliseconds, `now`, or relative to now like `-15m`, `-24h`, `-7d`. */
export function parseTime(name: string, value: string, now: number = Date.now()): Date {
  if (value === 'now') return new Date(now);
  const rel = RELATIVE.exec(value);
  if (rel) return new Date(now - Number(rel[1]) * UNIT_MS[rel[2]]);
  if (/^\d{10,13}$/.test(value)) return new Date(Number(value));
  if (ISO.test(value)) {
    const t = Date.parse(value);
    if (!Number.isNaN(t)) return new Date(t);
  }
  return invalid(name, `"${value}" is not an ISO 8601 time, epoch milliseconds, "now" or a relative time like -15m, -24h, -7d`);
}

export function encodeCursor(cursor: LogCursor): string {
  return Buffer.from(JSON.stringify([cursor.ts, cursor.id])).toString('base64url');
}

export function decodeCursor(value: string): LogCursor {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      (typeof parsed[0] === 'number' || (typeof parsed[0] === 'string' && parsed[0].length <= 40)) &&
      Number.isSafeInteger(parsed[1])
    ) {
      return { ts: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the 400
  }
  return invalid('cursor', 'not a cursor returned by this API');
}

/** Validates query parameters into filters; throws a ValidationError (400) naming the parameter. */
export function parseFilters(query: Record<string, unknown>, now: number = Date.now()): LogFilters {
  const attributes: AttributeFilter[] = [];
  for (const [name, raw] of Object.entries(query ?? {})) {
    if (name.startsWith('attr.')) {
      const key = name.slice(5);
      if (!ATTR_KEY.test(key)) invalid(name, 'attribute keys are 1-100 characters of letters, digits, _ - . :');
      const value = scalar(name, raw);
      if (value === null) invalid(name, 'a value is required');
      attributes.push({ key, value: value as string });
    } else if (name === 'attr' && raw && typeof raw === 'object' && !Array.isArray(raw)) {
      // attr[key]=value (qs nests brackets)
      for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
        if (!ATTR_KEY.test(key)) invalid(`attr.${key}`, 'attribute keys are 1-100 characters of letters, digits, _ - . :');
        const value = scalar(`attr.${key}`, v);
        if (value === null) invalid(`attr.${key}`, 'a value is required');
        attributes.push({ key, value: value as string });
      }
    } else if (!KNOWN_PARAMS.has(name)) {
      invalid(name, 'unknown parameter');
    }
  }

  let severities: Severity[] | null = list('severity', query.severity)?.map((s) => severity('severity', s)) ?? null;
  const min = scalar('minSeverity', query.minSeverity);
  if (min !== null) {
    const floor = SEVERITIES.indexOf(severity('minSeverity', min));
    const atLeast = SEVERITIES.filter((_, i) => i >= floor);
    severities = severities ? severities.filter((s) => atLeast.includes(s)) : [...atLeast];
  }
  if (severities) severities = [...new Set(severities)];

  const services = list('service', query.service);
  if (services?.some((s) => s.length > 255)) invalid('service', 'service names are at most 255 characters');

  const fromRaw = scalar('from', query.from);
  const toRaw = scalar('to', query.to);
  const from = fromRaw === null ? null : parseTime('from', fromRaw, now);
  const to = toRaw === null ? null : parseTime('to', toRaw, now);
  if (from && to && from.getTime() > to.getTime()) invalid('from', 'must not be after "to"');

  const q = scalar('q', query.q);
  if (q !== null && q.length > 500) invalid('q', 'at most 500 characters');

  let limit = DEFAULT_LIMIT;
  const limitRaw = scalar('limit', query.limit);
  if (limitRaw !== null) {
    if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1 || Number(limitRaw) > MAX_LIMIT) invalid('limit', `an integer from 1 to ${MAX_LIMIT}`);
    limit = Number(limitRaw);
  }

  const cursorRaw = scalar('cursor', query.cursor);
  const cursor = cursorRaw === null ? null : decodeCursor(cursorRaw);

  return { severities, services, from, to, q, attributes, limit, cursor };
}

/** Smallest bucket from BUCKET_SIZES giving at most MAX_BUCKETS buckets over the range. */
export function bucketSecondsFor(rangeMs: number): number {
  // Whole seconds: `from=-30d` is parsed a few milliseconds before the default `to` (now) is taken, and
  // 30 days and 3 ms must still get the 30-day bucket size.
  const seconds = Math.max(Math.round(rangeMs / 1000), 1);
  return BUCKET_SIZES.find((size) => seconds / size <= MAX_BUCKETS) ?? BUCKET_SIZES[BUCKET_SIZES.length - 1];
}

/** Neutralises spreadsheet formulas (CSV injection): such cells are read as text. */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const toIso = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  const d = value instanceof Date ? value : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as any));
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => strapi.db.connection;
  const isPostgres = () => {
    const client = String((strapi.db.connection as any).client?.config?.client ?? strapi.db.dialect.client);
    return client === 'postgres' || client === 'pg';
  };
  /** Time bound as the dialect stores it: epoch ms on SQLite, a Date (as Strapi binds it) on PostgreSQL. */
  const timeValue = (d: Date) => (isPostgres() ? d : d.getTime());

  function applyFilters(qb: any, filters: LogFilters) {
    if (filters.severities) qb.whereIn('severity', filters.severities);
    if (filters.services) qb.whereIn('service_name', filters.services);
    if (filters.from) qb.where('timestamp', '>=', timeValue(filters.from));
    if (filters.to) qb.where('timestamp', '<=', timeValue(filters.to));
    if (filters.q) {
      const pattern = `%${escapeLike(filters.q)}%`;
      if (isPostgres()) qb.whereRaw(`"message" ILIKE ? ESCAPE '\\'`, [pattern]);
      else qb.whereRaw(`lower("message") LIKE lower(?) ESCAPE '\\'`, [pattern]);
    }
    for (const { key, value } of filters.attributes) {
      if (isPostgres()) {
        // jsonb ->> gives text for every scalar type ('500', 'true', 'abc').
        qb.whereRaw(`"attributes" ->> ? = ?`, [key, value]);
      } else {
        // JSON text: compare the same text form PostgreSQL's ->> yields (booleans as true/false).
        const path = `$."${key}"`;
        qb.whereRaw(
          `(CASE json_type("attributes", ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(json_extract("attributes", ?) AS TEXT) END) = ?`,
          [path, path, value],
        );
      }
    }
    return qb;
  }

  function toView(row: any): LogEntryView {
    let attributes = row.attributes;
    if (typeof attributes === 'string') {
      try {
        attributes = JSON.parse(attributes);
      } catch {
        attributes = null;
      }
    }
    return {
      id: Number(row.id),
      documentId: row.document_id,
      service: row.service_name ?? null,
      timestamp: toIso(row.timestamp) as string,
      received_at: toIso(row.received_at),
      severity: row.severity,
      message: row.message ?? null,
      attributes: attributes ?? null,
      host: row.host ?? null,
    };
  }

  /** The SELECT of one search page (limit + 1 rows, to know whether another page follows). */
  function searchQuery(filters: LogFilters) {
    const pg = isPostgres();
    const qb = knex()(TABLE).select('id', 'document_id', 'service_name', 'timestamp', 'received_at', 'severity', 'message', 'attributes', 'host');
    // The cursor keeps PostgreSQL's own text of the timestamp: exact to the microsecond and free of
    // any time-zone conversion in the driver.
    if (pg) qb.select(knex().raw(`"timestamp"::text AS ts_cursor`));
    applyFilters(qb, filters);
    if (filters.cursor) {
      const { ts, id } = filters.cursor;
      if (pg) {
        if (typeof ts !== 'string') invalid('cursor', 'not a cursor returned by this API');
        qb.whereRaw(`("timestamp", "id") < (?::timestamp, ?)`, [ts, id]);
      } else {
        if (typeof ts !== 'number') invalid('cursor', 'not a cursor returned by this API');
        qb.whereRaw(`("timestamp", "id") < (?, ?)`, [ts, id]);
      }
    }
    qb.orderBy([{ column: 'timestamp', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(filters.limit + 1);
    return qb;
  }

  async function search(filters: LogFilters): Promise<LogSearchResult> {
    const pg = isPostgres();
    const rows: any[] = await searchQuery(filters);
    const more = rows.length > filters.limit;
    const page = more ? rows.slice(0, filters.limit) : rows;
    const last = page[page.length - 1];
    const nextCursor = more && last ? encodeCursor({ ts: pg ? last.ts_cursor : Number(last.timestamp), id: Number(last.id) }) : null;
    return { data: page.map(toView), meta: { nextCursor } };
  }

  /**
   * One search page as the JSON text of a LogSearchResult. On PostgreSQL the database writes the JSON
   * itself (json_agg over the page), so the server neither parses rows nor serialises them again: the
   * per-row work of a 100-row page was about a third of a search request's CPU (docs/logs.md).
   */
  async function searchJson(filters: LogFilters): Promise<string> {
    if (!isPostgres()) return JSON.stringify(await search(filters));
    const iso = (column: string) => `to_char("${column}", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    const [row] = await knex()
      .with('page', searchQuery(filters))
      .with('numbered', knex().raw(`select page.*, row_number() over (order by "timestamp" desc, "id" desc) as rn from page`))
      .from('numbered')
      .select(
        knex().raw(
          `coalesce(json_agg(json_build_object('id', "id", 'documentId', "document_id", 'service', "service_name",
             'timestamp', ${iso('timestamp')}, 'received_at', ${iso('received_at')}, 'severity', "severity",
             'message', "message", 'attributes', "attributes", 'host', "host") order by rn) filter (where rn <= ?), '[]')::text as data`,
          [filters.limit],
        ),
        knex().raw(`count(*) as n, max(case when rn = ? then ts_cursor end) as last_ts, max(case when rn = ? then "id" end) as last_id`, [filters.limit, filters.limit]),
      );
    const more = Number(row.n) > filters.limit;
    const nextCursor = more ? JSON.stringify(encodeCursor({ ts: row.last_ts, id: Number(row.last_id) })) : 'null';
    return `{"data":${row.data},"meta":{"nextCursor":${nextCursor}}}`;
  }

  /** Counts grouped by (bucket, service, severity) over entries in [lower, upper) or [lower, upper]. */
  function entryGroups(filters: LogFilters, bucketSeconds: number, lower: Date, upper: Date, upperInclusive: boolean) {
    const pg = isPostgres();
    // Bucket numbers are floor(epoch seconds / bucketSeconds). On PostgreSQL date_bin (integer
    // arithmetic on the timestamp) groups, and the costly numeric extract(epoch) runs once per group.
    const inner = knex()(TABLE)
      .select(
        knex().raw(pg ? `date_bin('${bucketSeconds} seconds', "timestamp", timestamp '1970-01-01') AS bucket` : `("timestamp" / ${bucketSeconds * 1000}) AS bucket`),
        'service_name',
        'severity',
      )
      .count({ c: '*' })
      .groupByRaw(`1, 2, 3`);
    applyFilters(inner, { ...filters, from: null, to: null, cursor: null });
    inner.where('timestamp', '>=', timeValue(lower)).where('timestamp', upperInclusive ? '<=' : '<', timeValue(upper));
    return pg
      ? knex()
          .select(knex().raw(`(extract(epoch from g.bucket)::bigint / ${bucketSeconds}) AS bucket`), 'g.service_name', 'g.severity', 'g.c')
          .from(inner.as('g'))
      : inner;
  }

  /** The same groups for whole minutes [first, last], read from the per-minute rollup. */
  function rollupGroups(filters: LogFilters, bucketSeconds: number, first: number, last: number) {
    const qb = knex()(ROLLUP_TABLE)
      .select(knex().raw(`(minute * 60 / ${bucketSeconds}) AS bucket`), 'service_name', 'severity')
      .sum({ c: 'entries' })
      .whereBetween('minute', [first, last])
      .groupByRaw('1, 2, 3')
      .havingRaw('sum(entries) <> 0');
    if (filters.severities) qb.whereIn('severity', filters.severities);
    if (filters.services) qb.whereIn('service_name', filters.services);
    return qb;
  }

  /**
   * Range, bucket size and the grouped SELECTs behind stats(). Filters the rollup can answer (time,
   * service, severity) with buckets of whole minutes read the rollup for the whole minutes of the range
   * and the entries only for the partial minutes at both ends; text and attribute filters scan entries.
   */
  function statsQuery(filters: LogFilters, now: number = Date.now(), options: { rollup?: boolean } = {}) {
    const to = filters.to ?? new Date(now);
    const from = filters.from ?? new Date(to.getTime() - DEFAULT_STATS_WINDOW_MS);
    const bucketSeconds = bucketSecondsFor(to.getTime() - from.getTime());
    const rollupable = options.rollup !== false && !filters.q && !filters.attributes.length && bucketSeconds % 60 === 0;
    // Minute m is whole when all of it lies in [from, to]: from <= m*60s and (m+1)*60s <= to.
    const first = Math.ceil(from.getTime() / 60_000);
    const last = Math.floor(to.getTime() / 60_000) - 1;
    if (!rollupable || first > last) {
      return { from, to, bucketSeconds, usesRollup: false, queries: [entryGroups(filters, bucketSeconds, from, to, true)] };
    }
    return {
      from,
      to,
      bucketSeconds,
      usesRollup: true,
      queries: [
        entryGroups(filters, bucketSeconds, from, new Date(first * 60_000), false),
        rollupGroups(filters, bucketSeconds, first, last),
        entryGroups(filters, bucketSeconds, new Date((last + 1) * 60_000), to, true),
      ],
    };
  }

  async function stats(filters: LogFilters, now: number = Date.now(), options: { rollup?: boolean } = {}): Promise<LogStats> {
    const { from, to, bucketSeconds, queries } = statsQuery(filters, now, options);
    const rows: any[] = (await Promise.all(queries as unknown as Promise<any[]>[])).flat();

    const zero = (): Record<Severity, number> => ({ DEBUG: 0, INFO: 0, WARN: 0, ERROR: 0, FATAL: 0 });
    const byService = new Map<string, number>();
    const bySeverity = zero();
    const byBucket = new Map<number, Record<Severity, number>>();
    let total = 0;
    for (const row of rows) {
      const count = Number(row.c);
      const bucket = Math.floor(Number(row.bucket));
      const sev = row.severity as Severity;
      total += count;
      const name = row.service_name ?? '';
      byService.set(name, (byService.get(name) ?? 0) + count);
      if (sev in bySeverity) bySeverity[sev] += count;
      const counts = byBucket.get(bucket) ?? zero();
      if (sev in counts) counts[sev] += count;
      byBucket.set(bucket, counts);
    }
    // Every bucket of the range, empty ones included, so charts get an even time axis.
    const buckets: LogHistogram['buckets'] = [];
    const first = Math.floor(from.getTime() / 1000 / bucketSeconds);
    const lastBucket = Math.floor(to.getTime() / 1000 / bucketSeconds);
    for (let b = first; b <= lastBucket; b++) {
      buckets.push({ start: new Date(b * bucketSeconds * 1000).toISOString(), counts: byBucket.get(b) ?? zero() });
    }
    return {
      total,
      byService: [...byService].map(([service, count]) => ({ service, count })).sort((a, b) => b.count - a.count || a.service.localeCompare(b.service)),
      bySeverity: SEVERITIES.map((severity) => ({ severity, count: bySeverity[severity] })),
      histogram: { bucketSeconds, from: from.toISOString(), to: to.toISOString(), buckets },
    };
  }

  function csvRows(entries: LogEntryView[]): string[][] {
    return entries.map((e) =>
      [
        String(e.id),
        e.documentId ?? '',
        e.service ?? '',
        e.timestamp,
        e.received_at ?? '',
        e.severity,
        e.message ?? '',
        e.attributes == null ? '' : JSON.stringify(e.attributes),
        e.host ?? '',
      ].map(neutraliseCell),
    );
  }

  /** The whole query (no limit), read page by page with the keyset so memory stays flat. */
  function exportStream(filters: LogFilters, format: ExportFormat): NodeJS.ReadableStream {
    async function* generate() {
      let cursor = filters.cursor;
      let first = true;
      for (;;) {
        const page = await search({ ...filters, limit: EXPORT_PAGE, cursor });
        if (format === 'csv') {
          // The header goes out once, even for an empty result; papaparse adds a stray blank line
          // when given fields without data, so the header is a row of its own.
          if (first) yield `${Papa.unparse([[...CSV_COLUMNS]], { newline: '\r\n' })}\r\n`;
          if (page.data.length) yield `${Papa.unparse(csvRows(page.data), { newline: '\r\n' })}\r\n`;
        } else {
          if (page.data.length) yield page.data.map((e) => JSON.stringify(e)).join('\n') + '\n';
        }
        first = false;
        if (!page.meta.nextCursor) return;
        cursor = decodeCursor(page.meta.nextCursor);
      }
    }
    return Readable.from(generate());
  }

  async function errorsByService(hours = 24, now: number = Date.now()): Promise<{ service: string; count: number }[]> {
    const filters = parseFilters({ minSeverity: 'ERROR', from: `-${hours}h` }, now);
    return (await stats(filters, now)).byService;
  }

  return { parseFilters, search, searchJson, stats, exportStream, errorsByService, searchQuery, statsQuery };
};
