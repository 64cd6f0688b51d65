/**
 * CSV import with the admin form's rules: the document middlewares (src/api/<domain>/register.ts),
 * the entity validator and the lifecycles apply to every row as for the admin form.
 *
 * 1. check: cells converted by attribute type, required fields, enum values, duplicates in the file,
 *    relations looked up by display field (or id) and existing documents by the key field, in bulk;
 * 2. write: one transaction, in batches; rows with a problem from step 1 are skipped, every other
 *    row is written, and any problem (from either step) or a dry run rolls the whole transaction back.
 *    Rows that create go through the bulk writer (services/bulk-create.ts) when it applies the same
 *    rules, else, like updates, through the Document Service one by one.
 * Every problem is reported with its file line and column; nothing is written unless there are none.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { assertType, type Access } from '../access';
import { invalid, type ImportOptions } from '../options';
import { getService } from '../utils';
import { RELATION_SEPARATOR, withoutIds } from './csv-export';
import { parseCsv, type ParsedCsv } from './csv-parse';
import type { ContentTypeInfo, FieldInfo } from './fields';

export const BATCH_SIZE = 500;
/** Problems listed in a report; the count says how many there were in all. */
export const MAX_PROBLEMS = 1000;
const LOOKUP_CHUNK = 500;

export interface Problem {
  line: number;
  column?: string;
  field?: string;
  value?: string;
  message: string;
}

export interface ImportProgress {
  phase: 'checking' | 'writing';
  processed: number;
  total: number;
}

export interface ImportReport {
  uid: string;
  dryRun: boolean;
  ok: boolean;
  total: number;
  created: number;
  updated: number;
  encoding: string;
  delimiter: string;
  mapping: Record<string, string | null>;
  problemCount: number;
  problems: Problem[];
  writer: string;
}

export interface Preview {
  uid: string;
  encoding: string;
  delimiter: string;
  headers: string[];
  rows: string[][];
  mapping: Record<string, string | null>;
  fields: Array<Pick<FieldInfo, 'name' | 'label' | 'kind' | 'type' | 'required' | 'unique'>>;
  keyFields: string[];
}

interface PlannedRow {
  line: number;
  data: Record<string, unknown>;
  key?: unknown;
  documentId?: string;
  skip: boolean;
}

class RollbackSignal extends Error {}

const normalise = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const KEY_SYSTEM_FIELDS = ['id', 'documentId'];

/** Header -> field: explicit mapping first, then the field's name or its Content Manager label. */
export function mapColumns(headers: string[], info: ContentTypeInfo, explicit: Record<string, string | null> = {}) {
  const byName = new Map(info.fields.map((f) => [f.name, f]));
  const automatic = new Map<string, string>();
  for (const f of info.fields) {
    if (!f.writable && !KEY_SYSTEM_FIELDS.includes(f.name)) continue;
    automatic.set(normalise(f.name), f.name);
    if (!automatic.has(normalise(f.label))) automatic.set(normalise(f.label), f.name);
  }
  for (const header of Object.keys(explicit)) {
    if (!headers.includes(header)) throw invalid('mapping', `"${header}" is not a column of the file`);
  }
  const mapping: Record<string, string | null> = {};
  const used = new Map<string, string>();
  for (const header of headers) {
    const target = header in explicit ? explicit[header] || null : automatic.get(normalise(header)) ?? null;
    if (target !== null) {
      const field = byName.get(target);
      if (!field || (!field.writable && !KEY_SYSTEM_FIELDS.includes(target))) {
        throw invalid('mapping', `"${header}" maps to ${target}, which is not a writable field of ${info.uid}`);
      }
      if (used.has(target)) throw invalid('mapping', `"${header}" and "${used.get(target)}" both map to ${target}`);
      used.set(target, header);
    }
    mapping[header] = target;
  }
  return mapping;
}

type Converted = { value: unknown } | { error: string };

