/** Admin permission of the lab monitor, its menu link and its widget (registered by the cycler-bridge server). */
export const LAB_MONITOR_READ = [{ action: 'plugin::cycler-bridge.monitor.read', subject: null }];
export const LAB_MONITOR_PATH = '/plugins/dashboards/lab-monitor';
export const LAB_EXPERIMENTS_PATH = '/plugins/dashboards/lab-experiments';
