/** Admin permission of the Logs page, its menu link, its widget (registered by the server half). */
export const LOGS_READ = [{ action: 'plugin::dashboards.logs.read', subject: null }];

export const LOGS_PAGE_PATH = '/plugins/dashboards/logs';
