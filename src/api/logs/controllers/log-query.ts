/**
 * Thin HTTP layer over the log-query service: validation errors become 400s naming the parameter
 * (thrown by parseFilters), exports stream so a large query never sits in memory.
 */
import { errors } from '@strapi/utils';
import type { Core } from '@strapi/strapi';
import type { ExportFormat } from '../services/log-query';

const FORMATS: Record<ExportFormat, { type: string; ext: string }> = {
  csv: { type: 'text/csv; charset=utf-8', ext: 'csv' },
  ndjson: { type: 'application/x-ndjson; charset=utf-8', ext: 'ndjson' },
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const service = () => strapi.service('api::logs.log-query') as any;

  return {
    async search(ctx: any) {
      const query = ctx.query as Record<string, unknown>;
      const filters = service().parseFilters(query);
      const format = query.format;
      if (format === undefined || format === null || format === '' || format === 'json') {
        ctx.type = 'application/json';
        ctx.body = await service().searchJson(filters);
        return;
      }
      if (typeof format !== 'string' || !(format in FORMATS)) {
        throw new errors.ValidationError('Invalid parameter "format": one of json, csv, ndjson', { parameter: 'format' });
      }
      const { type, ext } = FORMATS[format as ExportFormat];
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      ctx.set('Content-Type', type);
      ctx.set('Content-Disposition', `attachment; filename="logs-${stamp}.${ext}"`);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = service().exportStream(filters, format as ExportFormat);
    },

    async stats(ctx: any) {
      const query = ctx.query as Record<string, unknown>;
      if (query.format !== undefined) {
        throw new errors.ValidationError('Invalid parameter "format": stats are JSON only', { parameter: 'format' });
      }
      ctx.body = await service().stats(service().parseFilters(query));
    },
  };
};
