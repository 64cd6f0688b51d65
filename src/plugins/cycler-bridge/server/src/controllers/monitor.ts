import type { Core } from '@strapi/strapi';
import { EXPERIMENT_UID, getService, samplesService, STATION_UID } from '../utils';
import { InputError } from '../services/new-experiment';
import { idParam, respond, timeParam } from './respond';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** Every station with its state, last heartbeat, malformed count and running experiment (widget, monitor picker). */
  async stations(ctx) {
    await respond(ctx, async () => {
      const stations = await strapi.db.query(STATION_UID).findMany({
        where: { state: { $ne: 'deprecated' } },
        select: ['id', 'documentId', 'name', 'state', 'location', 'last_heartbeat_at', 'malformed_messages', 'last_malformed_reason'],
        orderBy: { name: 'asc' },
      });
      const running = await strapi.db.query(EXPERIMENT_UID).findMany({
        where: { state: { $in: ['running', 'paused'] } },
        select: ['id', 'documentId', 'name', 'state', 'started_at', 'current_step', 'sample_count'],
        populate: { cycler_station: { select: ['id'] } },
      });
      const byStation = new Map(running.map((e: any) => [e.cycler_station?.id, e]));
      return {
        data: stations.map((s: any) => {
          const e: any = byStation.get(s.id);
          return { ...s, experiment: e ? { id: e.id, documentId: e.documentId, name: e.name, state: e.state, started_at: e.started_at, current_step: e.current_step, sample_count: e.sample_count } : null };
        }),
        meta: { bridge: getService('bridge', strapi).stats() },
      };
    });
  },

  /** One experiment with its profile steps, for the monitor's header and current-step line. */
  async experiment(ctx) {
    await respond(ctx, async () => {
      const id = idParam(ctx.params.id);
      const e = await strapi.db.query(EXPERIMENT_UID).findOne({
        where: { id },
        populate: { profile: true, battery: { select: ['name', 'technology'] }, cycler_station: { select: ['name'] } },
      });
      if (!e) throw new InputError('id', `experiment ${id} does not exist`);
      const bounds = await samplesService(strapi).bounds(id);
      return {
        data: {
          id: e.id, documentId: e.documentId, name: e.name, state: e.state, state_reason: e.state_reason,
          started_at: e.started_at, finished_at: e.finished_at, current_step: e.current_step, sample_count: e.sample_count,
          battery: e.battery, station: e.cycler_station?.name ?? null,
          profile: e.profile ? { name: e.profile.name, instructions: e.profile.instructions, steps: e.profile.steps ?? [] } : null,
          bounds,
        },
      };
    });
  },

  async series(ctx) {
    await respond(ctx, async () => {
      const id = idParam(ctx.params.id);
      const points = ctx.query.points === undefined ? undefined : Number(ctx.query.points);
      if (points !== undefined && (!Number.isInteger(points) || points < 10 || points > 5000)) {
        throw new InputError('points', 'points must be an integer from 10 to 5000');
      }
      const series = await samplesService(strapi).series(id, { from: timeParam(ctx.query.from, 'from'), to: timeParam(ctx.query.to, 'to'), points });
      return { data: series };
    });
  },

  /** Full-resolution CSV of the range (or the whole experiment); parameters are checked before streaming. */
  async export(ctx) {
    await respond(ctx, async () => {
      const id = idParam(ctx.params.id);
      const from = timeParam(ctx.query.from, 'from');
      const to = timeParam(ctx.query.to, 'to');
      const exists = await strapi.db.query(EXPERIMENT_UID).findOne({ where: { id }, select: ['id'] });
      if (!exists) throw new InputError('id', `experiment ${id} does not exist`);
      ctx.set('Content-Type', 'text/csv; charset=utf-8');
      ctx.set('Content-Disposition', `attachment; filename="experiment-${id}-samples.csv"`);
      // The monitor's download keeps the lab_samples names; machines get BDF names from data-exchange.
      return samplesService(strapi).exportCsv(id, { from, to, names: 'native' });
    });
  },
});
