import ApexCharts from 'apexcharts/core'; // bare class: only the chart type this page draws is bundled
import 'apexcharts/scatter';
import { baseOptions } from '../../../dashboards/admin/src/chart-kit/theme';
import type { PublicStatistics } from '../../contract';
import { formatClock, formatDuration } from '../shared/format';

/**
 * Scatter of the last 100 lap times against their start, on the dashboards' chart defaults (no
 * animation: it redraws at every lap) with colours for the dark audience screens. The x axis is written
 * in the race's time zone, not the viewer's.
 */
export class LapScatter {
  private chart: ApexCharts | undefined;
  private timezone: string | undefined;

  constructor(private readonly el: HTMLElement) {}

  show(stats: PublicStatistics): void {
    this.timezone = stats.race.timezone;
    const data = stats.recentLaps.map((lap) => ({ x: Date.parse(lap.startedAt), y: Math.round(lap.durationMs / 100) / 10 }));
    this.el.dataset.points = String(data.length);
    const series = [{ name: 'Lap time', data }];
    if (this.chart) {
      void this.chart.updateSeries(series, false);
      return;
    }
    const base = baseOptions();
    this.chart = new ApexCharts(this.el, {
      ...base,
      chart: { ...base.chart, type: 'scatter', height: 300, foreColor: '#c9d1e4', background: 'transparent' },
      series,
      colors: ['#7b79ff'],
      grid: { borderColor: '#2c3350' },
      markers: { size: 5, strokeWidth: 0 },
      legend: { show: false },
      tooltip: { theme: 'dark', x: { formatter: (x: number) => formatClock(new Date(x).toISOString(), this.timezone, true) }, y: { formatter: (s: number) => formatDuration(s * 1000) } },
      // Axis labels readable from a few metres away on the big display.
      xaxis: { type: 'datetime', labels: { style: { fontSize: '14px' }, formatter: (_: string, x?: number) => (x === undefined ? '' : formatClock(new Date(x).toISOString(), this.timezone)) } },
      yaxis: { title: { text: 'lap time', style: { fontSize: '14px' } }, labels: { style: { fontSize: '14px' }, formatter: (s: number) => formatDuration(s * 1000).replace(/\.\d$/, '') } },
      noData: { text: 'No laps yet' },
    });
    void this.chart.render();
  }
}
