import type { Core } from '@strapi/strapi';
import type { LogsDashboardService } from './services/logs-dashboard';

type Services = { 'logs-dashboard': LogsDashboardService };

export const getService = <K extends keyof Services>(name: K, strapiInstance: Core.Strapi = strapi): Services[K] =>
  strapiInstance.plugin('dashboards').service(name) as Services[K];
