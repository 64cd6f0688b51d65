/** Admin RBAC actions of the dashboards plugin (uids as the admin sees them). */
export const LOGS_READ = 'plugin::dashboards.logs.read';

export const ACTIONS = [
  { section: 'plugins', pluginName: 'dashboards', uid: 'logs.read', displayName: 'Read logs dashboard' },
];

/** Route policies: an admin session holding the action (src/platform/admin-policies.ts). */
export { requireAdminAction as requireAdmin } from '../../../../platform/admin-policies';
