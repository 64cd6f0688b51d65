import * as React from 'react';
import Chart from 'react-apexcharts';
import type { ApexOptions } from 'apexcharts';
import { Box } from '@strapi/design-system';
import { PALETTE, baseOptions } from './theme';

export interface TimePoint {
  /** Bucket start: ISO string or epoch ms. */
  x: string | number;
  y: number;
}

export interface TimeSeries {
  name: string;
  points: TimePoint[];
  color?: string;
}

export interface TimeSeriesChartProps {
  series: TimeSeries[];
  /** Bars (counts per bucket) or filled areas (levels over time). */
  kind?: 'bar' | 'area';
  stacked?: boolean;
  height?: number;
  /** Fixes the x axis to the queried range, so empty edges still show. */
  range?: { from: Date; to: Date };
  /** Called when the user drags across the chart; dashboards re-query that range. Enables zooming. */
  onZoom?: (from: Date, to: Date) => void;
  yTitle?: string;
  /**
   * `counts` (default): integers from 0. `levels` (voltages, currents, temperatures): the axis follows
   * the data, negative values included, with decimals.
   */
  values?: 'counts' | 'levels';
  /** Accessible name of the chart region (also how tests find it). */
  label: string;
}

const toMs = (x: string | number) => (typeof x === 'number' ? x : Date.parse(x));

/** Counts or levels over time, several series stacked or side by side. */
export function TimeSeriesChart({ series, kind = 'bar', stacked = true, height = 260, range, onZoom, yTitle, values = 'counts', label }: TimeSeriesChartProps) {
  // Ref so the chart's options (and so the chart itself) are not rebuilt when the parent re-renders.
  const zoomRef = React.useRef(onZoom);
  zoomRef.current = onZoom;

  // Counts are integers: small maxima get one tick per unit, larger ones a nice scale of 5 ticks.
  const maxY = React.useMemo(() => {
    const totals = new Map<number, number>();
    let max = 0;
    for (const s of series) {
      for (const p of s.points) {
        const v = stacked ? (totals.get(toMs(p.x)) ?? 0) + p.y : p.y;
        totals.set(toMs(p.x), v);
        max = Math.max(max, v);
      }
    }
    return max;
  }, [series, stacked]);
  const smallScale = maxY <= 5;

  const options = React.useMemo<ApexOptions>(() => {
    const base = baseOptions();
    return {
      ...base,
      chart: {
        ...base.chart,
        type: kind,
        stacked,
        zoom: { enabled: !!onZoom, type: 'x', autoScaleYaxis: true },
        toolbar: { show: !!onZoom, tools: { download: false, selection: false, zoom: true, zoomin: false, zoomout: false, pan: false, reset: false } },
        events: {
          zoomed: (_chart, zoom) => {
            if (zoomRef.current && zoom?.xaxis?.min !== undefined && zoom.xaxis.max !== undefined) {
              zoomRef.current(new Date(zoom.xaxis.min), new Date(zoom.xaxis.max));
            }
          },
        },
      },
      colors: series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]),
      xaxis: {
        type: 'datetime',
        min: range?.from.getTime(),
        max: range?.to.getTime(),
        labels: { datetimeUTC: false },
      },
      yaxis:
        values === 'levels'
          ? {
              forceNiceScale: true,
              tickAmount: 5,
              title: yTitle ? { text: yTitle } : undefined,
              labels: { formatter: (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(4))) : '') },
            }
          : {
              min: 0,
              max: smallScale ? Math.max(1, maxY) : undefined,
              tickAmount: smallScale ? Math.max(1, maxY) : 5,
              forceNiceScale: !smallScale,
              title: yTitle ? { text: yTitle } : undefined,
              labels: { formatter: (v: number) => String(Math.round(v)) },
            },
      plotOptions: { bar: { columnWidth: '90%' } },
      // A level is a line: filling it down to the axis would suggest an amount.
      fill: kind === 'area' ? { type: 'solid', opacity: values === 'levels' ? 0 : 0.35 } : undefined,
      stroke: kind === 'area' ? { width: 1.5, curve: 'straight' } : { width: 0 },
      tooltip: { ...base.tooltip, x: { format: 'dd MMM HH:mm:ss' } },
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [kind, values, stacked, smallScale ? maxY : -1, !!onZoom, range?.from.getTime(), range?.to.getTime(), yTitle, series.map((s) => s.color).join()]);

  const apexSeries = React.useMemo(
    () => series.map((s) => ({ name: s.name, data: s.points.map((p) => ({ x: toMs(p.x), y: p.y })) })),
    [series],
  );

  return (
    <Box role="figure" aria-label={label} data-chart-kind={kind}>
      <Chart type={kind} series={apexSeries} options={options} height={height} />
    </Box>
  );
}
