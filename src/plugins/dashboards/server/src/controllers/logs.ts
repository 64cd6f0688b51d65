import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { getService } from '../utils';

type Ctx = { query: Record<string, unknown>; body: unknown; set(name: string, value: string): void; type: string };

const EXPORT_FORMATS = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' } as const;

const invalid = (param: string, message: string) =>
  new errors.ValidationError(`${param}: ${message}`, { errors: [{ path: [param], message, name: 'ValidationError' }] });

/**
 * Admin endpoints of the Logs page. Filters are parsed by the logs domain's query service, so the page,
 * the REST API and the CSV export accept exactly the same parameters.
 */
const logsController = ({ strapi }: { strapi: Core.Strapi }) => {
  const logs = () => getService('logs-dashboard', strapi);

  return {
    async search(ctx: Ctx) {
      const query = logs().query();
      ctx.type = 'application/json';
      ctx.body = await query.searchJson(query.parseFilters(ctx.query));
    },

    async stats(ctx: Ctx) {
      const query = logs().query();
      ctx.body = { data: await query.stats(query.parseFilters(ctx.query)) };
    },

    async export(ctx: Ctx) {
      const { format = 'csv', ...rest } = ctx.query;
      if (typeof format !== 'string' || !(format in EXPORT_FORMATS)) throw invalid('format', 'must be csv or ndjson');
      const query = logs().query();
      const filters = query.parseFilters(rest); // parsed before streaming starts: bad input is a 400, not a broken file
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      ctx.set('Content-Disposition', `attachment; filename="logs-${stamp}.${format}"`);
      ctx.type = EXPORT_FORMATS[format as keyof typeof EXPORT_FORMATS];
      ctx.body = query.exportStream(filters, format as 'csv' | 'ndjson');
    },

    async errorsByService(ctx: Ctx) {
      const hours = ctx.query.hours === undefined ? 24 : Number(ctx.query.hours);
      if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 90) throw invalid('hours', 'must be an integer from 1 to 2160');
      ctx.body = { data: await logs().query().errorsByService(hours), meta: { hours } };
    },

    async services(ctx: Ctx) {
      ctx.body = { data: await logs().services() };
    },
  };
};

export default logsController;
