import * as React from 'react';
import Chart from 'react-apexcharts';
import type { ApexOptions } from 'apexcharts';
import { Box } from '@strapi/design-system';
import { PALETTE, baseOptions } from './theme';

export interface ScatterChartProps {
  series: { name: string; points: { x: number; y: number }[]; color?: string }[];
  xTitle?: string;
  yTitle?: string;
  height?: number;
  /** Fixed decimals of the y axis labels (apexcharts otherwise prints float noise such as 0.8900000000000000). */
  yDecimals?: number;
  label: string;
}

/** Two measures per point (e.g. capacity against cycle count). Deliberately minimal until a dashboard needs more. */
export function ScatterChart({ series, xTitle, yTitle, height = 260, yDecimals, label }: ScatterChartProps) {
  const options = React.useMemo<ApexOptions>(() => {
    const base = baseOptions();
    return {
      ...base,
      chart: { ...base.chart, type: 'scatter' },
      colors: series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]),
      xaxis: { type: 'numeric', title: xTitle ? { text: xTitle } : undefined },
      yaxis: { title: yTitle ? { text: yTitle } : undefined, labels: yDecimals === undefined ? undefined : { formatter: (v: number) => v.toFixed(yDecimals) } },
    };
  }, [series, xTitle, yTitle, yDecimals]);
  const apexSeries = React.useMemo(() => series.map((s) => ({ name: s.name, data: s.points.map((p) => [p.x, p.y]) })), [series]);
  return (
    <Box role="figure" aria-label={label} data-chart-kind="scatter">
      <Chart type="scatter" series={apexSeries} options={options} height={height} />
    </Box>
  );
}
