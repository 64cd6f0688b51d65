import type { Core } from '@strapi/strapi';
import config from './config';
import controllers from './controllers';
import routes from './routes';
import services from './services';
import { bridgeConfig, getService, MONITOR_READ, realtime, STATIONS_TOPIC } from './utils';

const ACTIONS = [
  { section: 'plugins', pluginName: 'cycler-bridge', uid: 'monitor.read', displayName: 'Read the lab monitor and stations' },
  { section: 'plugins', pluginName: 'cycler-bridge', uid: 'experiments.create', displayName: 'Create experiments and send commands to cyclers' },
];

export default {
  config,
  controllers,
  routes,
  services,
  register({ strapi }: { strapi: Core.Strapi }) {
    // In register: the admin's bootstrap drops role permissions whose action is unknown.
    strapi.admin.services.permission.actionProvider.registerMany(ACTIONS);
  },
  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    const live = realtime(strapi);
    const access = { adminPermissions: [{ action: MONITOR_READ }] };
    live?.registerTopic('lab:experiment:*', { ...access, description: 'Samples (lab:samples, batched) and state changes (lab:experiment) of one experiment' });
    live?.registerTopic(STATIONS_TOPIC, { ...access, description: 'Cycler station state changes (lab:station)' });
    const cfg = bridgeConfig(strapi);
    if (!cfg.enabled) return;
    if (!cfg.mqttUrl) {
      try {
        await getService('broker', strapi).start();
      } catch (error) {
        // Strapi still serves everything else (admin, REST, monitor); only the live side is off.
        strapi.log.error(`${(error as Error).message}. The cycler bridge is not running.`);
        return;
      }
    }
    await getService('bridge', strapi).start();
  },
  async destroy({ strapi }: { strapi: Core.Strapi }) {
    await getService('bridge', strapi).stop();
    await getService('broker', strapi).stop();
  },
};
