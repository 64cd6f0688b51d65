import type { Core } from '@strapi/strapi';
import config from './config';
import controllers from './controllers';
import routes from './routes';
import services from './services';
import { HIDDEN_CONTENT_TYPE, ORIGINAL_CONTENT_TYPE } from './body';
import { INGEST_PATH, getService } from './utils';
import { TAIL_TOPIC } from './services/live-tail';
import { ROBOTICS_ADMIN_ACTIONS } from './services/robotics-import';
import { CLASSROOM_SNAPSHOTS_PATH } from './routes/classroom';

export default {
  config,
  controllers,
  routes,
  services,
  register({ strapi }: { strapi: Core.Strapi }) {
    strapi.admin.services.permission.actionProvider.registerMany([
      { section: 'plugins', displayName: 'Create and rotate log service tokens', uid: 'tokens.manage', pluginName: 'ingest' },
      ...ROBOTICS_ADMIN_ACTIONS,
    ]);
    // strapi::body would parse JSON (with its own limit) and cannot parse NDJSON; the ingest endpoint
    // streams its body itself. This runs before the global middlewares (registered at bootstrap) and
    // only hides the Content-Type of that one route, so strapi::body leaves the stream untouched.
    const ingestPath = `${strapi.config.get('api.rest.prefix', '/api')}${INGEST_PATH.replace(/^\/api/, '')}`;
    // The classroom snapshots route reads its (large, gzip) body the same way.
    const snapshotsPath = `${strapi.config.get('api.rest.prefix', '/api')}${CLASSROOM_SNAPSHOTS_PATH.replace(/^\/api/, '')}`;
    strapi.server.use(async (ctx, next) => {
      if (ctx.method === 'POST' && (ctx.path === ingestPath || ctx.path === snapshotsPath)) {
        const type = ctx.req.headers['content-type'];
        if (type !== undefined) ctx.req.headers[ORIGINAL_CONTENT_TYPE] = type;
        ctx.req.headers['content-type'] = HIDDEN_CONTENT_TYPE;
      }
      await next();
    });
  },
  bootstrap({ strapi }: { strapi: Core.Strapi }) {
    strapi.plugin('realtime')?.service('realtime')?.registerTopic(TAIL_TOPIC, {
      adminPermissions: [{ action: 'plugin::dashboards.logs.read' }],
      description: 'New log lines, throttled (event logs:lines)',
    });
    if (strapi.config.get('server.cron.enabled')) {
      strapi.cron.add({
        ingestRetention: {
          task: async () => {
            const result = await getService('retention', strapi).purgeExpired();
            if (result.deleted) strapi.log.info(`[ingest] retention deleted ${result.deleted} log entries`);
          },
          options: { rule: strapi.config.get('plugin::ingest.retention.rule') as string },
        },
      });
    }
  },
  destroy({ strapi }: { strapi: Core.Strapi }) {
    getService('liveTail', strapi).stop();
    if (strapi.config.get('server.cron.enabled')) strapi.cron.remove('ingestRetention');
  },
};
