/**
 * Chart kit shared by every Tallyboard dashboard (docs/dashboards.md): charts on react-apexcharts, a
 * time range picker, data fetching with the admin's session, and CSV downloads.
 */
export { TimeSeriesChart, type TimeSeries, type TimePoint, type TimeSeriesChartProps } from './TimeSeriesChart';
export { BarChart, type BarChartProps } from './BarChart';
export { ScatterChart, type ScatterChartProps } from './ScatterChart';
export { TimeRangePicker, type TimeRangePickerProps } from './TimeRangePicker';
export { useDashboardQuery, type DashboardQuery } from './useDashboardQuery';
export { useCsvDownload, saveBlob } from './downloadCsv';
export { buildQuery, withQuery, type QueryParams, type QueryValue } from './query';
export { RELATIVE_RANGES, formatRange, parseRange, rangeBounds, rangeToParams, type RelativeRange, type TimeRange } from './timeRange';
export { PALETTE, SEVERITY_COLORS, baseOptions } from './theme';
