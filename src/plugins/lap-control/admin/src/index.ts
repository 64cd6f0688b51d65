import type { StrapiApp } from '@strapi/strapi/admin';
import { Clock } from '@strapi/icons';
import { RACE_PAGE_PATH, RACE_READ } from './permissions';

const PLUGIN_ID = 'lap-control';

export default {
  register(app: StrapiApp) {
    app.registerPlugin({ id: PLUGIN_ID, name: 'Lap control' });

    // The link's permissions only hide it; the pages check them again with Page.Protect.
    app.addMenuLink({
      to: RACE_PAGE_PATH.slice(1),
      icon: Clock,
      intlLabel: { id: `${PLUGIN_ID}.menu`, defaultMessage: 'Race' },
      permissions: RACE_READ,
      Component: () => import('./pages/RacePages'),
    });
  },
};
