import { secretList } from '../src/secrets';

export default ({ env }) => ({
  host: env('HOST', '0.0.0.0'),
  port: env.int('PORT', 1337),
  url: env('PUBLIC_URL', ''),
  app: {
    keys: secretList(env, 'APP_KEYS'),
  },
  cron: {
    // Tests turn cron off: strapi.destroy() does not stop cron jobs (see docs/TESTING.md).
    enabled: env.bool('CRON_ENABLED', true),
  },
});
