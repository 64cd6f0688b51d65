import type { StrapiApp } from '@strapi/strapi/admin';
import { Upload } from '@strapi/icons';
import { BATTERY_IMPORT_PATH, LAB_IMPORT_PERMISSIONS, PLUGIN_ID } from './constants';
import { ListViewButtons } from './components/ListViewButtons';

export default {
  register(app: StrapiApp) {
    app.registerPlugin({ id: PLUGIN_ID, name: 'Data exchange' });
    // The link's permissions only hide it; the page checks them again with Page.Protect.
    app.addMenuLink({
      to: BATTERY_IMPORT_PATH.slice(1),
      icon: Upload,
      intlLabel: { id: `${PLUGIN_ID}.battery-import.menu`, defaultMessage: 'Battery file import' },
      permissions: LAB_IMPORT_PERMISSIONS,
      Component: () => import('./pages/BatteryImportPage'),
    });
  },
  bootstrap(app: StrapiApp) {
    // "Export CSV" / "Import CSV" beside Filters on every collection type's list.
    (app.getPlugin('content-manager') as any).injectComponent('listView', 'actions', {
      name: `${PLUGIN_ID}-buttons`,
      Component: ListViewButtons,
    });
  },
};
