import type { Core } from '@strapi/strapi';
import controllers from './controllers';
import routes from './routes';
import services from './services';
import { getService } from './utils';

export default {
  controllers,
  routes,
  services,
  register({ strapi }: { strapi: Core.Strapi }) {
    strapi.admin.services.permission.actionProvider.registerMany([
      { section: 'plugins', pluginName: 'data-exchange', uid: 'export', displayName: 'Export CSV (with read on the type)' },
      { section: 'plugins', pluginName: 'data-exchange', uid: 'import', displayName: 'Import CSV (with create/update on the type)' },
      { section: 'plugins', pluginName: 'data-exchange', uid: 'lab-import', displayName: 'Battery file import (cycler CSV -> experiment)' },
    ]);
  },
  async destroy({ strapi }: { strapi: Core.Strapi }) {
    // entry.create events of a bulk import still being emitted need the database.
    await getService('bulkCreate', strapi).settled();
  },
};
