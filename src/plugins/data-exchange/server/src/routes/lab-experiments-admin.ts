/**
 * Admin routes of the battery lab's "Experiments" page (dashboards plugin), for admins who may read lab
 * data: the lab monitor's action, plugin::cycler-bridge.monitor.read (Lab technician, Analyst). The
 * downloads are the content-API export and report handlers themselves (same services, same 400/404).
 */
import { requireAdminAction } from '../../../../../platform/admin-policies';
import { exportExperiment } from '../controllers/lab-import';
import { experimentReport } from '../controllers/lab-report';
import { experimentFilterOptions, experimentSummary, listExperiments } from '../controllers/lab-experiments-admin';
import { ACTIONS } from '../utils';

const config = { policies: requireAdminAction(ACTIONS.labRead) };

export default [
  { method: 'GET', path: '/lab/experiments', handler: listExperiments, config },
  { method: 'GET', path: '/lab/experiments/filter-options', handler: experimentFilterOptions, config },
  { method: 'GET', path: '/lab/experiments/:id/summary', handler: experimentSummary, config },
  { method: 'GET', path: '/lab/experiments/:id/export.csv', handler: exportExperiment, config },
  { method: 'GET', path: '/lab/experiments/:id/report.html', handler: experimentReport, config },
];
