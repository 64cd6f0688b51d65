'use strict';

/**
 * `lab_samples.extra` (a sample's extended measures, such as Arbin's Data_Point) becomes `json` on
 * PostgreSQL, where it was `jsonb`. It is written with every sample and read only by exports (its
 * keys, then `extra->>key` per row) and a sample's detail; nothing filters or indexes on it. jsonb
 * converts every value into its binary tree on the way in: on a 1M-row Arbin import that was ~1 s
 * of the server's ~5.5 s, against ~0.3 s for json's validation (docs/battery-data.md). SQLite stores
 * JSON as text either way: nothing to do there.
 */
const TABLE = 'lab_samples';

const isPostgres = (knex) => ['pg', 'postgres', 'postgresql'].includes(knex.client.config.client);

module.exports = {
  async up(knex) {
    if (!isPostgres(knex) || !(await knex.schema.hasTable(TABLE))) return;
    const { rows } = await knex.raw(
      "select data_type from information_schema.columns where table_schema = current_schema() and table_name = ? and column_name = 'extra'",
      [TABLE],
    );
    if (rows[0]?.data_type === 'jsonb') await knex.raw(`alter table ${TABLE} alter column extra type json using extra::json`);
  },
};
