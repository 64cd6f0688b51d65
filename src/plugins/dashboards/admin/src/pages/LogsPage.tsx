import * as React from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { Layouts, Page } from '@strapi/strapi/admin';
import {
  Box,
  Button,
  Field,
  Flex,
  MultiSelect,
  MultiSelectOption,
  Switch,
  TextInput,
  Typography,
} from '@strapi/design-system';
import { Download } from '@strapi/icons';
import {
  SEVERITY_COLORS,
  TimeRangePicker,
  TimeSeriesChart,
  formatRange,
  parseRange,
  rangeBounds,
  rangeToParams,
  useCsvDownload,
  useDashboardQuery,
  withQuery,
  type TimeRange,
  type TimeSeries,
} from '../chart-kit';
import { LOGS_READ } from '../permissions';
import { LogsTable } from '../logs/LogsTable';
import { useLiveTail } from '../logs/useLiveTail';
import { useLogPages } from '../logs/useLogPages';
import { SEVERITIES, type LogEntryView, type LogStats, type Severity, type TailPayload } from '../logs/types';

const DEFAULT_RANGE: TimeRange = { kind: 'relative', last: '24h' };
const list = (value: string | null) => (value ? value.split(',').filter(Boolean) : []);

/** Filters live in the URL, so a filtered view (e.g. from the homepage widget) is a plain link. */
function useFilterState() {
  const location = useLocation();
  const navigate = useNavigate();
  const initial = React.useMemo(() => new URLSearchParams(location.search), []); // eslint-disable-line react-hooks/exhaustive-deps
  const [services, setServices] = React.useState<string[]>(list(initial.get('service')));
  const [severities, setSeverities] = React.useState<string[]>(list(initial.get('severity')).filter((s) => (SEVERITIES as readonly string[]).includes(s)));
  const [range, setRange] = React.useState<TimeRange>(parseRange(initial.get('range'), DEFAULT_RANGE));
  const [text, setText] = React.useState(initial.get('q') ?? '');
  const [q, setQ] = React.useState(text);

  React.useEffect(() => {
    const t = setTimeout(() => setQ(text.trim()), 300); // one query per pause in typing, not per key
    return () => clearTimeout(t);
  }, [text]);

  React.useEffect(() => {
    const search = new URLSearchParams();
    if (services.length) search.set('service', services.join(','));
    if (severities.length) search.set('severity', severities.join(','));
    search.set('range', formatRange(range));
    if (q) search.set('q', q);
    navigate({ search: `?${search.toString()}` }, { replace: true });
  }, [services, severities, range, q, navigate]);

  return { services, setServices, severities, setSeverities, range, setRange, text, setText, q };
}

function histogramSeries(stats: LogStats | undefined): TimeSeries[] {
  const buckets = stats?.histogram.buckets ?? [];
  return SEVERITIES.map((severity) => ({
    name: severity,
    color: SEVERITY_COLORS[severity],
    points: buckets.map((b) => ({ x: b.start, y: b.counts[severity] ?? 0 })),
  }));
}

interface LiveFilter {
  services: string[];
  severities: string[];
  q: string;
  range: TimeRange;
}

/** Live lines arrive unfiltered; show only those the current filters (time range included) would find. */
const matches = (entry: LogEntryView, f: LiveFilter) =>
  (f.range.kind === 'relative' || (Date.parse(entry.timestamp) >= Date.parse(f.range.from) && Date.parse(entry.timestamp) <= Date.parse(f.range.to))) &&
  (!f.services.length || (entry.service !== null && f.services.includes(entry.service))) &&
  (!f.severities.length || f.severities.includes(entry.severity)) &&
  (!f.q || (entry.message ?? '').toLowerCase().includes(f.q.toLowerCase()));

