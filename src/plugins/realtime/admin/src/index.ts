import type { StrapiApp } from '@strapi/strapi/admin';

// The realtime plugin has no page of its own; registering it keeps the admin aware of it.
export default {
  register(app: StrapiApp) {
    app.registerPlugin({ id: 'realtime', name: 'Realtime' });
  },
};
