/** Admin RBAC actions of the dashboards plugin (uids as the admin sees them). */
export const LOGS_READ = 'plugin::dashboards.logs.read';

export const ACTIONS = [
  { section: 'plugins', pluginName: 'dashboards', uid: 'logs.read', displayName: 'Read logs dashboard' },
];

/** Route policies: an admin session holding the action (401 without a session, 403 without the action). */
export const requireAdmin = (action: string) => [
  'admin::isAuthenticatedAdmin',
  { name: 'admin::hasPermissions', config: { actions: [action] } },
];
