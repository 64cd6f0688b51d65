import type { StrapiApp } from '@strapi/strapi/admin';
import { Lightning } from '@strapi/icons';
import { BatteryNextStep } from './components/BatteryNextStep';
import { EXPERIMENTS_CREATE, NEW_EXPERIMENT_PATH } from './permissions';

const PLUGIN_ID = 'cycler-bridge';

// The monitor page and the stations widget live in the dashboards plugin.
export default {
  register(app: StrapiApp) {
    app.registerPlugin({ id: PLUGIN_ID, name: 'Cycler bridge' });
    // The link's permissions only hide it; the page checks them again with Page.Protect.
    app.addMenuLink({
      to: NEW_EXPERIMENT_PATH.slice(1),
      icon: Lightning,
      intlLabel: { id: `${PLUGIN_ID}.new-experiment.menu`, defaultMessage: 'New experiment' },
      permissions: EXPERIMENTS_CREATE,
      Component: () => import('./pages/NewExperimentPage'),
    });
  },
  bootstrap(app: StrapiApp) {
    // Battery edit view: after creating a battery, go on to the New-experiment page with it chosen.
    (app.getPlugin('content-manager') as any).injectComponent('editView', 'right-links', {
      name: `${PLUGIN_ID}-battery-next-step`,
      Component: BatteryNextStep,
    });
  },
};
