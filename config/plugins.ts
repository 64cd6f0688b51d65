import { secret } from '../src/secrets';

export default ({ env }) => ({
  'users-permissions': {
    config: {
      jwtSecret: secret(env, 'JWT_SECRET'),
    },
  },
  realtime: {
    enabled: true,
    resolve: './src/plugins/realtime',
    config: {
      redisUrl: env('REDIS_URL'),
      redisKey: env('REALTIME_REDIS_KEY', 'tallyboard'),
      topics: {
        // Audience screens and status banners: never personal data on public topics.
        'platform:status': { public: true, description: 'Platform-wide announcements' },
      },
    },
  },
  dashboards: {
    enabled: true,
    resolve: './src/plugins/dashboards',
  },
  ingest: {
    enabled: true,
    resolve: './src/plugins/ingest',
  },
  'lap-control': {
    enabled: true,
    resolve: './src/plugins/lap-control',
  },
  'cycler-bridge': {
    enabled: true,
    resolve: './src/plugins/cycler-bridge',
  },
  'data-exchange': {
    enabled: true,
    resolve: './src/plugins/data-exchange',
    config: {
      // Admin import jobs, readable from every instance when several share the database.
      redisUrl: env('REDIS_URL'),
    },
  },
});
