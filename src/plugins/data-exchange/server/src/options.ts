/** Request options of export and import, parsed before any work starts so bad input is a 400 naming the option. */
import { errors } from '@strapi/utils';

export type RelationFormat = 'display' | 'id';
export type ImportMode = 'create' | 'update' | 'upsert';

export interface ExportOptions {
  delimiter: string;
  bom: boolean;
  columns?: string[];
  relations: RelationFormat;
  locale?: string;
}

export interface ImportOptions {
  dryRun: boolean;
  mode: ImportMode;
  /** Field that finds the existing document (update/upsert): a unique attribute, id or documentId. */
  key?: string;
  /** '' or undefined: detected. */
  delimiter?: string;
  /** '' or undefined: detected. */
  encoding?: string;
  /** CSV header -> field name; null or '' ignores the column. Unlisted headers are mapped automatically. */
  mapping?: Record<string, string | null>;
  relations: RelationFormat;
  locale?: string;
}

export const invalid = (option: string, message: string) =>
  new errors.ValidationError(`${option}: ${message}`, { errors: [{ path: [option], message, name: 'ValidationError' }] });

const DELIMITERS: Record<string, string> = { ',': ',', ';': ';', '\t': '\t', tab: '\t', '|': '|' };

function delimiter(value: unknown, fallback: string | undefined): string | undefined {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !(value in DELIMITERS)) throw invalid('delimiter', 'must be one of , ; | tab');
  return DELIMITERS[value];
}

function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  throw invalid(name, 'must be true or false');
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw invalid(name, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(name, 'must be a string');
  return value;
}

export function parseExportOptions(query: Record<string, unknown>): ExportOptions {
  let columns: string[] | undefined;
  if (query.columns !== undefined && query.columns !== '') {
    const raw = Array.isArray(query.columns) ? query.columns : String(query.columns).split(',');
    columns = raw.map((c) => String(c).trim()).filter(Boolean);
    if (!columns.length) throw invalid('columns', 'names no column');
  }
  return {
    delimiter: delimiter(query.delimiter, ',') as string,
    bom: bool('bom', query.bom, false),
    columns,
    relations: oneOf('relations', query.relations, ['display', 'id'] as const, 'display'),
    // The Content Manager list sends its locale as plugins[i18n][locale].
    locale: optionalString('locale', query.locale ?? (query.plugins as any)?.i18n?.locale),
  };
}

export function parseImportOptions(input: Record<string, unknown>): ImportOptions {
  let mapping: Record<string, string | null> | undefined;
  if (input.mapping !== undefined && input.mapping !== '') {
    let parsed: unknown = input.mapping;
    if (typeof parsed === 'string') {
      try {
        parsed = JSON.parse(parsed);
      } catch {
        throw invalid('mapping', 'must be a JSON object {"CSV header": "field"}');
      }
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('mapping', 'must be an object {"CSV header": "field"}');
    for (const [header, field] of Object.entries(parsed)) {
      if (field !== null && typeof field !== 'string') throw invalid('mapping', `the field for "${header}" must be a string or null`);
    }
    mapping = parsed as Record<string, string | null>;
  }
  const mode = oneOf('mode', input.mode, ['create', 'update', 'upsert'] as const, 'create');
  const key = optionalString('key', input.key);
  if (mode !== 'create' && !key) throw invalid('key', `is required with mode ${mode}`);
  const encoding = optionalString('encoding', input.encoding);
  return {
    dryRun: bool('dryRun', input.dryRun, false),
    mode,
    key,
    delimiter: delimiter(input.delimiter, undefined),
    encoding,
    mapping,
    relations: oneOf('relations', input.relations, ['display', 'id'] as const, 'display'),
    locale: optionalString('locale', input.locale),
  };
}
