/**
 * The lab capability's answer shapes shared by the server (lab-samples service, monitor routes) and the
 * admin pages (dashboards plugin). Plain types only: the admin bundle imports this file.
 */

/** One point of a (downsampled) experiment series; `t` in epoch milliseconds. */
export interface SeriesPoint {
  t: number;
  voltage_v: number | null;
  current_a: number | null;
  power_w: number | null;
  temperature_c: number | null;
  step_index: number | null;
  cycle_index: number | null;
}
