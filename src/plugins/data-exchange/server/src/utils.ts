import type { Core } from '@strapi/strapi';
import type { FieldsService } from './services/fields';
import type { CsvExportService } from './services/csv-export';
import type { CsvImportService } from './services/csv-import';
import type { ImportJobsService } from './services/import-jobs';
import type { LabImportJobsService } from './services/lab-import-jobs';
import type { JobBoardService } from './services/job-board';
import type { BulkCreateService } from './services/bulk-create';

type Services = {
  fields: FieldsService;
  csvExport: CsvExportService;
  csvImport: CsvImportService;
  importJobs: ImportJobsService;
  labImportJobs: LabImportJobsService;
  jobBoard: JobBoardService;
  bulkCreate: BulkCreateService;
};

export const PLUGIN_ID = 'data-exchange';

export const getService = <K extends keyof Services>(name: K, strapiInstance: Core.Strapi = strapi): Services[K] =>
  strapiInstance.plugin(PLUGIN_ID).service(name) as Services[K];

/** Admin RBAC actions (Settings > Roles > Plugins > Data exchange), on top of the type's own permissions. */
export const ACTIONS = {
  export: 'plugin::data-exchange.export',
  import: 'plugin::data-exchange.import',
  /** The "Battery file import" page (Lab technician). */
  labImport: 'plugin::data-exchange.lab-import',
  /** The battery lab's "Experiments" page: reading lab data is the lab monitor's action (registered by cycler-bridge). */
  labRead: 'plugin::cycler-bridge.monitor.read',
} as const;

export const CM_ACTIONS = {
  read: 'plugin::content-manager.explorer.read',
  create: 'plugin::content-manager.explorer.create',
  update: 'plugin::content-manager.explorer.update',
} as const;
