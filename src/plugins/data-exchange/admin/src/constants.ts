export const PLUGIN_ID = 'data-exchange';
export const EXPORT_PERMISSIONS = [{ action: 'plugin::data-exchange.export', subject: null }];
export const IMPORT_PERMISSIONS = [{ action: 'plugin::data-exchange.import', subject: null }];
/** The "Battery file import" page (Lab technician), its admin routes and where an imported experiment is shown. */
export const LAB_IMPORT_PERMISSIONS = [{ action: 'plugin::data-exchange.lab-import', subject: null }];
export const BATTERY_IMPORT_PATH = '/plugins/data-exchange/battery-import';
export const BATTERY_PREVIEW_URL = '/data-exchange/lab/experiments/preview';
export const BATTERY_IMPORT_URL = '/data-exchange/lab/experiments/import';
/** The dashboards plugin's monitor page; `?experiment=<id>` opens that experiment. */
export const LAB_MONITOR_PATH = '/plugins/dashboards/lab-monitor';
