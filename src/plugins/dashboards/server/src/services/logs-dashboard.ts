import type { Core } from '@strapi/strapi';
import type { LogQueryService } from '../types';

export interface LogServiceOption {
  name: string;
  active: boolean;
}

/** What the Logs page needs beyond the logs domain's query service: the list of services to filter by. */
const createLogsDashboardService = ({ strapi }: { strapi: Core.Strapi }) => ({
  /** The logs domain's query service; every read of log entries goes through it. */
  query(): LogQueryService {
    return strapi.service('api::logs.log-query') as unknown as LogQueryService;
  },

  async services(): Promise<LogServiceOption[]> {
    const rows = await strapi.db
      .query('api::logs.log-service')
      .findMany({ select: ['name', 'active'], orderBy: { name: 'asc' } });
    return rows.map((r: { name: string; active: boolean | null }) => ({ name: r.name, active: r.active !== false }));
  },
});

export type LogsDashboardService = ReturnType<typeof createLogsDashboardService>;
export default createLogsDashboardService;
