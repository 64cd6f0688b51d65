/** Admin permission of the Robotics page and its menu link (registered by the server half). */
export const ROBOTICS_READ = [{ action: 'plugin::dashboards.robotics.read', subject: null }];
export const ROBOTICS_PAGE_PATH = '/plugins/dashboards/robotics';
