'use strict';

/**
 * `lab_samples`: the raw measurements a battery cycler records during an experiment (one row every
 * few seconds, millions per experiment). A plain table rather than a content type, so samples carry
 * no document_id/timestamps overhead and can be bulk-loaded; `experiment_id` is the id of an
 * `api::lab.experiment` row. No foreign key: on a fresh database this migration runs before Strapi's
 * schema sync creates the experiments table.
 *
 * Plain JS on purpose: Strapi 5 only discovers `*.js` / `*.sql` files in database/migrations and
 * `require()`s them from the project root (not from dist/), so a `.ts` migration would be skipped
 * silently. Strapi runs it once (recorded in `strapi_migrations`) inside a transaction, at boot
 * before the schema sync, as long as `database.settings.runMigrations` is true (its default); it
 * never calls `down` for user migrations, hence none. The table survives schema sync (Strapi only
 * drops tables it created itself).
 *
 * Reading back: `extra` comes back as JSON text on both databases (Strapi turns off pg's jsonb
 * parsing), and pg returns `seq` (bigint) as a string.
 */
const TABLE = 'lab_samples';

/** Strapi hands knex its driver name (pg / better-sqlite3), not the `client` of config/database.ts. */
const isPostgres = (knex) => ['pg', 'postgres', 'postgresql'].includes(knex.client.config.client);

const MEASUREMENTS = ['test_time_s', 'voltage_v', 'current_a', 'power_w', 'temperature_c'];
const COUNTERS = ['charge_capacity_ah', 'discharge_capacity_ah', 'charge_energy_wh', 'discharge_energy_wh'];

module.exports = {
  async up(knex) {
    if (await knex.schema.hasTable(TABLE)) return;
    const postgres = isPostgres(knex);

    await knex.schema.createTable(TABLE, (table) => {
      table.integer('experiment_id').notNullable();
      table.bigInteger('seq').notNullable();
      table.timestamp('recorded_at', { useTz: true });
      MEASUREMENTS.forEach((column) => table.double(column));
      table.integer('cycle_index');
      table.integer('step_index');
      COUNTERS.forEach((column) => table.double(column));
      if (postgres) table.jsonb('extra');
      else table.json('extra');

      table.primary(['experiment_id', 'seq']);
      // The monitor and the exports read one experiment's samples ordered by time.
      table.index(['experiment_id', 'test_time_s'], 'lab_samples_experiment_test_time_idx');
      table.index(['experiment_id', 'recorded_at'], 'lab_samples_experiment_recorded_at_idx');
    });
  },
};
