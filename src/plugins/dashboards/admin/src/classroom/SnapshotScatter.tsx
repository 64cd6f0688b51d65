import * as React from 'react';
import Chart from 'react-apexcharts';
import type { ApexOptions } from 'apexcharts';
import { Box } from '@strapi/design-system';
import { baseOptions } from '../chart-kit';
import type { ClassroomStudent, SnapshotColor, SnapshotPoint } from '../../../server/src/classroom/contract';
import { SNAPSHOT_COLORS } from './colors';

export const studentLabel = (s: ClassroomStudent) => (s.name ? `${s.uid} · ${s.name}` : s.uid);

const SERIES: Array<{ color: SnapshotColor; name: string }> = [
  { color: 'red', name: 'Some error' },
  { color: 'green', name: 'Output, nothing empty' },
  { color: 'blue', name: 'Other' },
];

/**
 * Snapshots over time, one row per student (in the order given), bubble size growing with the share of
 * graded cells that produced output. Clicking a bubble selects its student.
 */
export function SnapshotScatter({ points, students, onSelect }: { points: SnapshotPoint[]; students: ClassroomStudent[]; onSelect?: (uid: string) => void }) {
  const row = React.useMemo(() => new Map(students.map((s, i) => [s.uid, students.length - 1 - i])), [students]);
  const series = React.useMemo(
    () =>
      SERIES.map(({ color, name }) => ({
        name,
        data: points.filter((p) => p.color === color && row.has(p.uid)).map((p) => ({ x: Date.parse(p.takenAt), y: row.get(p.uid)!, z: 1 + Math.round(p.outputShare * 9), uid: p.uid })),
      })),
    [points, row],
  );
  const xRange = React.useMemo(() => {
    if (!points.length) return null;
    const times = points.map((p) => Date.parse(p.takenAt));
    const lo = Math.min(...times);
    const hi = Math.max(...times);
    const pad = Math.max((hi - lo) * 0.04, 30 * 60_000);
    return [lo - pad, hi + pad] as const;
  }, [points]);
  const options = React.useMemo<ApexOptions>(() => {
    const base = baseOptions();
    return {
      ...base,
      chart: {
        ...base.chart,
        type: 'bubble',
        events: {
          dataPointSelection: (_e: unknown, _c: unknown, opts?: { seriesIndex?: number; dataPointIndex?: number }) => {
            const p = (series[opts?.seriesIndex ?? -1]?.data[opts?.dataPointIndex ?? -1] as { uid?: string } | undefined)?.uid;
            if (p) onSelect?.(p);
          },
        },
      },
      colors: SERIES.map((s) => SNAPSHOT_COLORS[s.color]),
      fill: { opacity: 0.75 },
      plotOptions: { bubble: { minBubbleRadius: 4, maxBubbleRadius: 14, zScaling: false } },
      // A margin on both sides so the first and last bubbles are not cut in half.
      xaxis: { type: 'datetime', labels: { datetimeUTC: false }, min: xRange ? xRange[0] : undefined, max: xRange ? xRange[1] : undefined },
      // Integer ticks from -1 to n: tick i (0..n-1) is a student, the two ends stay blank.
      yaxis: {
        min: -1,
        max: students.length,
        tickAmount: students.length + 1,
        labels: {
          minWidth: 80,
          formatter: (v: number) => {
            const i = Math.round(v);
            const s = Math.abs(v - i) < 0.01 ? students[students.length - 1 - i] : undefined;
            return s ? studentLabel(s) : '';
          },
        },
      },
      tooltip: { theme: 'light', x: { format: 'yyyy-MM-dd HH:mm' } },
    };
  }, [students, series, onSelect, xRange]);
  return (
    <Box
      role="figure"
      aria-label="Snapshots over time"
      data-chart-kind="bubble"
      data-points={points.length}
      data-red={series[0].data.length}
      data-green={series[1].data.length}
      data-blue={series[2].data.length}
    >
      <Chart type="bubble" series={series} options={options} height={Math.max(220, 60 + students.length * 34)} />
    </Box>
  );
}
