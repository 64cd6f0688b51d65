'use strict';

/**
 * `lab_sample_rollups`: per experiment, per time bucket at several bucket sizes (10 s .. 6 h, see
 * src/api/lab/sample-rollups.ts), the first and last sample and the min/max of each charted
 * measure. Maintained on every write of `lab_samples` (lab-samples' insertSamples), so a chart of a
 * long experiment reads a few thousand bucket rows instead of millions of samples.
 *
 * Times are epoch milliseconds (bigint) on both databases: bucket = floor(ms / bucket_ms). No sample
 * count on purpose: every column merges idempotently (min, max, earliest, latest), so a redelivered
 * batch leaves the rollups unchanged. Plain JS, guarded: see 2026.11.22T00.00.00.create-lab-samples.js.
 * Experiments stored before this table existed have no rollups: their charts read the raw samples.
 */
const TABLE = 'lab_sample_rollups';
const MEASURES = ['voltage_v', 'current_a', 'power_w', 'temperature_c'];

module.exports = {
  async up(knex) {
    if (await knex.schema.hasTable(TABLE)) return;
    await knex.schema.createTable(TABLE, (table) => {
      table.integer('experiment_id').notNullable();
      table.integer('bucket_ms').notNullable();
      table.bigInteger('bucket').notNullable();
      table.bigInteger('t_first').notNullable();
      table.bigInteger('t_last').notNullable();
      for (const m of MEASURES) {
        table.double(`${m}_first`);
        table.double(`${m}_last`);
        table.double(`${m}_min`);
        table.double(`${m}_max`);
      }
      table.integer('step_first');
      table.integer('step_last');
      table.integer('cycle_first');
      table.integer('cycle_last');
      table.primary(['experiment_id', 'bucket_ms', 'bucket']);
    });
  },
};
