import type { Core } from '@strapi/strapi';
import controllers from './controllers';
import routes from './routes';
import services from './services';
import { getService } from './utils';

export default {
  config: {
    // Admin jobs are shared between instances through Redis when it is configured (src/platform/admin-jobs.ts).
    default: ({ env }: { env: ((key: string, fallback?: string) => string | undefined) & { int(key: string, fallback: number): number } }) => ({
      redisUrl: env('REDIS_URL'),
      redisKey: env('JOBS_REDIS_KEY', 'tallyboard'),
      // How often a running job tells the other instances it is alive; silent 3 times as long: lost.
      jobHeartbeatMs: env.int('JOBS_HEARTBEAT_MS', 5000),
    }),
  },
  controllers,
  routes,
  services,
  register({ strapi }: { strapi: Core.Strapi }) {
    strapi.admin.services.permission.actionProvider.registerMany([
      { section: 'plugins', pluginName: 'data-exchange', uid: 'export', displayName: 'Export CSV (with read on the type)' },
      { section: 'plugins', pluginName: 'data-exchange', uid: 'import', displayName: 'Import CSV (with create/update on the type)' },
      { section: 'plugins', pluginName: 'data-exchange', uid: 'lab-import', displayName: 'Battery file import (cycler CSV -> experiment)' },
    ]);
  },
  async destroy({ strapi }: { strapi: Core.Strapi }) {
    // entry.create events of a bulk import still being emitted need the database.
    await getService('bulkCreate', strapi).settled();
    await getService('jobBoard', strapi).close();
  },
};
