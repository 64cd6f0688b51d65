import type { Core } from '@strapi/strapi';
import { getService } from '../utils';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** Topics anyone may join without logging in (audience screens). */
  async listPublic(ctx) {
    ctx.body = { data: getService('realtime', strapi).publicTopics(), meta: { path: strapi.config.get('plugin::realtime.path') } };
  },
});
