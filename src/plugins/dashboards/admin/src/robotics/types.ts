/** Shapes of the /dashboards/robotics/* answers (one declaration: src/api/robotics/contract.ts). */
export type { RoboticsCharts, RoboticsOptions } from '../../../../../api/robotics/contract';
