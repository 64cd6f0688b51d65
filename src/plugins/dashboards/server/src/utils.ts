import type { Core } from '@strapi/strapi';
import type { LogsDashboardService } from './services/logs-dashboard';
import type { ClassroomProgressService } from './services/classroom-progress';

type Services = { 'logs-dashboard': LogsDashboardService; 'classroom-progress': ClassroomProgressService };

export const getService = <K extends keyof Services>(name: K, strapiInstance: Core.Strapi = strapi): Services[K] =>
  strapiInstance.plugin('dashboards').service(name) as Services[K];
