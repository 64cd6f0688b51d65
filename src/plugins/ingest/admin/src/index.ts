import type { StrapiApp } from '@strapi/strapi/admin';
import { Upload } from '@strapi/icons';
import { LogServiceTokenAction } from './LogServiceTokenAction';
import { ROBOTICS_UPLOAD, ROBOTICS_UPLOAD_PATH } from './roboticsPermissions';

export default {
  register(app: StrapiApp) {
    app.registerPlugin({ id: 'ingest', name: 'Log ingestion' });
    app.addMenuLink({
      to: ROBOTICS_UPLOAD_PATH.slice(1),
      icon: Upload,
      intlLabel: { id: 'ingest.robotics.menu', defaultMessage: 'Robotics import' },
      permissions: ROBOTICS_UPLOAD,
      Component: () => import('./RoboticsUploadPage'),
    });
  },
  bootstrap(app: StrapiApp) {
    // "Create token" / "Rotate token" on the log-service edit view of the Content Manager.
    (app.getPlugin('content-manager') as any).apis.addDocumentAction((actions: unknown[]) => [...actions, LogServiceTokenAction]);
  },
};
