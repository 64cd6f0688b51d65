import type { Core } from '@strapi/strapi';
import registerClassroom from './api/classroom/register';
import registerLab from './api/lab/register';
import { ensureLogRollup, scheduleLogRollupCompaction } from './api/logs/log-rollup';
import registerLogs from './api/logs/register';
import registerRace from './api/race/register';
import { applyAdminLabels } from './platform/admin-labels';
import { cacheAdminAuthentications } from './platform/admin-session-cache';
import { cacheApiTokenLookups } from './platform/api-token-cache';
import { dropCoreRouteSchemas } from './platform/core-route-schemas';
import { readJsonAsText } from './platform/json-as-text';
import { ensureRoles } from './platform/roles';

let stopRollupCompaction: () => void = () => {};

export default {
  register({ strapi }: { strapi: Core.Strapi }) {
    // Domain rules as document middlewares: they hold for the admin panel and the REST API alike.
    registerLab({ strapi });
    registerRace({ strapi });
    registerLogs({ strapi });
    registerClassroom({ strapi });
    cacheApiTokenLookups(strapi, strapi.config.get<number>('server.apiTokenCacheSeconds', 10));
    cacheAdminAuthentications(strapi, strapi.config.get<number>('server.adminAuthCacheSeconds', 10));
    if (!strapi.config.get<boolean>('server.coreRouteSchemas', false)) dropCoreRouteSchemas(strapi);
  },

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    readJsonAsText(strapi);
    // Before any request: the triggers keep the logs' per-minute counts for every writer.
    await ensureLogRollup(strapi);
    stopRollupCompaction = scheduleLogRollupCompaction(strapi);
    await ensureRoles(strapi);
    await applyAdminLabels(strapi);
  },

  destroy() {
    stopRollupCompaction();
  },
};
