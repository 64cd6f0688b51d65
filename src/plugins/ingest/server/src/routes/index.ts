import { TOKENS_ACTION } from '../utils';
import classroomRoutes from './classroom';
import { roboticsAdminRoutes, roboticsContentApiRoutes } from './robotics';

export default {
  'content-api': {
    type: 'content-api',
    routes: [
      {
        method: 'POST',
        path: '/logs',
        handler: 'logs.ingest',
        // Authenticated in the controller: service tokens are not Strapi API tokens.
        config: { auth: false, description: 'Ingest log records (JSON object, JSON array or NDJSON, optionally gzip).' },
      },
      {
        method: 'GET',
        path: '/limits',
        handler: 'logs.limits',
        config: { auth: false, description: 'Ingestion limits (body size, records per request, rate).' },
      },
      ...classroomRoutes,
      ...roboticsContentApiRoutes,
    ],
  },
  admin: {
    type: 'admin',
    routes: [
      {
        method: 'POST',
        path: '/log-services/:documentId/token',
        handler: 'tokens.issue',
        config: {
          policies: ['admin::isAuthenticatedAdmin', { name: 'admin::hasPermissions', config: { actions: [TOKENS_ACTION] } }],
        },
      },
      ...roboticsAdminRoutes,
    ],
  },
};
