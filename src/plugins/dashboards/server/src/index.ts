import type { Core } from '@strapi/strapi';
import config from './config';
import controllers from './controllers';
import routes from './routes';
import services from './services';
import { ACTIONS } from './permissions';
import { CLASSROOM_ACTIONS } from './classroom/permissions';
import { ROBOTICS_ACTIONS } from './robotics/permissions';

export default {
  config,
  controllers,
  routes,
  services,
  register({ strapi }: { strapi: Core.Strapi }) {
    // In register, not bootstrap: the admin's bootstrap drops role permissions whose action is unknown.
    (strapi as any).admin.services.permission.actionProvider.registerMany(ACTIONS);
    (strapi as any).admin.services.permission.actionProvider.registerMany(CLASSROOM_ACTIONS);
    (strapi as any).admin.services.permission.actionProvider.registerMany(ROBOTICS_ACTIONS);
  },
};