function LogsDashboard() {
  const { services, setServices, severities, setSeverities, range, setRange, text, setText, q } = useFilterState();
  const [live, setLive] = React.useState(false);
  const params = React.useMemo(
    () => ({ service: services, severity: severities, ...rangeToParams(range), q }),
    [services, severities, range, q],
  );

  const serviceOptions = useDashboardQuery<{ data: { name: string; active: boolean }[] }>('/dashboards/logs/services');
  const stats = useDashboardQuery<{ data: LogStats }>('/dashboards/logs/stats', params);
  const pages = useLogPages(params);
  const { downloadCsv, isDownloading } = useCsvDownload();

  // The x axis spans the requested range, fixed when the stats arrive (a relative range keeps moving).
  const bounds = React.useMemo(() => rangeBounds(range), [range, stats.data]); // eslint-disable-line react-hooks/exhaustive-deps
  const series = React.useMemo(() => histogramSeries(stats.data?.data), [stats.data]);

  const filterRef = React.useRef<LiveFilter>({ services, severities, q, range });
  filterRef.current = { services, severities, q, range };
  const tail = useLiveTail(live, (payload: TailPayload) => {
    pages.prepend(payload.lines.filter((l) => matches(l, filterRef.current)), payload.skipped);
  });

  const onZoom = React.useCallback(
    (from: Date, to: Date) => setRange({ kind: 'absolute', from: from.toISOString(), to: to.toISOString() }),
    [setRange],
  );

  const total = stats.data?.data.total;
  return (
    <Page.Main>
      <Page.Title>Logs</Page.Title>
      <Layouts.Header
        title="Logs"
        subtitle={total === undefined ? 'Entries received from every service' : `${total.toLocaleString()} entries match`}
        primaryAction={
          <Button
            startIcon={<Download />}
            variant="secondary"
            loading={isDownloading}
            onClick={() => downloadCsv(withQuery('/dashboards/logs/export', { ...params, format: 'csv' }), 'logs.csv')}
          >
            Download CSV of this query
          </Button>
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={4}>
          <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius>
            <Flex gap={3} alignItems="flex-end" wrap="wrap">
              <Field.Root name="service" minWidth="200px">
                <Field.Label>Services</Field.Label>
                <MultiSelect placeholder="All services" value={services} onChange={setServices} withTags onClear={() => setServices([])}>
                  {(serviceOptions.data?.data ?? []).map((s) => (
                    <MultiSelectOption key={s.name} value={s.name}>
                      {s.name}
                    </MultiSelectOption>
                  ))}
                </MultiSelect>
              </Field.Root>
              <Field.Root name="severity" minWidth="200px">
                <Field.Label>Severities</Field.Label>
                <MultiSelect placeholder="All severities" value={severities} onChange={setSeverities} withTags onClear={() => setSeverities([])}>
                  {SEVERITIES.map((s: Severity) => (
                    <MultiSelectOption key={s} value={s}>
                      {s}
                    </MultiSelectOption>
                  ))}
                </MultiSelect>
              </Field.Root>
              <TimeRangePicker value={range} onChange={setRange} />
              <Field.Root name="q" minWidth="220px">
                <Field.Label>Message contains</Field.Label>
                <TextInput placeholder="Search text" value={text} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setText(e.target.value)} />
              </Field.Root>
              <Field.Root name="live">
                <Field.Label>Live tail</Field.Label>
                <Flex gap={2} paddingTop={2} paddingBottom={2}>
                  <Switch aria-label="Live tail" checked={live} onCheckedChange={setLive} />
                  <Typography variant="pi" textColor={typeof tail === 'object' ? 'danger600' : 'neutral600'} data-testid="live-status">
                    {typeof tail === 'object' ? `Live tail unavailable: ${tail.error}` : tail === 'live' ? 'Streaming new lines' : tail === 'connecting' ? 'Connecting…' : 'Off'}
                  </Typography>
                </Flex>
              </Field.Root>
            </Flex>
          </Box>

          <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius>
            <Flex justifyContent="space-between">
              <Typography variant="delta" tag="h2">
                Entries by severity over time
              </Typography>
              <Typography variant="pi" textColor="neutral500">
                {stats.data ? `${stats.data.data.histogram.bucketSeconds} s per bar · drag across the chart to zoom` : stats.isLoading ? 'Loading…' : ''}
              </Typography>
            </Flex>
            {stats.error ? (
              <Typography textColor="danger600">Could not load statistics: {stats.error.message}</Typography>
            ) : (
              <TimeSeriesChart label="Log histogram" series={series} kind="bar" stacked range={bounds} onZoom={onZoom} height={240} />
            )}
          </Box>

          <Box background="neutral0" shadow="tableShadow" hasRadius>
            {pages.error && (
              <Box padding={4}>
                <Typography textColor="danger600">Could not load entries: {pages.error.message}</Typography>
              </Box>
            )}
            <LogsTable rows={pages.rows} hasMore={pages.hasMore} isLoading={pages.isLoading} onLoadMore={pages.loadMore} />
          </Box>
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
}

export default function LogsPage() {
  return (
    <Page.Protect permissions={LOGS_READ}>
      <LogsDashboard />
    </Page.Protect>
  );
}
