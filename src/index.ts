import type { Core } from '@strapi/strapi';
import { ensureRoles } from './platform/roles';

export default {
  register({ strapi }: { strapi: Core.Strapi }) {},

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    await ensureRoles(strapi);
  },
};
