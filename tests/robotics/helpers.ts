import fs from 'fs';
import path from 'path';
import type { Core } from '@strapi/strapi';
import type { ImportResult, RoboticsFile } from '../../src/plugins/ingest/server/src/services/robotics-import';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'robotics');
/** The shared real Kibotics logs (never copied into the repository). */
export const SHARED_KIBOTICS = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'kibotics');

export const fixtureFile = (name: string, dir = FIXTURES): RoboticsFile => ({ name, content: fs.readFileSync(path.join(dir, name)) });

/** An import, and the fill of its simulations' relations that follows the commit. */
export async function importFiles(strapi: Core.Strapi, files: RoboticsFile[]): Promise<ImportResult> {
  const service = strapi.plugin('ingest').service('roboticsImport');
  const result = await service.importFiles(files, { source: 'cli' });
  await service.relationsSettled();
  return result;
}

/** Plain counts straight from the tables, to compare with what the import and the charts say. */
export async function tableCounts(strapi: Core.Strapi) {
  const knex = strapi.db.connection;
  const n = async (q: any) => Number(Object.values((await q)[0])[0]);
  return {
    simulations: await n(knex('robotics_simulations').count('* as n')),
    simulationsWithStart: await n(knex('robotics_simulations').whereNotNull('started_at').count('* as n')),
    simulationsWithEnd: await n(knex('robotics_simulations').whereNotNull('ended_at').count('* as n')),
    sessions: await n(knex('robotics_sessions').count('* as n')),
    sessionsWithLogin: await n(knex('robotics_sessions').whereNotNull('login_at').count('* as n')),
    sessionsWithLogout: await n(knex('robotics_sessions').whereNotNull('logout_at').count('* as n')),
    errors: await n(knex('logs_entries').where('service_name', 'robotics-web').count('* as n')),
    reports: await n(knex('robotics_import_reports').count('* as n')),
    users: await n(knex('up_users').count('* as n')),
    exercises: await n(knex('robotics_exercises').count('* as n')),
    hosts: await n(knex('robotics_hosts').count('* as n')),
  };
}
