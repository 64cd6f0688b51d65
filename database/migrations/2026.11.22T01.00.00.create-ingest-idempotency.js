'use strict';

/**
 * `ingest_idempotency`: responses of ingest requests that carried an Idempotency-Key, so a client's
 * retry gets the first answer and stores nothing twice. `scope` is the log service (or API token)
 * the key belongs to; rows older than 24 h are forgotten (lookup ignores them, retention deletes them).
 * Plain JS, guarded by hasTable: see 2026.11.22T00.00.00.create-lab-samples.js for why.
 */
const TABLE = 'ingest_idempotency';

module.exports = {
  async up(knex) {
    if (await knex.schema.hasTable(TABLE)) return;
    await knex.schema.createTable(TABLE, (table) => {
      table.string('scope', 80).notNullable();
      table.string('idempotency_key', 200).notNullable();
      table.integer('status').notNullable();
      table.text('response').notNullable();
      table.timestamp('created_at', { useTz: true }).notNullable();
      table.primary(['scope', 'idempotency_key']);
      table.index(['created_at'], 'ingest_idempotency_created_at_idx');
    });
  },
};
