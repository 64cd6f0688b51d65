import type { Core } from '@strapi/strapi';
import type { RealtimeService } from './services/realtime';

type Services = { realtime: RealtimeService };

export const getService = <K extends keyof Services>(name: K, strapiInstance: Core.Strapi = strapi): Services[K] =>
  strapiInstance.plugin('realtime').service(name) as Services[K];