/** A CSV cell to the value the Document Service takes; '' is "no value". */
export function convertCell(field: FieldInfo, raw: string): Converted {
  const cell = field.type === 'string' || field.type === 'text' || field.type === 'richtext' ? raw : raw.trim();
  if (cell === '') return { value: null };
  switch (field.kind) {
    case 'component':
    case 'dynamiczone': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(cell);
      } catch {
        return { error: 'is not valid JSON' };
      }
      if (field.kind === 'dynamiczone' && (!Array.isArray(parsed) || parsed.some((c: any) => !c || typeof c.__component !== 'string'))) {
        return { error: 'must be a JSON array of components, each with "__component"' };
      }
      if (field.kind === 'component' && field.repeatable && !Array.isArray(parsed)) return { error: 'must be a JSON array' };
      if (field.kind === 'component' && !field.repeatable && (Array.isArray(parsed) || typeof parsed !== 'object')) return { error: 'must be a JSON object' };
      return { value: withoutIds(parsed) };
    }
    case 'system':
      return field.name === 'id' ? (/^\d+$/.test(cell) ? { value: Number(cell) } : { error: 'must be a whole number' }) : { value: cell };
    default:
      break;
  }
  switch (field.type) {
    case 'integer':
      return /^[-+]?\d+$/.test(cell) && Number.isSafeInteger(Number(cell)) ? { value: Number(cell) } : { error: 'must be a whole number' };
    case 'biginteger':
      return /^[-+]?\d+$/.test(cell) ? { value: cell } : { error: 'must be a whole number' };
    case 'float':
    case 'decimal': {
      const text = /^[-+]?\d+,\d+$/.test(cell) ? cell.replace(',', '.') : cell;
      const n = Number(text);
      return text !== '' && Number.isFinite(n) ? { value: n } : { error: 'must be a number' };
    }
    case 'boolean': {
      const v = cell.toLowerCase();
      if (['true', '1', 'yes', 'y'].includes(v)) return { value: true };
      if (['false', '0', 'no', 'n'].includes(v)) return { value: false };
      return { error: 'must be true or false' };
    }
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(cell) && !Number.isNaN(Date.parse(cell)) ? { value: cell } : { error: 'must be a date YYYY-MM-DD' };
    case 'datetime':
    case 'timestamp': {
      const t = Date.parse(cell);
      return Number.isNaN(t) ? { error: 'must be a date and time (ISO 8601)' } : { value: new Date(t).toISOString() };
    }
    case 'time':
      return /^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(cell) ? { value: cell.length === 5 ? `${cell}:00` : cell } : { error: 'must be a time HH:MM[:SS]' };
    case 'json':
    case 'blocks':
      try {
        return { value: JSON.parse(cell) };
      } catch {
        return { error: 'is not valid JSON' };
      }
    case 'enumeration':
      return field.enum?.includes(cell) ? { value: cell } : { error: `must be one of ${field.enum?.join(', ')}` };
    default:
      // Undo the export's formula neutralisation ('=SUM(...) -> =SUM(...)): text round-trips unchanged.
      return { value: /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell };
  }
}

/** Values of a relation cell: one, several joined with ";", or a JSON array. */
export function relationValues(cell: string): string[] {
  const text = cell.trim();
  if (!text) return [];
  if (text.startsWith('[')) {
    try {
      const parsed = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map((v) => String(v));
    } catch {
      /* not JSON: a plain value starting with [ */
    }
  }
  return text.split(RELATION_SEPARATOR.trim()).map((v) => v.trim()).filter(Boolean);
}

/** Problems of a Document Service error, by column (Strapi's ValidationError names the path). */
function problemsOfError(error: any, line: number, columnOf: (field: string) => string | undefined): Problem[] | null {
  const isValidation = error instanceof errors.ValidationError || error?.name === 'ValidationError';
  const isApplication = error instanceof errors.ApplicationError || error?.name === 'ApplicationError';
  if (!isValidation && !isApplication) return null;
  const details = error.details?.errors as Array<{ path: string[]; message: string }> | undefined;
  if (details?.length) {
    return details.map((d) => {
      const field = String(d.path?.[0] ?? '');
      return { line, field: field || undefined, column: columnOf(field), message: d.message };
    });
  }
  return [{ line, message: error.message }];
}

