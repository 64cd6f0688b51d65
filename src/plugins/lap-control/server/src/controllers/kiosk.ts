import type { Core } from '@strapi/strapi';
import { getService } from '../utils';
import { bodyOf, respond, type Ctx } from './respond';

/**
 * Registration kiosk (users-permissions role Competition): look up, queue up (always appends),
 * register. Answers carry names, laps and best lap only, no identification or test time.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const kioskAnswer = async (result: { ticket: { ticketId: number; position: number; runner: any }; queueVersion: number }) => ({
    ticket: { ...result.ticket, runner: await getService('runnerQuery', strapi).kioskRunner(result.ticket.runner) },
    queueVersion: result.queueVersion,
  });
  return {
    async lookup(ctx: Ctx) {
      await respond(ctx, async () => {
        const identification = getService('queue', strapi).normalizeIdentification(ctx.query.identification);
        return getService('runnerQuery', strapi).kioskLookup(identification);
      });
    },
    async queue(ctx: Ctx) {
      await respond(ctx, async () => kioskAnswer(await getService('queue', strapi).joinQueue(bodyOf(ctx).identification)), 201);
    },
    async register(ctx: Ctx) {
      await respond(ctx, async () => kioskAnswer(await getService('queue', strapi).registerAndJoin(bodyOf(ctx))), 201);
    },
    async options(ctx: Ctx) {
      await respond(ctx, () => getService('runnerQuery', strapi).options(false));
    },
  };
};
