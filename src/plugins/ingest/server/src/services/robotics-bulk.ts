/**
 * Bulk rows for Strapi content types through knex, relations included: the robotics import writes
 * hundreds of thousands of simulations per file, where the Document Service costs milliseconds a row.
 * Fills what Strapi needs to keep the rows editable in the Content Manager (document_id, timestamps)
 * and writes the manyToOne relations' link rows itself.
 *
 * - PostgreSQL without link rows (simulations: their links are filled afterwards by SQL from columns,
 *   robotics-import.ts): COPY ... FROM STDIN in text format, streamed in chunks so the rows are built
 *   while the server writes the previous chunk (the two run on different cores).
 * - PostgreSQL with link rows: one statement per chunk — `json_to_recordset` of one JSON parameter, ids
 *   taken from the table's sequence in a CTE, then the entity INSERT and every link INSERT read that CTE.
 * - SQLite: multi-row INSERT ... RETURNING per 500 rows, then the link rows.
 */
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import type { Knex } from 'knex';
import { from as copyFrom } from 'pg-copy-streams';
import type { Core } from '@strapi/strapi';
import { documentIds } from './document-ids';
import { isPostgres } from '../utils';

export type ColumnType = 'varchar' | 'text' | 'timestamptz' | 'int' | 'boolean';
export type Cell = string | number | boolean | null;

export interface BulkSpec {
  uid: string;
  /** Columns written from each row (besides id, document_id and the timestamps). */
  columns: Array<{ name: string; type: ColumnType }>;
  /** manyToOne relations: attribute name → the row field holding the target's id (or null). */
  links: Array<{ attribute: string; field: string }>;
}

const SQLITE_CHUNK = 500;
const POSTGRES_CHUNK = 20_000;
const COPY_CHUNK = 5_000;

/** A value in COPY's text format: \N for null, backslash escapes for the characters it reserves. */
function copyCell(value: Cell | undefined): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : value;
}

interface LinkTable {
  table: string;
  ownColumn: string;
  targetColumn: string;
  /** Order column of the target's inverse (oneToMany) side, when the relation has one. */
  inverseOrder: string | null;
  order: string | null;
}

export function linkTable(strapi: Core.Strapi, uid: string, attribute: string): LinkTable {
  const attr = (strapi.db.metadata.get(uid as any).attributes as any)[attribute];
  const jt = attr?.joinTable;
  if (!jt) throw new Error(`${uid}.${attribute} is not a relation stored in a link table`);
  return {
    table: jt.name,
    ownColumn: jt.joinColumn.name,
    targetColumn: jt.inverseJoinColumn.name,
    inverseOrder: jt.inverseOrderColumnName ?? null,
    order: jt.orderColumnName ?? null,
  };
}

/** Database form of an epoch-ms time: Strapi stores datetimes as epoch ms on SQLite, timestamps on PG. */
export const dbTime = (strapi: Core.Strapi, ms: number | null): number | string | null =>
  ms === null ? null : isPostgres(strapi) ? isoTime(ms) : ms;

/**
 * `Date#toISOString()` of whole-second times (what logs hold) from a cached minute prefix
 * (`2019-10-01T09:10:`): a million rows hold few minutes, and building a Date per value was a
 * measurable share of a large import.
 */
let isoMinute = NaN;
let isoPrefix = '';
export function isoTime(ms: number): string {
  if (ms % 1000 !== 0) return new Date(ms).toISOString();
  const minute = Math.floor(ms / 60_000);
  if (minute !== isoMinute) {
    isoMinute = minute;
    isoPrefix = new Date(minute * 60_000).toISOString().slice(0, 17);
  }
  const second = (ms - minute * 60_000) / 1000;
  return `${isoPrefix}${second < 10 ? '0' : ''}${second}.000Z`;
}

