/**
 * Reading API of the logs domain. Content API routes: each is a permission action
 * (`api::logs.log-query.search`, `api::logs.log-query.stats`) granted to API tokens or
 * users-permissions roles; Public gets none of them.
 */
export default {
  routes: [
    { method: 'GET', path: '/logs/search', handler: 'log-query.search', config: {} },
    { method: 'GET', path: '/logs/stats', handler: 'log-query.stats', config: {} },
  ],
};
