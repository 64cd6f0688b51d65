/**
 * CSV export: the list's filters and sort, page by page, each page turned into text by papaparse's
 * unparse. Memory holds one page at a time, whatever the row count; the first bytes leave before the
 * second page is read.
 *
 * The query engine only builds the SQL (filters, sort, locale -> joins and WHERE); scalar columns come
 * back as raw rows (no hydration) and relations in one query per relation and page (knex over the
 * join table), so the cost stays near the database's own read. Components, dynamic zones, media and
 * relations without a join table are populated through the query engine, per page.
 */
import { Readable } from 'stream';
import Papa from 'papaparse';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { assertType, type Access } from '../access';
import { invalid, type ExportOptions } from '../options';
import { getService } from '../utils';
import type { FieldInfo } from './fields';

export const PAGE_SIZE = 1000;
/** Spreadsheets run cells starting with these as formulas: papaparse prefixes them with a quote. */
export const FORMULA_START = /^[=+\-@\t\r]/;
const BOM = '\ufeff';

export interface PreparedExport {
  columns: FieldInfo[];
  total: number;
  filename: string;
  stream: () => Readable;
}

/** Component and dynamic-zone values without their row ids, which mean nothing in another database. */
export function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'id') out[k] = withoutIds(v);
    return out;
  }
  return value;
}

const iso = (value: unknown) => {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as any));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
};

/** Relation values of a to-many cell: joined with "; ", or JSON when a value holds that separator. */
export const RELATION_SEPARATOR = '; ';

/** A page's rows as they come from the database: scalar columns by column name, the rest filled per page. */
type RawRow = Record<string, any>;

function cellWriter(field: FieldInfo, relations: 'display' | 'id', column: string): (row: RawRow) => unknown {
  const { name } = field;
  if (field.kind === 'relation') {
    // Filled per page: the related values, in the order the relation keeps them.
    return (row) => {
      const values: unknown[] = row[name] ?? [];
      if (!field.relation!.many) return values[0] ?? '';
      return values.some((v) => String(v).includes(';')) ? JSON.stringify(values) : values.join(RELATION_SEPARATOR);
    };
  }
  if (field.kind === 'component' || field.kind === 'dynamiczone') {
    return (row) => (row[name] == null ? '' : JSON.stringify(withoutIds(row[name])));
  }
  if (field.kind === 'media') {
    return (row) => {
      const v = row[name];
      return v == null ? '' : Array.isArray(v) ? v.map((m) => m.url).join(RELATION_SEPARATOR) : v.url;
    };
  }
  switch (field.type) {
    case 'datetime':
    case 'timestamp':
      return (row) => iso(row[column]);
    case 'date':
      // Both dialects hand dates over as 'YYYY-MM-DD' text (Strapi sets the PostgreSQL parser).
      return (row) => (row[column] instanceof Date ? row[column].toISOString().slice(0, 10) : row[column] ?? '');
    case 'json':
    case 'blocks':
      // JSON text as stored (PostgreSQL's jsonb parser is text in Strapi too); re-serialised when parsed.
      return (row) => (row[column] == null ? '' : typeof row[column] === 'string' ? row[column] : JSON.stringify(row[column]));
    case 'boolean':
      return (row) => (row[column] == null ? '' : row[column] && row[column] !== '0' ? 'true' : 'false');
    case 'float':
    case 'decimal':
      return (row) => (row[column] == null ? '' : Number(row[column]));
    default:
      return (row) => row[column] ?? '';
  }
}

