import type { Core } from '@strapi/strapi';
import { badInput, getService, parseId, parseInstant, parseVersion, RaceError } from '../utils';
import { bodyOf, respond, type Ctx } from './respond';

/** Admin panel routes of the race crew (RBAC actions checked by the routes' policies). */
export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async state(ctx: Ctx) {
    await respond(ctx, () => getService('raceState', strapi).crewState());
  },

  async advance(ctx: Ctx) {
    await respond(ctx, async () => {
      const body = bodyOf(ctx);
      if (!('expectedLapId' in body)) throw badInput('expectedLapId', 'is required (the running lap you saw, or null)');
      const expectedLapId = parseId('expectedLapId', body.expectedLapId, { nullable: true });
      const at = body.at === undefined || body.at === null ? undefined : parseInstant('at', body.at);
      return getService('lapControl', strapi).advanceLap({ expectedLapId, at });
    });
  },

  async reverse(ctx: Ctx) {
    await respond(ctx, async () => {
      const body = bodyOf(ctx);
      if (!('expectedLapId' in body)) throw badInput('expectedLapId', 'is required (the running lap you saw, or null)');
      return getService('lapControl', strapi).reverseLap({ expectedLapId: parseId('expectedLapId', body.expectedLapId, { nullable: true }) });
    });
  },

  async queueJoin(ctx: Ctx) {
    await respond(
      ctx,
      async () => {
        const body = bodyOf(ctx);
        return getService('queue', strapi).joinQueue(body.identification, parseVersion('expectedVersion', body.expectedVersion));
      },
      201,
    );
  },

  async queueRegister(ctx: Ctx) {
    await respond(
      ctx,
      async () => {
        const body = bodyOf(ctx);
        return getService('queue', strapi).registerAndJoin(body, parseVersion('expectedVersion', body.expectedVersion));
      },
      201,
    );
  },

  async queueMove(ctx: Ctx) {
    await respond(ctx, async () => {
      const body = bodyOf(ctx);
      const ticketId = parseId('ticketId', body.ticketId)!;
      const toPosition = body.toPosition;
      if (typeof toPosition !== 'number' || !Number.isInteger(toPosition) || toPosition < 0) throw badInput('toPosition', 'must be an integer >= 0');
      return getService('queue', strapi).moveTicket(ticketId, toPosition, parseVersion('expectedVersion', body.expectedVersion));
    });
  },

  async queueRemove(ctx: Ctx) {
    await respond(ctx, async () => {
      const ticketId = parseId('ticketId', ctx.params.ticketId)!;
      return getService('queue', strapi).removeTicket(ticketId, parseVersion('expectedVersion', ctx.query.expectedVersion));
    });
  },

  async runner(ctx: Ctx) {
    await respond(ctx, async () => {
      const runner = await getService('runnerQuery', strapi).quickInfo(parseId('id', ctx.params.id)!);
      if (!runner) throw new RaceError(404, `id: no runner ${ctx.params.id}`, {}, 'id');
      return runner;
    });
  },

  async withoutShift(ctx: Ctx) {
    await respond(ctx, async () => {
      const after = ctx.query.after === undefined ? Date.now() : parseInstant('after', ctx.query.after);
      return getService('runnerQuery', strapi).withoutShiftAfter(after);
    });
  },

  async inShift(ctx: Ctx) {
    await respond(ctx, async () => {
      const shift = parseId('shift', ctx.query.shift)!;
      const exclude = ctx.query.excludeQueued;
      if (exclude !== undefined && exclude !== 'true' && exclude !== 'false') throw badInput('excludeQueued', 'must be true or false');
      return getService('runnerQuery', strapi).inShift(shift, exclude === 'true');
    });
  },

  async search(ctx: Ctx) {
    await respond(ctx, async () => {
      const q = ctx.query.q;
      if (typeof q !== 'string' || !q.trim()) throw badInput('q', 'is required');
      if (q.length > 100) throw badInput('q', 'must be at most 100 characters');
      return getService('runnerQuery', strapi).search(q);
    });
  },

  async options(ctx: Ctx) {
    await respond(ctx, () => getService('runnerQuery', strapi).options(true));
  },

  async lapsCsv(ctx: Ctx) {
    await respond(ctx, async () => {
      const { from, to, team } = ctx.query;
      const filters = {
        from: from === undefined || from === '' ? undefined : parseInstant('from', from),
        to: to === undefined || to === '' ? undefined : parseInstant('to', to),
        teamId: team === undefined || team === '' ? undefined : parseId('team', team)!,
      };
      if (filters.from != null && filters.to != null && filters.from > filters.to) throw badInput('to', 'must not be before from');
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      ctx.set('Content-Disposition', `attachment; filename="laps-${stamp}.csv"`);
      ctx.type = 'text/csv; charset=utf-8';
      return getService('lapsExport', strapi).exportLapsCsv(filters);
    });
  },
});
