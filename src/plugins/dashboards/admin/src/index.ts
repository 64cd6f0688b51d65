import type { StrapiApp } from '@strapi/strapi/admin';
import { BulletList, ChartBubble, ChartPie, WarningCircle } from '@strapi/icons';
import { LOGS_PAGE_PATH, LOGS_READ } from './permissions';
import { Database, Monitor } from '@strapi/icons';
import { LAB_EXPERIMENTS_PATH, LAB_MONITOR_PATH, LAB_MONITOR_READ } from './lab/permissions';
import { CLASSROOM_PAGE_PATH, CLASSROOM_READ } from './classroom/permissions';
import { ROBOTICS_PAGE_PATH, ROBOTICS_READ } from './robotics/permissions';

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

    app.addMenuLink({
      to: ROBOTICS_PAGE_PATH.slice(1),
      icon: ChartPie,
      intlLabel: { id: `${PLUGIN_ID}.robotics.menu`, defaultMessage: 'Robotics' },
      permissions: ROBOTICS_READ,
      Component: () => import('./pages/RoboticsPage'),
    });

    app.addMenuLink({
      to: CLASSROOM_PAGE_PATH.slice(1),
      icon: ChartBubble,
      intlLabel: { id: `${PLUGIN_ID}.classroom.menu`, defaultMessage: 'Classroom' },
      permissions: CLASSROOM_READ,
      Component: () => import('./pages/ClassroomPage'),
    });

    app.addMenuLink({
      to: LAB_MONITOR_PATH.slice(1),
      icon: Monitor,
      intlLabel: { id: `${PLUGIN_ID}.lab.menu`, defaultMessage: 'Lab monitor' },
      permissions: LAB_MONITOR_READ,
      Component: () => import('./pages/LabMonitorPage'),
    });

    app.addMenuLink({
      to: LAB_EXPERIMENTS_PATH.slice(1),
      icon: Database,
      intlLabel: { id: `${PLUGIN_ID}.lab.experiments.menu`, defaultMessage: 'Experiments' },
      permissions: LAB_MONITOR_READ,
      Component: () => import('./pages/LabExperimentsPage'),
    });

    app.widgets.register({
      id: 'lab-stations',
      pluginId: PLUGIN_ID,
      icon: Monitor,
      title: { id: `${PLUGIN_ID}.widget.lab.title`, defaultMessage: 'Cycler stations' },
      component: async () => (await import('./widgets/LabStationsWidget')).LabStationsWidget,
      permissions: LAB_MONITOR_READ,
      link: { label: { id: `${PLUGIN_ID}.widget.lab.link`, defaultMessage: 'Open the lab monitor' }, href: LAB_MONITOR_PATH },
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
