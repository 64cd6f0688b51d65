import type { Core } from '@strapi/strapi';
import { getService } from '../utils';
import { respond, type Ctx } from './respond';

/** Audience screens (no login): names only. */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async statistics(ctx: Ctx) {
    ctx.set('Cache-Control', 'no-store');
    await respond(ctx, () => getService('statistics', strapi).publicStatistics());
  },
  async queue(ctx: Ctx) {
    ctx.set('Cache-Control', 'no-store');
    await respond(ctx, () => getService('raceState', strapi).publicQueue());
  },
});
