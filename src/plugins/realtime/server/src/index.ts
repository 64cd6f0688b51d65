import type { Core } from '@strapi/strapi';
import config from './config';
import controllers from './controllers';
import routes from './routes';
import services from './services';
import { getService } from './utils';

export default {
  config,
  controllers,
  routes,
  services,
  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    // The HTTP server exists before bootstrap; socket.io shares its port.
    await getService('realtime', strapi).attach(strapi.server.httpServer);
  },
  async destroy({ strapi }: { strapi: Core.Strapi }) {
    await getService('realtime', strapi).close();
  },
};
