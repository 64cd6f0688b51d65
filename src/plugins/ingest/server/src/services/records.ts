/**
 * Validation and normalisation of one posted log record, independent of Strapi (pure functions).
 */
export const SEVERITIES = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

const SEVERITY_ALIASES: Record<string, Severity> = {
  debug: 'DEBUG', trace: 'DEBUG',
  info: 'INFO', information: 'INFO', informational: 'INFO', notice: 'INFO',
  warn: 'WARN', warning: 'WARN',
  error: 'ERROR', err: 'ERROR',
  fatal: 'FATAL', critical: 'FATAL', crit: 'FATAL', panic: 'FATAL', emerg: 'FATAL', alert: 'FATAL',
};

export interface NormalisedRecord {
  timestamp: Date;
  severity: Severity;
  message: string;
  attributes: string | null; // serialised JSON
  host: string | null;
  /** Service the record names (only meaningful for API-token posts). */
  service: string | null;
}

export interface RecordLimits {
  maxMessageLength: number;
}

const MAX_DATE_MS = 253402300799999; // 9999-12-31T23:59:59.999Z
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const MAX_ATTRIBUTE_DEPTH = 16;
const MAX_ATTRIBUTES_BYTES = 64 * 1024;
const MAX_HOST_LENGTH = 255;
/** Characters PostgreSQL refuses in text/jsonb: NUL, and lone surrogates once escaped by JSON.stringify. */
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export class RecordError extends Error {}

function parseTimestamp(value: unknown, now: Date): Date {
  if (value === undefined || value === null || value === '') return now;
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && /^\d{1,16}$/.test(value)) ms = Number(value);
  else if (typeof value === 'string' && ISO_8601.test(value.trim())) ms = Date.parse(value.trim().replace(',', '.'));
  else throw new RecordError('timestamp must be an ISO 8601 date or epoch milliseconds');
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_DATE_MS) throw new RecordError('timestamp is not a valid date between 1970 and 9999');
  return new Date(ms);
}

export function parseSeverity(value: unknown): Severity {
  if (value === undefined || value === null || value === '') return 'INFO';
  if (typeof value !== 'string') throw new RecordError(`severity must be one of ${SEVERITIES.join(', ')}`);
  const key = value.trim().toLowerCase();
  const severity = SEVERITY_ALIASES[key];
  if (!severity) throw new RecordError(`severity "${value.slice(0, 40)}" is not one of ${SEVERITIES.join(', ')} (or a known alias)`);
  return severity;
}

/** Depth of a JSON value without recursion (a hostile body can nest 100,000 levels). */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node as object)) stack.push([child, depth + 1]);
  }
  return false;
}

function storableText(field: string, value: string): string {
  if (value.includes('\u0000')) throw new RecordError(`${field} contains a NUL character`);
  if (LONE_SURROGATE.test(value)) {
    throw new RecordError(`${field} contains an unpaired UTF-16 surrogate`);
  }
  return value;
}

export function normaliseRecord(value: unknown, limits: RecordLimits, now: Date): NormalisedRecord {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RecordError('record must be a JSON object');
  const record = value as Record<string, unknown>;

  const { message } = record;
  if (message === undefined || message === null) throw new RecordError('message is required');
  if (typeof message !== 'string') throw new RecordError('message must be a string');
  if (!message.trim()) throw new RecordError('message must not be empty');
  if (message.length > limits.maxMessageLength) throw new RecordError(`message is longer than ${limits.maxMessageLength} characters`);

  let attributes: string | null = null;
  if (record.attributes !== undefined && record.attributes !== null) {
    if (typeof record.attributes !== 'object' || Array.isArray(record.attributes)) throw new RecordError('attributes must be a JSON object');
    if (depthExceeds(record.attributes, MAX_ATTRIBUTE_DEPTH)) throw new RecordError(`attributes are nested deeper than ${MAX_ATTRIBUTE_DEPTH} levels`);
    attributes = JSON.stringify(record.attributes);
    if (attributes.length > MAX_ATTRIBUTES_BYTES) throw new RecordError(`attributes are larger than ${MAX_ATTRIBUTES_BYTES} characters once serialised`);
    if (UNSTORABLE_ESCAPE.test(attributes)) throw new RecordError('attributes contain a NUL character or an unpaired surrogate');
  }

  let host: string | null = null;
  if (record.host !== undefined && record.host !== null) {
    if (typeof record.host !== 'string') throw new RecordError('host must be a string');
    if (record.host.length > MAX_HOST_LENGTH) throw new RecordError(`host is longer than ${MAX_HOST_LENGTH} characters`);
    host = storableText('host', record.host);
  }

  let service: string | null = null;
  if (record.service !== undefined && record.service !== null) {
    if (typeof record.service !== 'string') throw new RecordError('service must be a string (the log service name)');
    service = record.service;
  }

  return {
    timestamp: parseTimestamp(record.timestamp, now),
    severity: parseSeverity(record.severity),
    message: storableText('message', message),
    attributes,
    host,
    service,
  };
}
