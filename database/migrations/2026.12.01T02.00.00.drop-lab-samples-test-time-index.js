'use strict';

/**
 * `lab_samples (experiment_id, test_time_s)` is read by no query: charts and windows go by
 * `recorded_at`, exports and summaries by `seq` (the primary key). Every sample written paid for it
 * (imports and cycler ingestion alike), so it goes. Plain SQL both databases accept.
 */
module.exports = {
  async up(knex) {
    await knex.raw('drop index if exists lab_samples_experiment_test_time_idx');
  },
};
