/**
 * A database from before problem results had a snapshot_id column (their snapshot was a row in
 * Strapi's link table): the migration copies the links into the column at the next boot.
 */
import { startStrapi, type TestApp } from '../helpers/strapi';
import { notebook, USERS_CSV } from './helpers';

const LINK = 'classroom_problem_results_snapshot_lnk';

describe('classroom results: link table -> snapshot_id migration', () => {
  let app: TestApp | null = null;
  afterAll(async () => {
    await app?.stop();
  });

  it('fills snapshot_id from the old link rows on boot, and the heat map reads them', async () => {
    const env = { CYCLER_BRIDGE_ENABLED: 'false' };
    const first = await startStrapi({ env, keepDatabase: true });
    await first.strapi.plugin('ingest').service('classroomStudents').importCsv(USERS_CSV);
    const stored = await first.strapi.plugin('ingest').service('notebookSnapshots').ingestSnapshots(
      [
        { uid: 'alice', path: 'ps1/a.ipynb', taken_at: '2026-11-30T10:00:00Z', content: notebook(['ok', 'error']) },
        { uid: 'bob', path: 'ps1/a.ipynb', taken_at: '2026-11-30T10:00:00Z', content: notebook(['empty', 'stream', 'ok']) },
      ],
      { maxFileBytes: 1e7 },
    );
    expect(stored.stored).toBe(2);
    const knex = first.strapi.db.connection;
    const expected = await knex('classroom_problem_results').orderBy('id').select('id', 'snapshot_id');
    expect(expected).toHaveLength(5);

    // The old layout: links in the link table, no snapshot_id values; the migration not yet run.
    await knex.schema.createTable(LINK, (t) => {
      t.increments('id');
      t.integer('problem_result_id');
      t.integer('notebook_snapshot_id');
      t.double('problem_result_ord');
    });
    await knex(LINK).insert(expected.map((r: any, i: number) => ({ problem_result_id: r.id, notebook_snapshot_id: r.snapshot_id, problem_result_ord: i + 1 })));
    await knex('classroom_problem_results').update({ snapshot_id: null });
    await knex('strapi_migrations').where('name', 'like', '%classroom-results-snapshot-column%').del();
    const database = first.db;
    await first.stop();

    app = await startStrapi({ env, database });
    const after = await app.strapi.db.connection('classroom_problem_results').orderBy('id').select('id', 'snapshot_id');
    expect(after.map((r: any) => [Number(r.id), Number(r.snapshot_id)])).toEqual(expected.map((r: any) => [Number(r.id), Number(r.snapshot_id)]));
    const heat = await app.strapi.plugin('dashboards').service('classroom-progress').heatmap({ assignment: 'ps1' }, { personal: false });
    expect(heat.data.cells).toHaveLength(5);
  });
});