export function createBulkWriter(strapi: Core.Strapi, spec: BulkSpec) {
  const table = strapi.db.metadata.get(spec.uid as any).tableName;
  const links = spec.links.map((l) => ({ ...l, ...linkTable(strapi, spec.uid, l.attribute) }));
  const names = spec.columns.map((c) => c.name);

  async function insertPostgres(trx: Knex.Transaction, rows: Array<Record<string, Cell>>, now: string) {
    // Short JSON keys (c0, c1, ...) keep the parameter small; PostgreSQL parses it in C.
    const recordType = [
      'd varchar',
      ...spec.columns.map((c, i) => `c${i} ${c.type === 'int' ? 'integer' : c.type}`),
      ...links.map((_, i) => `l${i} integer`),
    ].join(', ');
    const select = spec.columns.map((c, i) => `c${i}`).join(', ');
    const linkCtes = links
      .map((l, i) => {
        const orders = [l.order && `, "${l.order}"`, l.inverseOrder && `, "${l.inverseOrder}"`].filter(Boolean).join('');
        const values = [l.order && ', 1', l.inverseOrder && ', r.id'].filter(Boolean).join('');
        return `, k${i} as (insert into "${l.table}" ("${l.ownColumn}", "${l.targetColumn}"${orders}) select r.id, r.l${i}${values} from r where r.l${i} is not null)`;
      })
      .join('\n');
    const sql = `with r as (
        select nextval(pg_get_serial_sequence('"${table}"', 'id')) as id, x.*
        from json_to_recordset(?::json) as x(${recordType})
      ), e as (
        insert into "${table}" (id, document_id, ${names.map((n) => `"${n}"`).join(', ')}, created_at, updated_at, published_at)
        select id, d, ${select}, ?::timestamptz, ?::timestamptz, ?::timestamptz from r
      )${linkCtes}
      select count(*)::int as n from r`;
    let written = 0;
    for (let i = 0; i < rows.length; i += POSTGRES_CHUNK) {
      const chunk = rows.slice(i, i + POSTGRES_CHUNK);
      const ids = documentIds(chunk.length);
      const json = JSON.stringify(
        chunk.map((row, j) => {
          const o: Record<string, Cell> = { d: ids[j] };
          spec.columns.forEach((c, k) => (o[`c${k}`] = row[c.name] ?? null));
          links.forEach((l, k) => (o[`l${k}`] = row[l.field] ?? null));
          return o;
        }),
      );
      const result = await trx.raw(sql, [json, now, now, now]);
      written += Number(result.rows[0].n);
    }
    return written;
  }

  /** COPY inside the import's transaction (its connection), so a rollback removes the rows too. */
  async function insertCopy(trx: Knex.Transaction, rows: Array<Record<string, Cell>>, now: string) {
    const sql = `copy "${table}" (document_id, ${names.map((n) => `"${n}"`).join(', ')}, created_at, updated_at, published_at) from stdin`;
    const connection = await (trx as any).client.acquireConnection();
    const tail = `\t${now}\t${now}\t${now}\n`;
    function* chunks() {
      for (let i = 0; i < rows.length; i += COPY_CHUNK) {
        const chunk = rows.slice(i, i + COPY_CHUNK);
        const ids = documentIds(chunk.length);
        let text = '';
        for (let j = 0; j < chunk.length; j++) {
          const row = chunk[j];
          text += ids[j];
          for (const n of names) text += `\t${copyCell(row[n])}`;
          text += tail;
        }
        yield Buffer.from(text);
      }
    }
    await pipeline(Readable.from(chunks()), connection.query(copyFrom(sql)));
    return rows.length;
  }

  async function insertSqlite(trx: Knex.Transaction, rows: Array<Record<string, Cell>>, now: number) {
    let written = 0;
    for (let i = 0; i < rows.length; i += SQLITE_CHUNK) {
      const chunk = rows.slice(i, i + SQLITE_CHUNK);
      const ids = documentIds(chunk.length);
      const records = chunk.map((row, j) => {
        const o: Record<string, Cell> = { document_id: ids[j], created_at: now, updated_at: now, published_at: now };
        // better-sqlite3 binds no booleans.
        for (const c of spec.columns) o[c.name] = c.type === 'boolean' && row[c.name] !== null ? (row[c.name] ? 1 : 0) : row[c.name] ?? null;
        return o;
      });
      const inserted = (await trx(table).insert(records).returning(['id', 'document_id'])) as Array<{ id: number; document_id: string }>;
      const idOf = new Map(inserted.map((r) => [r.document_id, Number(r.id)]));
      for (const l of links) {
        const linkRows = chunk
          .map((row, j) => ({ row, id: idOf.get(ids[j])! }))
          .filter(({ row }) => row[l.field] !== null && row[l.field] !== undefined)
          .map(({ row, id }) => ({
            [l.ownColumn]: id,
            [l.targetColumn]: row[l.field],
            ...(l.order ? { [l.order]: 1 } : {}),
            ...(l.inverseOrder ? { [l.inverseOrder]: id } : {}),
          }));
        if (linkRows.length) await trx(l.table).insert(linkRows);
      }
      written += inserted.length;
    }
    return written;
  }

  return {
    table,
    links,
    async insert(trx: Knex.Transaction, rows: Array<Record<string, Cell>>): Promise<number> {
      if (!rows.length) return 0;
      const now = Date.now();
      if (!isPostgres(strapi)) return insertSqlite(trx, rows, now);
      return links.length ? insertPostgres(trx, rows, new Date(now).toISOString()) : insertCopy(trx, rows, new Date(now).toISOString());
    },
  };
}

/** `column in (<list>)` with the list as one JSON parameter (no bound-variable limit on either database). */
export function inJsonList(strapi: Core.Strapi, column: string): string {
  return isPostgres(strapi) ? `${column} in (select json_array_elements_text(?::json))` : `${column} in (select value from json_each(?))`;
}
