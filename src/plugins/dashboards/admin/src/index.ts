import type { StrapiApp } from '@strapi/strapi/admin';
import { BulletList, WarningCircle } from '@strapi/icons';
import { LOGS_PAGE_PATH, LOGS_READ } from './permissions';

const PLUGIN_ID = 'dashboards';

export default {
  register(app: StrapiApp) {
    app.registerPlugin({ id: PLUGIN_ID, name: 'Dashboards' });

    // The link's permissions only hide it; the page checks them again with Page.Protect.
    app.addMenuLink({
      to: LOGS_PAGE_PATH.slice(1),
      icon: BulletList,
      intlLabel: { id: `${PLUGIN_ID}.logs.menu`, defaultMessage: 'Logs' },
      permissions: LOGS_READ,
      Component: () => import('./pages/LogsPage'),
    });

    app.widgets.register({
      id: 'errors-by-service',
      pluginId: PLUGIN_ID,
      icon: WarningCircle,
      title: { id: `${PLUGIN_ID}.widget.errors.title`, defaultMessage: 'Errors in the last 24 h' },
      component: async () => (await import('./widgets/ErrorsByServiceWidget')).ErrorsByServiceWidget,
      permissions: LOGS_READ,
      link: {
        label: { id: `${PLUGIN_ID}.widget.errors.link`, defaultMessage: 'Open the Logs page' },
        href: `${LOGS_PAGE_PATH}?severity=ERROR,FATAL&range=24h`,
      },
    });
  },
};
