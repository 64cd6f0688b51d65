import type { ApexOptions } from 'apexcharts';

/** Colours of log severities, shared by every chart and badge that shows them. */
export const SEVERITY_COLORS: Record<string, string> = {
  DEBUG: '#a5a5ba',
  INFO: '#4945ff',
  WARN: '#f29d41',
  ERROR: '#ee5e52',
  FATAL: '#8a1c12',
};

/** Palette for series without a fixed colour (Strapi's primary, then distinguishable hues). */
export const PALETTE = ['#4945ff', '#328048', '#f29d41', '#ee5e52', '#0c75af', '#9736e8', '#666687', '#d9822f'];

/** Defaults every kit chart starts from: no animation (dashboards redraw often), the admin's font. */
export const baseOptions = (): ApexOptions => ({
  chart: {
    fontFamily: 'inherit',
    animations: { enabled: false },
    toolbar: { show: false },
    zoom: { enabled: false },
  },
  dataLabels: { enabled: false },
  legend: { position: 'top', horizontalAlign: 'left' },
  grid: { borderColor: '#eaeaef' },
  tooltip: { theme: 'light' },
});
