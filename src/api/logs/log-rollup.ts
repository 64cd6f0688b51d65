/**
 * Per-minute counts of log entries by (service, severity), so statistics over long ranges read a few
 * thousand rollup rows instead of scanning millions of entries.
 *
 * The counts are kept by database triggers on `logs_entries`, not by the writers: entries arrive through
 * the ingest plugin's bulk path, the generated REST API, Content Manager edits and deletes, service
 * renames and retention, and a trigger sees all of them, in the writer's own transaction.
 *   - PostgreSQL: statement-level triggers with transition tables, so one bulk INSERT of 1,000 entries
 *     costs one grouped upsert, not 1,000. Concurrent batches of one service land in the same minute,
 *     and an upsert holds its row until commit: one row per key serialised every ingest transaction of
 *     a service behind the previous one's commit (a third of the waits seen in the ingest bench). So
 *     each key has up to SHARDS rows, chosen by transaction id, summed by every reader; a compaction
 *     every minute folds the shards of past minutes back into shard 0.
 *   - SQLite: row-level triggers (the only kind it has), each an indexed upsert into shard 0 (one
 *     writer at a time: nothing to spread).
 * Created at every boot (idempotent), because Strapi creates `logs_entries` after the user migrations
 * run and SQLite's schema sync may rebuild the table (which drops its triggers). When the rollup table is
 * new, it is filled from the entries already stored.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

export const ROLLUP_TABLE = 'logs_rollup_minutes';
const ENTRIES_TABLE = 'logs_entries';
/** Serialises trigger (re)creation when several instances boot on one PostgreSQL. */
const PG_LOCK_KEY = 0x7a11b0a1;
/** Rows per (minute, service, severity) that concurrent PostgreSQL transactions spread over. */
const SHARDS = 8;
/** Minutes of shards left alone by the compaction: writers may still be adding to them. */
const COMPACTION_LAG_MINUTES = 2;
const COMPACTION_INTERVAL_MS = 60_000;

const isPostgres = (knex: Knex) => ['pg', 'postgres', 'postgresql'].includes(String((knex as any).client?.config?.client));

/** The rollup's minute of an entry, as SQL over a row alias: epoch minutes as an integer. */
const minuteOf = (pg: boolean, alias: string) =>
  pg ? `floor(extract(epoch from ${alias}."timestamp") / 60)::bigint` : `CAST(${alias}."timestamp" / 60000 AS INTEGER)`;

async function createTable(knex: Knex): Promise<boolean> {
  if (await knex.schema.hasTable(ROLLUP_TABLE)) {
    if (await knex.schema.hasColumn(ROLLUP_TABLE, 'shard')) return false;
    // A rollup from before the shards: recounted from the entries (a few seconds for 10M rows).
    await knex.schema.dropTable(ROLLUP_TABLE);
  }
  await knex.schema.createTable(ROLLUP_TABLE, (table) => {
    table.bigInteger('minute').notNullable();
    // '' stands for "no service" / "no severity": key columns cannot be NULL.
    table.string('service_name', 255).notNullable();
    table.string('severity', 16).notNullable();
    table.smallint('shard').notNullable().defaultTo(0);
    table.bigInteger('entries').notNullable();
    table.primary(['minute', 'service_name', 'severity', 'shard']);
  });
  return true;
}

async function createPostgresTriggers(trx: Knex) {
  const groupOf = (rows: string, sign: string) =>
    `SELECT ${minuteOf(true, 'r')} AS minute, coalesce(r.service_name, '') AS service_name, coalesce(r.severity::text, '') AS severity, ${sign}1 AS d
       FROM ${rows} r WHERE r."timestamp" IS NOT NULL`;
  // plpgsql resolves transition-table names when a statement runs, so each operation gets its own
  // function body naming only the tables its trigger declares. One grouped upsert per statement, keys
  // in a fixed order so concurrent writers lock rollup rows in the same order (no deadlock between two
  // ingest batches).
  const bodies: Record<string, string> = {
    insert: groupOf('new_rows', '+'),
    delete: groupOf('old_rows', '-'),
    update: `${groupOf('old_rows', '-')} UNION ALL ${groupOf('new_rows', '+')}`,
  };
  for (const [op, rows] of Object.entries(bodies)) {
    await trx.raw(`
      CREATE OR REPLACE FUNCTION logs_rollup_${op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO ${ROLLUP_TABLE} (minute, service_name, severity, shard, entries)
        SELECT minute, service_name, severity, (txid_current() % ${SHARDS})::smallint, sum(d) FROM (${rows}) changes
        GROUP BY minute, service_name, severity
        HAVING sum(d) <> 0
        ORDER BY minute, service_name, severity
        ON CONFLICT (minute, service_name, severity, shard) DO UPDATE SET entries = ${ROLLUP_TABLE}.entries + excluded.entries;
        RETURN NULL;
      END $fn$`);
    const referencing = { insert: 'NEW TABLE AS new_rows', delete: 'OLD TABLE AS old_rows', update: 'OLD TABLE AS old_rows NEW TABLE AS new_rows' }[op];
    await trx.raw(`DROP TRIGGER IF EXISTS logs_rollup_${op} ON ${ENTRIES_TABLE}`);
    await trx.raw(
      `CREATE TRIGGER logs_rollup_${op} AFTER ${op.toUpperCase()} ON ${ENTRIES_TABLE}
       REFERENCING ${referencing} FOR EACH STATEMENT EXECUTE FUNCTION logs_rollup_${op}()`,
    );
  }
}

