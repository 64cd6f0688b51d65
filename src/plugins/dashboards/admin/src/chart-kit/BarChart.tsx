import * as React from 'react';
import Chart from 'react-apexcharts';
import type { ApexOptions } from 'apexcharts';
import { Box } from '@strapi/design-system';
import { PALETTE, baseOptions } from './theme';

export interface BarChartProps {
  categories: string[];
  series: { name: string; values: number[]; color?: string }[];
  horizontal?: boolean;
  stacked?: boolean;
  height?: number;
  /** Called with the category of a clicked bar (e.g. to filter a table by it). */
  onSelect?: (category: string) => void;
  label: string;
  /** Label only every n-th category (e.g. 3 for 24 hours: narrow bars' labels run together). */
  labelEvery?: number;
}

/** Values per category (services, stations, teams...). */
export function BarChart({ categories, series, horizontal = false, stacked = false, height = 260, onSelect, label, labelEvery = 1 }: BarChartProps) {
  const selectRef = React.useRef(onSelect);
  selectRef.current = onSelect;
  const options = React.useMemo<ApexOptions>(() => {
    const base = baseOptions();
    return {
      ...base,
      chart: {
        ...base.chart,
        type: 'bar',
        stacked,
        events: {
          dataPointSelection: (_e, _c, opts) => {
            if (opts) selectRef.current?.(categories[opts.dataPointIndex]);
          },
        },
      },
      colors: series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]),
      plotOptions: { bar: { horizontal, borderRadius: 2 } },
      xaxis: {
        categories,
        labels: labelEvery > 1 ? { formatter: (value: string) => (categories.indexOf(String(value)) % labelEvery === 0 ? value : '') } : {},
      },
      // The tooltip names every bar, labelled or not.
      tooltip: { ...base.tooltip, x: { formatter: (value: number | string) => String(value) } },
      legend: { ...base.legend, show: series.length > 1 },
    };
  }, [categories, series, horizontal, stacked, labelEvery]);
  const apexSeries = React.useMemo(() => series.map((s) => ({ name: s.name, data: s.values })), [series]);
  return (
    <Box role="figure" aria-label={label} data-chart-kind="bar">
      <Chart type="bar" series={apexSeries} options={options} height={height} />
    </Box>
  );
}