const csvImport = ({ strapi }: { strapi: Core.Strapi }) => {
  const fieldsService = () => getService('fields', strapi);

  return {
    /** The first rows, the detected encoding and delimiter and the automatic mapping: what the admin dialog shows. */
    async preview(uid: string, access: Access, buffer: Buffer, options: Pick<ImportOptions, 'encoding' | 'delimiter'>): Promise<Preview> {
      const info = await fieldsService().describe(uid);
      if (!(await access.canType(uid, 'create')) && !(await access.canType(uid, 'update'))) await assertType(access, uid, 'create');
      const parsed = parseCsv(buffer, { ...options, limit: 10 });
      return {
        uid,
        encoding: parsed.encoding,
        delimiter: parsed.delimiter,
        headers: parsed.headers,
        rows: parsed.rows.map((r) => r.cells),
        mapping: mapColumns(parsed.headers, info),
        fields: info.fields
          .filter((f) => f.writable || KEY_SYSTEM_FIELDS.includes(f.name))
          .map(({ name, label, kind, type, required, unique }) => ({ name, label, kind, type, required, unique })),
        keyFields: info.fields.filter((f) => f.unique).map((f) => f.name),
      };
    },

    async run(uid: string, access: Access, buffer: Buffer, options: ImportOptions, onProgress: (p: ImportProgress) => void = () => {}): Promise<ImportReport> {
      const info = await fieldsService().describe(uid);
      const byName = new Map(info.fields.map((f) => [f.name, f]));
      if (options.mode !== 'update') await assertType(access, uid, 'create');
      if (options.mode !== 'create') await assertType(access, uid, 'update');

      const parsed: ParsedCsv = parseCsv(buffer, options);
      const mapping = mapColumns(parsed.headers, info, options.mapping);
      const mapped = parsed.headers
        .map((header, index) => ({ header, index, field: mapping[header] ? byName.get(mapping[header]!)! : null }))
        .filter((c): c is { header: string; index: number; field: FieldInfo } => c.field !== null);
      const columnOf = (field: string) => mapped.find((c) => c.field.name === field)?.header;

      // The role's field permissions (admin): a column it may not write is refused as a whole.
      for (const operation of ['create', 'update'] as const) {
        if ((operation === 'create' && options.mode === 'update') || (operation === 'update' && options.mode === 'create')) continue;
        const allowed = access.allowedFields(uid, operation);
        const refused = mapped.filter((c) => c.field.writable && allowed && !allowed.has(c.field.name)).map((c) => c.header);
        if (refused.length) throw new errors.ForbiddenError(`Your role may not ${operation} these columns of ${uid}: ${refused.join(', ')}`);
      }
      const keyField = options.mode === 'create' ? undefined : byName.get(options.key!);
      if (options.mode !== 'create') {
        if (!keyField || !keyField.unique) {
          throw invalid('key', `${options.key} is not a unique field of ${uid} (one of ${info.fields.filter((f) => f.unique).map((f) => f.name).join(', ')})`);
        }
        if (!columnOf(keyField.name)) throw invalid('key', `no column of the file maps to ${keyField.name}`);
      }

      const problems: Problem[] = parsed.problems.map((p) => ({ ...p }));
      const badLines = new Set(problems.map((p) => p.line));
      const problem = (p: Problem) => {
        problems.push(p);
        badLines.add(p.line);
      };
      const total = parsed.rows.length;
      onProgress({ phase: 'checking', processed: 0, total });

      // Step 1: convert every cell.
      const planned: PlannedRow[] = [];
      const relationCells: Array<{ row: PlannedRow; column: string; field: FieldInfo; values: string[] }> = [];
      const seenUnique = new Map<string, Map<string, number>>();
      for (const { line, cells } of parsed.rows) {
        const row: PlannedRow = { line, data: {}, skip: false };
        if (cells.length > parsed.headers.length && cells.slice(parsed.headers.length).some((c) => c.trim() !== '')) {
          problem({ line, message: `has ${cells.length} cells, the header has ${parsed.headers.length}` });
        }
        for (const { header, index, field } of mapped) {
          const raw = cells[index] ?? '';
          if (field.kind === 'relation') {
            const values = relationValues(raw);
            if (!field.relation!.many && values.length > 1) {
              problem({ line, column: header, field: field.name, value: raw, message: 'holds several values; this relation takes one' });
              continue;
            }
            relationCells.push({ row, column: header, field, values });
            continue;
          }
          const converted = convertCell(field, raw);
          if ('error' in converted) {
            problem({ line, column: header, field: field.name, value: raw, message: converted.error });
            continue;
          }
          if (field === keyField) row.key = converted.value;
          if (!field.writable) continue; // id / documentId: keys only
          row.data[field.name] = converted.value;
          if (field.unique && converted.value !== null) {
            const seen = seenUnique.get(field.name) ?? new Map<string, number>();
            seenUnique.set(field.name, seen);
            const k = String(converted.value);
            if (seen.has(k)) problem({ line, column: header, field: field.name, value: raw, message: `duplicate value (also on line ${seen.get(k)})` });
            else seen.set(k, line);
          }
        }
        if (keyField && (row.key === null || row.key === undefined) && !badLines.has(line)) {
          problem({ line, column: columnOf(keyField.name), field: keyField.name, message: 'key is empty' });
        }
        planned.push(row);
      }

      // Relations, looked up in bulk by the target's display field (or id).
      const lookups = new Map<string, Map<string, string[]>>();
      for (const field of new Set(relationCells.map((c) => c.field))) {
        const byId = options.relations === 'id';
        const lookupField = byId ? 'id' : field.relation!.mainField;
        const wanted = [...new Set(relationCells.filter((c) => c.field === field).flatMap((c) => c.values))];
        const found = new Map<string, string[]>();
        for (let i = 0; i < wanted.length; i += LOOKUP_CHUNK) {
          const chunk = wanted.slice(i, i + LOOKUP_CHUNK);
          const values = lookupField === 'id' ? chunk.filter((v) => /^\d+$/.test(v)).map(Number) : chunk;
          const rows = await strapi.db.query(field.relation!.target as any).findMany({
            select: ['documentId', lookupField],
            where: { [lookupField]: { $in: values } },
          });
          for (const r of rows as any[]) {
            const k = String(r[lookupField]);
            found.set(k, [...new Set([...(found.get(k) ?? []), r.documentId])]);
          }
        }
        lookups.set(field.name, found);
      }
      for (const { row, column, field, values } of relationCells) {
        const found = lookups.get(field.name)!;
        const targetName = (strapi.contentType(field.relation!.target as any) as any).info?.displayName ?? field.relation!.target;
        const ids: string[] = [];
        for (const value of values) {
          const matches = found.get(value) ?? [];
          if (matches.length === 0) problem({ line: row.line, column, field: field.name, value, message: `no ${targetName} with ${options.relations === 'id' ? 'id' : field.relation!.mainField} "${value}"` });
          else if (matches.length > 1) problem({ line: row.line, column, field: field.name, value, message: `${matches.length} ${targetName} entries have ${field.relation!.mainField} "${value}": use ids` });
          else ids.push(matches[0]);
        }
        row.data[field.name] = field.relation!.many ? ids : ids[0] ?? null;
      }

      // Existing documents by key (update/upsert), in bulk.
      if (keyField) {
        const keys = [...new Set(planned.filter((r) => r.key != null).map((r) => r.key))];
        const existing = new Map<string, string>();
        for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
          const rows = await strapi.db.query(uid as any).findMany({
            select: ['documentId', keyField.name],
            where: { [keyField.name]: { $in: keys.slice(i, i + LOOKUP_CHUNK) } },
          });
          for (const r of rows as any[]) existing.set(String(r[keyField.name]), r.documentId);
        }
        for (const row of planned) {
          if (row.key == null) continue;
          row.documentId = existing.get(String(row.key));
          if (!row.documentId && options.mode === 'update') {
            problem({ line: row.line, column: columnOf(keyField.name), field: keyField.name, value: String(row.key), message: `no ${info.displayName} with ${keyField.name} "${row.key}"` });
          }
        }
      }

      // Required fields of rows that create a document (updates only change the columns given).
      for (const row of planned) {
        if (row.documentId) {
          for (const { header, field } of mapped) {
            if (field.required && field.writable && (row.data[field.name] === null || (Array.isArray(row.data[field.name]) && !(row.data[field.name] as unknown[]).length))) {
              problem({ line: row.line, column: header, field: field.name, message: 'is required' });
            }
          }
          continue;
        }
        for (const field of info.fields) {
          if (!field.required || !field.writable || field.default !== undefined) continue;
          const value = row.data[field.name];
          if (value === undefined || value === null || (Array.isArray(value) && !value.length)) {
            problem({ line: row.line, column: columnOf(field.name), field: field.name, message: columnOf(field.name) ? 'is required' : `is required and no column maps to it` });
          }
        }
      }
      for (const row of planned) row.skip = badLines.has(row.line);

      // Step 2: write in one transaction; roll back on any problem or a dry run. Rows that create go
      // through the bulk writer when it applies the same rules (services/bulk-create.ts), else, like
      // updates, through the Document Service one by one.
      let created = 0;
      let updated = 0;
      const documents = strapi.documents(uid as any) as any;
      const locale = info.localized && options.locale ? { locale: options.locale } : {};
      const bulk = getService('bulkCreate', strapi);
      const creating = planned.filter((r) => !r.skip && !r.documentId);
      const fallback = creating.length ? await bulk.blocker(uid, mapped.map((c) => c.field), creating[0].data) : 'nothing to create';
      const createdIds: number[] = [];
      try {
        await strapi.db.transaction(async () => {
          for (let i = 0; i < planned.length; i += BATCH_SIZE) {
            const batch = planned.slice(i, i + BATCH_SIZE).filter((r) => !r.skip);
            if (!fallback) {
              const rows = batch.filter((r) => !r.documentId);
              if (rows.length) {
                const result = await bulk.create(uid, rows, options.locale);
                for (const p of result.problems) problem({ ...p, column: p.field ? columnOf(p.field) : undefined });
                created += result.ids.length;
                createdIds.push(...result.ids);
              }
            }
            for (const row of batch) {
              if (!fallback && !row.documentId) continue;
              try {
                if (row.documentId) {
                  await documents.update({ documentId: row.documentId, data: row.data, ...locale });
                  updated++;
                } else {
                  await documents.create({ data: row.data, ...locale });
                  created++;
                }
              } catch (error) {
                const found = problemsOfError(error, row.line, columnOf);
                if (!found) {
                  // A database error: on PostgreSQL the transaction is now unusable, so checking stops here.
                  problem({ line: row.line, message: `${(error as Error).message}; rows after this line were not checked` });
                  throw new RollbackSignal();
                }
                found.forEach(problem);
              }
            }
            onProgress({ phase: 'writing', processed: Math.min(i + BATCH_SIZE, planned.length), total });
            await new Promise((resolve) => setImmediate(resolve));
          }
          if (problems.length || options.dryRun) throw new RollbackSignal();
        });
        // Committed: the events the Document Service would have emitted (webhooks, audit), in the background.
        if (createdIds.length) bulk.emitCreated(uid, createdIds);
      } catch (error) {
        if (!(error instanceof RollbackSignal)) throw error;
      }

      problems.sort((a, b) => a.line - b.line);
      const ok = problems.length === 0;
      return {
        uid,
        dryRun: options.dryRun,
        ok,
        total,
        // What was (or, in a dry run, would be) written; nothing is when there are problems.
        created: ok ? created : 0,
        updated: ok ? updated : 0,
        encoding: parsed.encoding,
        delimiter: parsed.delimiter,
        mapping,
        problemCount: problems.length,
        problems: problems.slice(0, MAX_PROBLEMS),
        // How rows that create were written: 'bulk', or why each went through the Document Service.
        writer: fallback ? `document-service: ${fallback}` : 'bulk',
      };
    },
  };
};

export type CsvImportService = ReturnType<typeof csvImport>;
export default csvImport;
