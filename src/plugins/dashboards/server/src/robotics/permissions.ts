/** Admin action of the Robotics page and its routes (usernames are personal data: admins only). */
export const ROBOTICS_READ = 'plugin::dashboards.robotics.read';

export const ROBOTICS_ACTIONS = [
  { section: 'plugins', pluginName: 'dashboards', uid: 'robotics.read', displayName: 'Read robotics dashboard' },
];
