import { LOGS_READ, requireAdmin } from '../permissions';
import { classroomAdminRoutes, classroomContentRoutes } from './classroom';
import { roboticsAdminRoutes } from './robotics';

const logsRoute = (path: string, handler: string) => ({
  method: 'GET',
  path: `/logs/${path}`,
  handler: `logs.${handler}`,
  config: { policies: requireAdmin(LOGS_READ) },
});

export default {
  // Served under /dashboards/... with the admin panel's session (admin JWT).
  admin: {
    type: 'admin',
    routes: [
      logsRoute('search', 'search'),
      logsRoute('stats', 'stats'),
      logsRoute('export', 'export'),
      logsRoute('errors-by-service', 'errorsByService'),
      logsRoute('services', 'services'),
      ...classroomAdminRoutes,
      ...roboticsAdminRoutes,
    ],
  },
  'content-api': {
    type: 'content-api',
    routes: [
      {
        method: 'GET',
        path: '/health',
        handler: 'health.check',
        config: { auth: false, description: 'Plugin liveness for the smoke test; returns { ok: true }.' },
      },
      ...classroomContentRoutes,
    ],
  },
};
