import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';

type Ctx = { query: Record<string, unknown>; body: unknown; set(name: string, value: string): void; type: string };

/** Admin endpoints of the Robotics page: filters parsed and charts computed by api::robotics.robotics-stats. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const stats = () => strapi.service('api::robotics.robotics-stats') as any;

  return {
    async charts(ctx: Ctx) {
      const { chart, format, ...rest } = ctx.query;
      void chart;
      void format;
      ctx.body = { data: await stats().charts(stats().parseFilters(rest)) };
    },

    /** One chart's data as CSV: ?chart=<name>&<filters>. */
    async export(ctx: Ctx) {
      const { chart, format = 'csv', ...rest } = ctx.query;
      const names = Object.keys(stats().CHARTS);
      if (typeof chart !== 'string' || !names.includes(chart)) {
        throw new errors.ValidationError(`Invalid parameter "chart": must be one of ${names.join(', ')}`, { parameter: 'chart' });
      }
      if (format !== 'csv') throw new errors.ValidationError('Invalid parameter "format": must be csv', { parameter: 'format' });
      const data = await stats().charts(stats().parseFilters(rest));
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      ctx.set('Content-Disposition', `attachment; filename="robotics-${chart}-${stamp}.csv"`);
      ctx.type = 'text/csv; charset=utf-8';
      ctx.body = stats().chartCsv(chart, data);
    },

    async options(ctx: Ctx) {
      ctx.body = { data: await stats().options() };
    },
  };
};
