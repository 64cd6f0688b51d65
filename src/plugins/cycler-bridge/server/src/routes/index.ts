import { requireAdminAction } from '../../../../../platform/admin-policies';
import { EXPERIMENTS_CREATE, MONITOR_READ } from '../utils';

const route = (method: string, path: string, handler: string, action: string) => ({ method, path, handler, config: { policies: requireAdminAction(action) } });

export default {
  // Served under /cycler-bridge/... with the admin panel's session.
  admin: {
    type: 'admin',
    routes: [
      route('GET', '/monitor/stations', 'monitor.stations', MONITOR_READ),
      route('GET', '/monitor/experiments/:id', 'monitor.experiment', MONITOR_READ),
      route('GET', '/monitor/experiments/:id/series', 'monitor.series', MONITOR_READ),
      route('GET', '/monitor/experiments/:id/export', 'monitor.export', MONITOR_READ),
      route('GET', '/new-experiment/options', 'experiments.options', EXPERIMENTS_CREATE),
      route('POST', '/new-experiment/check', 'experiments.check', EXPERIMENTS_CREATE),
      route('POST', '/experiments', 'experiments.create', EXPERIMENTS_CREATE),
      route('POST', '/experiments/:id/command', 'experiments.command', EXPERIMENTS_CREATE),
    ],
  },
  'content-api': {
    type: 'content-api',
    routes: [
      {
        method: 'GET',
        path: '/health',
        handler: 'health.check',
        config: {
          auth: false,
          description: 'Plugin liveness for the smoke test; returns { ok: true }.',
          openapi: {
            summary: 'Cycler bridge liveness (no data, no authentication)',
            responses: {
              200: { description: 'The plugin is loaded', content: { 'application/json': { schema: { type: 'object', properties: { ok: { type: 'boolean' } } } } } },
            },
          },
        },
      },
    ],
  },
};
