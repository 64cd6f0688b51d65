/**
 * Admin routes of the "Battery file import" page (Lab technician): an admin session holding
 * plugin::data-exchange.lab-import. Same paths as the content-API pair, under /data-exchange in the
 * admin API; the preview is the content-API handler, the import starts a job the page polls.
 */
import { requireAdminAction } from '../../../../../platform/admin-policies';
import { preview } from '../controllers/lab-import';
import { importJob, startExperimentImport } from '../controllers/lab-import-admin';
import { ACTIONS } from '../utils';

const config = { policies: requireAdminAction(ACTIONS.labImport) };

export default [
  { method: 'POST', path: '/lab/experiments/preview', handler: preview, config },
  { method: 'POST', path: '/lab/experiments/import', handler: startExperimentImport, config },
  { method: 'GET', path: '/lab/experiments/import-jobs/:id', handler: importJob, config },
];