const csvExport = ({ strapi }: { strapi: Core.Strapi }) => ({
  /** Checks access and options and counts the rows; the returned stream does the reading. */
  async prepare(uid: string, access: Access, query: Record<string, unknown>, options: ExportOptions): Promise<PreparedExport> {
    const info = await getService('fields', strapi).describe(uid);
    await assertType(access, uid, 'read');
    const readable = access.allowedFields(uid, 'read');
    const allowed: FieldInfo[] = [];
    for (const field of info.fields) {
      if (field.private) continue;
      if (field.kind !== 'system' && readable && !readable.has(field.name)) continue;
      // A relation to a type the caller may not read would show that type's display field.
      if (field.kind === 'relation' && !(await access.canType(field.relation!.target, 'read'))) continue;
      allowed.push(field);
    }
    let columns = allowed;
    if (options.columns) {
      const byName = new Map(allowed.map((f) => [f.name, f]));
      const unknown = options.columns.filter((c) => !byName.has(c));
      if (unknown.length) throw invalid('columns', `not a readable field of ${uid}: ${unknown.join(', ')}`);
      columns = options.columns.map((c) => byName.get(c)!);
    }

    const sanitized = await access.sanitizeQuery(uid, { filters: query.filters, sort: query.sort });
    let where: Record<string, unknown>;
    let orderBy: unknown[];
    try {
      const transformed = strapi.get('query-params').transform(uid, { filters: sanitized.filters, sort: sanitized.sort }) as any;
      where = transformed.where ?? {};
      orderBy = transformed.orderBy ? [].concat(transformed.orderBy) : [];
    } catch (error) {
      throw new errors.ValidationError(`filters/sort: ${(error as Error).message}`);
    }
    if (info.localized && options.locale) where = { $and: [where, { locale: options.locale }] };

    const meta = strapi.db.metadata.get(uid) as any;
    const columnOf = (name: string) => meta.attributes[name]?.columnName ?? name;
    const scalars = columns.filter((f) => f.kind === 'system' || f.kind === 'scalar');
    const select = [...new Set(['id', ...scalars.map((f) => f.name)])];
    const joined = columns.filter((f) => f.kind === 'relation' && joinTableOf(f));
    const populate: Record<string, unknown> = {};
    for (const f of columns) {
      if (f.kind === 'relation' && !joined.includes(f)) populate[f.name] = { select: [...new Set(['id', relationKey(f)])] };
      else if (f.kind === 'component' || f.kind === 'dynamiczone') populate[f.name] = true;
      else if (f.kind === 'media') populate[f.name] = { select: ['url'] };
    }
    const writers = columns.map((f) => cellWriter(f, options.relations, columnOf(f.name)));
    const total = await strapi.db.query(uid as any).count({ where });
    // Keyset paging by id when the list has no sort of its own: every page costs the same.
    const keyset = orderBy.length === 0;
    const unparse = (rows: unknown[][]) =>
      Papa.unparse(rows, { delimiter: options.delimiter, newline: '\r\n', escapeFormulae: FORMULA_START, header: false });

    function relationKey(f: FieldInfo) {
      return options.relations === 'id' ? 'id' : f.relation!.mainField;
    }
    function joinTableOf(f: FieldInfo) {
      const jt = meta.attributes[f.name]?.joinTable;
      return jt && !jt.on && !jt.morphColumn ? jt : null;
    }

    /** The page's relation values: one query per relation over its join table, in the relation's order. */
    async function fillRelations(rows: RawRow[]) {
      const ids = rows.map((r) => r.id);
      const byId = new Map(rows.map((r) => [Number(r.id), r]));
      for (const f of joined) {
        const jt = joinTableOf(f);
        const target = strapi.db.metadata.get(f.relation!.target as any) as any;
        const key = relationKey(f);
        const valueColumn = target.attributes[key]?.columnName ?? key;
        const owner = `j.${jt.joinColumn.name}`;
        const links = await strapi.db
          .connection(`${jt.name} as j`)
          .join(`${target.tableName} as t`, `t.id`, `j.${jt.inverseJoinColumn.name}`)
          // Keyset pages hold ascending ids: a range is cheaper to send than 1,000 parameters; links of
          // rows outside the page (filtered out) are skipped below.
          .modify((q: any) => (keyset ? q.whereBetween(owner, [ids[0], ids[ids.length - 1]]) : q.whereIn(owner, ids)))
          .select(`${owner} as owner`, `t.${valueColumn} as value`)
          .orderBy([owner, ...(jt.orderColumnName ? [`j.${jt.orderColumnName}`] : []), 'j.id']);
        for (const r of rows) r[f.name] = [];
        for (const link of links as any[]) byId.get(Number(link.owner))?.[f.name].push(link.value);
      }
      if (Object.keys(populate).length) {
        const populated = await strapi.db.query(uid as any).findMany({ select: ['id'], where: { id: { $in: ids } }, populate });
        for (const p of populated as any[]) {
          const row = byId.get(Number(p.id))!;
          for (const name of Object.keys(populate)) {
            const f = columns.find((c) => c.name === name)!;
            // Relations through the query engine: the same list of values as the join-table path gives.
            row[name] = f.kind === 'relation' ? [].concat(p[name] ?? []).map((t: any) => t[relationKey(f)]) : p[name];
          }
        }
      }
    }

    async function* pages(): AsyncGenerator<string> {
      yield (options.bom ? BOM : '') + unparse([columns.map((f) => f.name)]) + '\r\n';
      let lastId = 0;
      let offset = 0;
      for (;;) {
        // The query engine turns filters, sort and locale into SQL; the rows stay raw (no hydration).
        const rows = (await strapi.db
          .queryBuilder(uid as any)
          .select(select)
          .where(keyset ? { $and: [where, { id: { $gt: lastId } }] } : where)
          .orderBy(keyset ? [{ id: 'asc' }] : [...orderBy, { id: 'asc' }])
          .limit(PAGE_SIZE)
          .offset(keyset ? 0 : offset)
          .execute({ mapResults: false })) as RawRow[];
        if (!rows.length) return;
        await fillRelations(rows);
        yield unparse(rows.map((row) => writers.map((write) => write(row)))) + '\r\n';
        if (rows.length < PAGE_SIZE) return;
        lastId = rows[rows.length - 1].id;
        offset += rows.length;
      }
    }

    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return {
      columns,
      total,
      filename: `${uid.split('.').pop()}-${stamp}.csv`,
      stream: () => Readable.from(pages(), { objectMode: false }),
    };
  },
});

export type CsvExportService = ReturnType<typeof csvExport>;
export default csvExport;
