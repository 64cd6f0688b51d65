/** Admin permission of the New-experiment page, its menu link and the battery hand-off (registered by the server half). */
export const EXPERIMENTS_CREATE = [{ action: 'plugin::cycler-bridge.experiments.create', subject: null }];
export const NEW_EXPERIMENT_PATH = '/plugins/cycler-bridge/new-experiment';
export const BATTERY_UID = 'api::lab.battery';
export const BATTERY_CREATE_PATH = `/content-manager/collection-types/${BATTERY_UID}/create`;
/** The dashboards plugin's monitor page; `?experiment=<id>` preselects an experiment (even queued). */
export const LAB_MONITOR_PATH = '/plugins/dashboards/lab-monitor';
/**
 * Query parameter carried through the Content Manager's create -> edit navigation (it keeps the query
 * string): on the saved battery's edit view it sends the user on to the New-experiment page.
 */
export const THEN_PARAM = 'then';
export const THEN_NEW_EXPERIMENT = 'new-experiment';
