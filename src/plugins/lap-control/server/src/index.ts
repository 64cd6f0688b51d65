import type { Core } from '@strapi/strapi';
import controllers from './controllers';
import routes from './routes';
import services from './services';
import { ACTIONS, CREW_TOPIC, getService, PLUGIN, PUBLIC_TOPIC, UID } from './utils';

const RULE_TYPES = new Set<string>([UID.criterion, UID.happyHour]);
const READ_ACTIONS = new Set(['findOne', 'findMany', 'findFirst', 'count']);

export default {
  controllers,
  routes,
  services,
  register({ strapi }: { strapi: Core.Strapi }) {
    // Registered in register (not bootstrap): the admin's bootstrap drops role permissions of unknown actions.
    strapi.admin.services.permission.actionProvider.registerMany([
      { section: 'plugins', displayName: 'Advance and reverse laps', uid: 'control', pluginName: PLUGIN },
      { section: 'plugins', displayName: 'Edit the queue (join, register, move, remove)', uid: 'queue', pluginName: PLUGIN },
      { section: 'plugins', displayName: 'Read the race state and the query pages', uid: 'read', pluginName: PLUGIN },
      { section: 'plugins', displayName: 'Export laps as CSV', uid: 'laps.export', pluginName: PLUGIN },
    ]);
    // Advance reads criteria and happy hours from memory: any write to them through the Document
    // Service (Content Manager, REST, seed) drops that copy.
    strapi.documents.use(async (ctx, next) => {
      const result = await next();
      if (READ_ACTIONS.has(ctx.action)) return result;
      if (RULE_TYPES.has(ctx.uid)) getService('points', strapi).invalidateRules();
      if (ctx.uid.startsWith('api::race.')) getService('statistics', strapi).invalidate();
      return result;
    });
  },
  bootstrap({ strapi }: { strapi: Core.Strapi }) {
    const realtime = strapi.plugin('realtime')?.service('realtime');
    realtime?.registerTopic(PUBLIC_TOPIC, {
      public: true,
      description: 'Race audience screens: queue, laps, scores (names only)',
    });
    realtime?.registerTopic(CREW_TOPIC, {
      adminPermissions: [{ action: ACTIONS.read }],
      description: 'Race crew: the same events with the crew view of runners',
    });
  },
};
