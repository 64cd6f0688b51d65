/**
 * Route policies every local plugin's admin routes share: an admin session holding `action` (401
 * without a session, 403 without the action). Actions are registered in each plugin's `register`.
 */
export const requireAdminAction = (action: string) => [
  'admin::isAuthenticatedAdmin',
  { name: 'admin::hasPermissions', config: { actions: [action] } },
];
