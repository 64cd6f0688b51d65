import { secretList } from '../src/secrets';

export default ({ env }) => ({
  host: env('HOST', '0.0.0.0'),
  port: env.int('PORT', 1337),
  url: env('PUBLIC_URL', ''),
  app: {
    keys: secretList(env, 'APP_KEYS'),
  },
  // The platform runs on machines without internet access: no update check at boot.
  logger: { updates: { enabled: false } },
  // Seconds an API-token look-up is reused (src/platform/api-token-cache.ts); 0 turns it off.
  apiTokenCacheSeconds: env.int('API_TOKEN_CACHE_SECONDS', 10),
  adminAuthCacheSeconds: env.int('ADMIN_AUTH_CACHE_SECONDS', 10),
  // Keep the Zod schemas of the generated REST routes (~60 MB; src/platform/core-route-schemas.ts),
  // e.g. for `strapi openapi generate`.
  coreRouteSchemas: env.bool('CORE_ROUTE_SCHEMAS', false),
  cron: {
    // Tests turn cron off: strapi.destroy() does not stop cron jobs (see docs/TESTING.md).
    enabled: env.bool('CRON_ENABLED', true),
  },
});
