/**
 * One measure of a lab experiment's series (voltage, current, power or temperature) over time, as the
 * Lab monitor and the Experiments page draw it: the same colour, unit and level axis on both pages.
 */
import * as React from 'react';
import { Typography } from '@strapi/design-system';
import { PALETTE, TimeSeriesChart } from '../chart-kit';
import type { SeriesPoint } from './types';

export interface Measure {
  key: 'voltage_v' | 'current_a' | 'power_w' | 'temperature_c';
  label: string;
  unit: string;
  color: string;
}

export const MEASURES: Measure[] = [
  { key: 'voltage_v', label: 'Voltage', unit: 'V', color: PALETTE[0] },
  { key: 'current_a', label: 'Current', unit: 'A', color: PALETTE[1] },
  { key: 'power_w', label: 'Power', unit: 'W', color: PALETTE[2] },
  { key: 'temperature_c', label: 'Temperature', unit: '°C', color: PALETTE[3] },
];

export interface MeasureChartProps {
  measure: Measure;
  /** Series rows (downsampled by the server); a row without this measure is left out, not drawn as 0. */
  points: SeriesPoint[];
  height?: number;
  /** Fixes the x axis to this window (a zoomed view whose edges may hold no sample). */
  range?: { from: Date; to: Date };
  /** Dragging across the chart selects a window; the page re-queries it. */
  onZoom?: (from: Date, to: Date) => void;
}

/** Title "<Label> (<unit>)" and the measure's line. */
export function MeasureChart({ measure, points, height = 200, range, onZoom }: MeasureChartProps) {
  const series = React.useMemo(
    () => [{ name: measure.label, color: measure.color, points: points.filter((p) => p[measure.key] !== null).map((p) => ({ x: p.t, y: Number(p[measure.key]) })) }],
    [points, measure],
  );
  return (
    <>
      <Typography variant="sigma">{`${measure.label} (${measure.unit})`}</Typography>
      <TimeSeriesChart label={measure.label} kind="area" values="levels" stacked={false} height={height} yTitle={measure.unit} series={series} range={range} onZoom={onZoom} />
    </>
  );
}