async function createSqliteTriggers(knex: Knex) {
  const bump = (row: 'NEW' | 'OLD', delta: string) => `
    INSERT INTO ${ROLLUP_TABLE} (minute, service_name, severity, shard, entries)
    VALUES (${minuteOf(false, row)}, coalesce(${row}.service_name, ''), coalesce(${row}.severity, ''), 0, ${delta})
    ON CONFLICT (minute, service_name, severity, shard) DO UPDATE SET entries = entries + ${delta};`;
  const statements = [
    `CREATE TRIGGER IF NOT EXISTS logs_rollup_insert AFTER INSERT ON ${ENTRIES_TABLE}
       WHEN NEW."timestamp" IS NOT NULL BEGIN ${bump('NEW', '1')} END`,
    `CREATE TRIGGER IF NOT EXISTS logs_rollup_delete AFTER DELETE ON ${ENTRIES_TABLE}
       WHEN OLD."timestamp" IS NOT NULL BEGIN ${bump('OLD', '-1')} END`,
    // Split in two so an entry gaining or losing its timestamp is still counted right.
    `CREATE TRIGGER IF NOT EXISTS logs_rollup_update_old AFTER UPDATE OF "timestamp", service_name, severity ON ${ENTRIES_TABLE}
       WHEN OLD."timestamp" IS NOT NULL BEGIN ${bump('OLD', '-1')} END`,
    `CREATE TRIGGER IF NOT EXISTS logs_rollup_update_new AFTER UPDATE OF "timestamp", service_name, severity ON ${ENTRIES_TABLE}
       WHEN NEW."timestamp" IS NOT NULL BEGIN ${bump('NEW', '1')} END`,
  ];
  for (const sql of statements) await knex.raw(sql);
}

async function countEntries(trx: Knex, pg: boolean) {
  await trx.raw(
    `INSERT INTO ${ROLLUP_TABLE} (minute, service_name, severity, shard, entries)
     SELECT ${minuteOf(pg, 'e')}, coalesce(e.service_name, ''), coalesce(e.severity${pg ? '::text' : ''}, ''), 0, count(*)
     FROM ${ENTRIES_TABLE} e WHERE e."timestamp" IS NOT NULL GROUP BY 1, 2, 3`,
  );
}

/** Recounts the whole rollup from the stored entries (repair after writes made with triggers off). */
export async function rebuildLogRollup(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx(ROLLUP_TABLE).delete();
    await countEntries(trx, isPostgres(knex));
  });
}

export async function ensureLogRollup(strapi: Core.Strapi): Promise<void> {
  const knex = strapi.db.connection as unknown as Knex;
  if (isPostgres(knex)) {
    await knex.transaction(async (trx) => {
      await trx.raw('SELECT pg_advisory_xact_lock(?)', [PG_LOCK_KEY]);
      const created = await createTable(trx);
      await createPostgresTriggers(trx);
      if (created) await countEntries(trx, true);
    });
    return;
  }
  const created = await createTable(knex);
  await createSqliteTriggers(knex);
  if (created) await knex.transaction((trx) => countEntries(trx, false));
}

/**
 * Folds the shards of minutes before `beforeMinute` into shard 0, in one statement: each shard row is
 * deleted and added exactly once, also when several instances compact at the same time (the second
 * one's DELETE waits for the first and then finds nothing). Returns the shard rows folded.
 */
export async function compactLogRollup(knex: Knex, beforeMinute: number): Promise<number> {
  if (!isPostgres(knex)) return 0; // SQLite writes shard 0 only
  const result = await knex.raw(
    `WITH moved AS (
       DELETE FROM ${ROLLUP_TABLE} WHERE shard <> 0 AND minute < ? RETURNING minute, service_name, severity, entries
     ), folded AS (
       INSERT INTO ${ROLLUP_TABLE} (minute, service_name, severity, shard, entries)
       SELECT minute, service_name, severity, 0, sum(entries) FROM moved GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
       ON CONFLICT (minute, service_name, severity, shard) DO UPDATE SET entries = ${ROLLUP_TABLE}.entries + excluded.entries
     )
     SELECT count(*) AS n FROM moved`,
    [beforeMinute],
  );
  return Number(result.rows[0].n);
}

/** Compacts the rollup every minute on PostgreSQL; returns the function that stops it. */
export function scheduleLogRollupCompaction(strapi: Core.Strapi): () => void {
  const knex = strapi.db.connection as unknown as Knex;
  if (!isPostgres(knex)) return () => undefined;
  const timer = setInterval(() => {
    compactLogRollup(knex, Math.floor(Date.now() / 60_000) - COMPACTION_LAG_MINUTES).catch((error) =>
      strapi.log.warn(`[logs] rollup compaction failed: ${error.message}`),
    );
  }, COMPACTION_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
