import type { StrapiApp } from '@strapi/strapi/admin';
import { LogServiceTokenAction } from './LogServiceTokenAction';

export default {
  register(app: StrapiApp) {
    app.registerPlugin({ id: 'ingest', name: 'Log ingestion' });
  },
  bootstrap(app: StrapiApp) {
    // "Create token" / "Rotate token" on the log-service edit view of the Content Manager.
    (app.getPlugin('content-manager') as any).apis.addDocumentAction((actions: unknown[]) => [...actions, LogServiceTokenAction]);
  },
};
