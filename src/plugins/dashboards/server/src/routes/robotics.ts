import { ROBOTICS_READ } from '../robotics/permissions';
import { requireAdmin } from '../permissions';

/** Admin routes of the Robotics page (docs/robotics.md). */
export const roboticsAdminRoutes = [
  ['charts', 'charts'],
  ['export', 'export'],
  ['options', 'options'],
].map(([path, handler]) => ({
  method: 'GET',
  path: `/robotics/${path}`,
  handler: `robotics.${handler}`,
  config: { policies: requireAdmin(ROBOTICS_READ) },
}));
