/**
 * The robotics charts' answer shapes, shared by the server (robotics-stats service) and the Robotics
 * page (dashboards plugin). Plain types only: the admin bundle imports this file.
 */
export interface RoboticsCharts {
  range: { from: string | null; to: string | null; bucket: 'hour' | 'day'; timeZone: string };
  totals: { simulations: number; sessions: number; errors: number; openSimulations: number; simulationsWithoutStart: number };
  simulationsPerDay: Array<{ day: string; simulations: number }>;
  simulationsPerHourOfDay: Array<{ hour: number; simulations: number }>;
  topUsers: Array<{ user: string; simulations: number; sessions: number }>;
  perExercise: Array<{ exercise: string; simulations: number }>;
  bySimulationType: Array<{ type: string; simulations: number }>;
  perHost: Array<{ host: string; simulations: number; max_simulations: number | null; peak_concurrency: number }>;
  hostConcurrency: Array<{ host: string; max_simulations: number | null; points: Array<{ t: string; running: number }> }>;
  durations: Array<{ range: string; simulations: number }>;
  errorsOverTime: Array<{ t: string; errors: number }>;
  browsers: Array<{ browser: string; sessions: number }>;
  operatingSystems: Array<{ os: string; sessions: number }>;
  devices: Array<{ device: string; sessions: number }>;
}

export interface RoboticsOptions {
  users: string[];
  exercises: string[];
  types: string[];
  hosts: string[];
}
