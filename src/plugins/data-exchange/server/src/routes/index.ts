import { requireAdminAction } from '../../../../../platform/admin-policies';
import { ACTIONS } from '../utils';
import * as openapi from './openapi';
import labImport from './lab-import';
import labReport from './lab-report';
import labImportAdmin from './lab-import-admin';
import labExperimentsAdmin from './lab-experiments-admin';

const admin = (action: string) => ({ policies: requireAdminAction(action) });

export default {
  'content-api': {
    type: 'content-api',
    routes: [
      // Besides the route's own permission (data-exchange > exchange), the controller checks find /
      // create / update on the type itself.
      { method: 'GET', path: '/types', handler: 'exchange.types', config: { openapi: openapi.types } },
      { method: 'GET', path: '/:uid/export.csv', handler: 'exchange.export', config: { openapi: openapi.exportCsv } },
      { method: 'POST', path: '/:uid/import', handler: 'exchange.import', config: { openapi: openapi.importCsv } },
      // Battery lab: cycler CSV -> finished experiment (docs/battery-data.md).
      ...labImport,
      ...labReport,
    ],
  },
  admin: {
    type: 'admin',
    routes: [
      { method: 'GET', path: '/:uid/fields', handler: 'admin.fields', config: admin(ACTIONS.export) },
      { method: 'GET', path: '/:uid/export.csv', handler: 'admin.export', config: admin(ACTIONS.export) },
      { method: 'POST', path: '/:uid/import/preview', handler: 'admin.preview', config: admin(ACTIONS.import) },
      { method: 'POST', path: '/:uid/import', handler: 'admin.startImport', config: admin(ACTIONS.import) },
      { method: 'GET', path: '/import-jobs/:id', handler: 'admin.job', config: admin(ACTIONS.import) },
      // Battery file import page (docs/battery-data.md).
      ...labImportAdmin,
      // Battery lab Experiments page (docs/battery-data.md).
      ...labExperimentsAdmin,
    ],
  },
};
