'use strict';

/**
 * A problem result's `snapshot` relation moved from Strapi's link table
 * (`classroom_problem_results_snapshot_lnk`) to a plain `snapshot_id` column (`useJoinTable: false`
 * in its schema): one row per result instead of two on the hot ingest path (docs/classroom.md).
 * On a database created before that change, copy the links into the new column before Strapi's
 * schema sync drops the link table (migrations run first); it then adds the column's foreign key and
 * index itself. Nothing to do on a fresh database (no tables yet) or once the link table is gone.
 * Plain JS, guarded: see 2026.11.22T00.00.00.create-lab-samples.js for why.
 */
const RESULTS = 'classroom_problem_results';
const LINK = 'classroom_problem_results_snapshot_lnk';

module.exports = {
  async up(knex) {
    if (!(await knex.schema.hasTable(RESULTS)) || !(await knex.schema.hasTable(LINK))) return;
    if (!(await knex.schema.hasColumn(RESULTS, 'snapshot_id'))) {
      await knex.schema.alterTable(RESULTS, (table) => table.integer('snapshot_id'));
    }
    await knex(RESULTS).update({
      snapshot_id: knex(LINK).select('notebook_snapshot_id').where('problem_result_id', knex.ref(`${RESULTS}.id`)).limit(1),
    });
  },
};
