import type { RealtimeConfig } from './types';

export default {
  default: ({ env }): RealtimeConfig => ({
    topics: {},
    redisUrl: env('REDIS_URL'),
    redisKey: env('REALTIME_REDIS_KEY', 'tallyboard'),
    path: '/socket.io',
  }),
  validator(config: RealtimeConfig) {
    for (const [name, access] of Object.entries(config.topics ?? {})) {
      if (!/^[a-z0-9][a-z0-9:._-]*\*?$/i.test(name)) {
        throw new Error(`realtime: topic "${name}" must be letters, digits and : . _ - (an optional trailing *)`);
      }
      if (typeof access !== 'object' || access === null) {
        throw new Error(`realtime: topic "${name}" needs an access object such as { public: true }`);
      }
    }
  },
};
