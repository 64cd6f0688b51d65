import * as React from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Box, Button, Field, Flex, Grid, SingleSelect, SingleSelectOption, TextInput, Typography } from '@strapi/design-system';
import {
  BarChart,
  PALETTE,
  TimeRangePicker,
  TimeSeriesChart,
  formatRange,
  parseRange,
  rangeToParams,
  useDashboardQuery,
  type TimeRange,
} from '../chart-kit';
import { ChartCard } from '../robotics/ChartCard';
import { ROBOTICS_READ } from '../robotics/permissions';
import type { RoboticsCharts, RoboticsOptions } from '../robotics/types';

const FILTERS = ['user', 'exercise', 'type', 'host'] as const;
type Filter = (typeof FILTERS)[number];
const FILTER_LABELS: Record<Filter, string> = { user: 'User', exercise: 'Exercise', type: 'Simulation type', host: 'Host' };
const ALL = '__all__';

/** Range (or all data) and filters live in the URL, so a filtered view is a link. */
function useRoboticsFilters() {
  const location = useLocation();
  const navigate = useNavigate();
  const initial = React.useMemo(() => new URLSearchParams(location.search), []); // eslint-disable-line react-hooks/exhaustive-deps
  const rangeText = initial.get('range');
  const [range, setRange] = React.useState<TimeRange | null>(rangeText && rangeText !== 'all' ? parseRange(rangeText, { kind: 'relative', last: '30d' }) : null);
  const [filters, setFilters] = React.useState<Record<Filter, string>>(() => Object.fromEntries(FILTERS.map((f) => [f, initial.get(f) ?? ''])) as Record<Filter, string>);
  const [top, setTop] = React.useState(initial.get('top') ?? '10');
  React.useEffect(() => {
    const search = new URLSearchParams();
    search.set('range', range ? formatRange(range) : 'all');
    for (const f of FILTERS) if (filters[f]) search.set(f, filters[f]);
    if (top !== '10') search.set('top', top);
    navigate({ search: `?${search.toString()}` }, { replace: true });
  }, [range, filters, top, navigate]);
  return { range, setRange, filters, setFilters, top, setTop };
}

const RoboticsDashboard = () => {
  const { range, setRange, filters, setFilters, top, setTop } = useRoboticsFilters();
  const params = React.useMemo(() => ({ ...(range ? rangeToParams(range) : {}), ...filters, top: /^\d+$/.test(top) ? top : '10' }), [range, filters, top]);
  const { data, error, isLoading } = useDashboardQuery<{ data: RoboticsCharts }>('/dashboards/robotics/charts', params);
  const options = useDashboardQuery<{ data: RoboticsOptions }>('/dashboards/robotics/options', {}).data?.data;
  const charts = data?.data;
  const optionValues: Record<Filter, string[]> = {
    user: options?.users ?? [],
    exercise: options?.exercises ?? [],
    type: options?.types ?? [],
    host: options?.hosts ?? [],
  };
  const chartRange = charts?.range.from && charts.range.to ? { from: new Date(charts.range.from), to: new Date(charts.range.to) } : undefined;
  const dayPoints = (charts?.simulationsPerDay ?? []).map((d) => ({ x: `${d.day}T12:00:00Z`, y: d.simulations }));

  return (
    <Page.Main>
      <Page.Title>Robotics</Page.Title>
      <Layouts.Header
        title="Robotics"
        subtitle={
          charts
            ? `${charts.totals.simulations.toLocaleString()} simulations (${charts.totals.openSimulations} without an end, ${charts.totals.simulationsWithoutStart} without a start), ${charts.totals.sessions.toLocaleString()} sessions, ${charts.totals.errors} server errors · times in ${charts.range.timeZone}`
            : 'Usage of the robotics-teaching platform, from its imported logs'
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={4}>
          <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius>
            <Flex gap={4} wrap="wrap" alignItems="flex-end">
              <Flex direction="column" alignItems="flex-start" gap={1}>
                <Flex gap={2} alignItems="flex-end">
                  <Button variant={range ? 'tertiary' : 'secondary'} onClick={() => setRange(null)} aria-pressed={!range}>
                    All data
                  </Button>
                  <TimeRangePicker value={range ?? { kind: 'relative', last: '30d' }} onChange={setRange} />
                </Flex>
              </Flex>
              {FILTERS.map((f) => (
                <Box key={f} minWidth="180px">
                  <Field.Root name={f}>
                    <Field.Label>{FILTER_LABELS[f]}</Field.Label>
                    <SingleSelect
                      aria-label={FILTER_LABELS[f]}
                      value={filters[f] || ALL}
                      onChange={(value: string | number) => setFilters((current) => ({ ...current, [f]: value === ALL ? '' : String(value) }))}
                    >
                      <SingleSelectOption value={ALL}>All</SingleSelectOption>
                      {optionValues[f].map((v) => (
                        <SingleSelectOption key={v} value={v}>
                          {v}
                        </SingleSelectOption>
                      ))}
                    </SingleSelect>
                  </Field.Root>
                </Box>
              ))}
              <Box width="90px">
                <Field.Root name="top">
                  <Field.Label>Top N users</Field.Label>
                  <TextInput value={top} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setTop(e.target.value)} />
                </Field.Root>
              </Box>
            </Flex>
          </Box>

          {error ? (
            <Box background="danger100" padding={4} hasRadius>
              <Typography textColor="danger700">Could not load the charts: {error.message}</Typography>
            </Box>
          ) : null}
          {isLoading && !charts ? <Typography>Loading…</Typography> : null}

          {charts ? (
            <Grid.Root gap={4}>
              <Grid.Item col={8} s={12} direction="column" alignItems="stretch">
                <ChartCard title="Simulations per day" chart="simulations-per-day" params={params} empty={!charts.totals.simulations}>
                  <TimeSeriesChart label="Simulations per day" series={[{ name: 'simulations', points: dayPoints, color: PALETTE[0] }]} range={chartRange} stacked={false} />
                </ChartCard>
              </Grid.Item>
              <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
                <ChartCard title="Simulations per hour of day" chart="simulations-per-hour" params={params} empty={!charts.totals.simulations}>
                  <BarChart label="Simulations per hour of day" labelEvery={3} categories={charts.simulationsPerHourOfDay.map((h) => String(h.hour).padStart(2, '0'))} series={[{ name: 'simulations', values: charts.simulationsPerHourOfDay.map((h) => h.simulations) }]} />
                </ChartCard>
              </Grid.Item>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                <ChartCard title={`Top ${charts.topUsers.length} users`} chart="top-users" params={params} empty={!charts.topUsers.length}>
                  <BarChart
                    label="Sessions and simulations per user"
                    horizontal
                    categories={charts.topUsers.map((u) => u.user)}
                    series={[
                      { name: 'simulations', values: charts.topUsers.map((u) => u.simulations) },
                      { name: 'sessions', values: charts.topUsers.map((u) => u.sessions) },
                    ]}
                    height={Math.max(260, charts.topUsers.length * 28)}
                    onSelect={(user) => setFilters((c) => ({ ...c, user }))}
                  />
                </ChartCard>
              </Grid.Item>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                <ChartCard title="Simulations per exercise" chart="per-exercise" params={params} empty={!charts.perExercise.length}>
                  <BarChart label="Simulations per exercise" horizontal categories={charts.perExercise.map((e) => e.exercise)} series={[{ name: 'simulations', values: charts.perExercise.map((e) => e.simulations) }]} onSelect={(exercise) => setFilters((c) => ({ ...c, exercise }))} />
                </ChartCard>
              </Grid.Item>
              <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
                <ChartCard title="Simulations by type" chart="by-type" params={params} empty={!charts.bySimulationType.length}>
                  <BarChart label="Simulations by type" categories={charts.bySimulationType.map((t) => t.type)} series={[{ name: 'simulations', values: charts.bySimulationType.map((t) => t.simulations) }]} onSelect={(type) => setFilters((c) => ({ ...c, type }))} />
                </ChartCard>
              </Grid.Item>
              <Grid.Item col={8} s={12} direction="column" alignItems="stretch">
                <ChartCard title="Simulations per host (peak concurrency vs max_simulations)" chart="per-host" params={params} empty={!charts.perHost.length}>
                  <BarChart
                    label="Simulations per host"
                    categories={charts.perHost.map((h) => h.host)}
                    series={[
                      { name: 'simulations', values: charts.perHost.map((h) => h.simulations) },
                      { name: 'peak concurrency', values: charts.perHost.map((h) => h.peak_concurrency) },
                      { name: 'max_simulations', values: charts.perHost.map((h) => h.max_simulations ?? 0) },
                    ]}
                    onSelect={(host) => setFilters((c) => ({ ...c, host }))}
                  />
                </ChartCard>
              </Grid.Item>
              <Grid.Item col={12} direction="column" alignItems="stretch">
                <ChartCard title={`Running simulations per host (peak per ${charts.range.bucket}; max_simulations in the legend)`} chart="host-concurrency" params={params} empty={!charts.hostConcurrency.length}>
                  <TimeSeriesChart
                    label="Concurrent simulations per host"
                    kind="area"
                    stacked={false}
                    range={chartRange}
                    onZoom={(from, to) => setRange({ kind: 'absolute', from: from.toISOString(), to: to.toISOString() })}
                    // The kit's area chart would fill a max_simulations series over the data: the limit is
                    // compared with the peak in the per-host chart above, and shown in the legend here.
                    series={charts.hostConcurrency.map((h, i) => ({
                      name: h.max_simulations === null ? h.host : `${h.host} (max ${h.max_simulations})`,
                      color: PALETTE[i % PALETTE.length],
                      points: h.points.map((p) => ({ x: p.t, y: p.running })),
                    }))}
                  />
                </ChartCard>
              </Grid.Item>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                <ChartCard title="Duration of simulations" chart="durations" params={params} empty={!charts.durations.some((d) => d.simulations)}>
                  <BarChart label="Duration distribution" categories={charts.durations.map((d) => d.range)} series={[{ name: 'simulations', values: charts.durations.map((d) => d.simulations) }]} />
                </ChartCard>
              </Grid.Item>
              <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
                <ChartCard title="Server errors over time" chart="errors-over-time" params={params} empty={!charts.errorsOverTime.length}>
                  <TimeSeriesChart label="Errors over time" series={[{ name: 'errors', color: '#d02b20', points: charts.errorsOverTime.map((e) => ({ x: e.t, y: e.errors })) }]} range={chartRange} />
                </ChartCard>
              </Grid.Item>
              <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
                <ChartCard title="Browsers" chart="browsers" params={params} empty={!charts.browsers.length}>
                  <BarChart label="Sessions per browser" horizontal categories={charts.browsers.map((b) => b.browser)} series={[{ name: 'sessions', values: charts.browsers.map((b) => b.sessions) }]} />
                </ChartCard>
              </Grid.Item>
              <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
                <ChartCard title="Operating systems" chart="operating-systems" params={params} empty={!charts.operatingSystems.length}>
                  <BarChart label="Sessions per operating system" horizontal categories={charts.operatingSystems.map((o) => o.os)} series={[{ name: 'sessions', values: charts.operatingSystems.map((o) => o.sessions) }]} />
                </ChartCard>
              </Grid.Item>
              <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
                <ChartCard title="Devices" chart="devices" params={params} empty={!charts.devices.length}>
                  <BarChart label="Sessions per device type" horizontal categories={charts.devices.map((d) => d.device)} series={[{ name: 'sessions', values: charts.devices.map((d) => d.sessions) }]} />
                </ChartCard>
              </Grid.Item>
            </Grid.Root>
          ) : null}
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};

const RoboticsPage = () => (
  <Page.Protect permissions={ROBOTICS_READ}>
    <RoboticsDashboard />
  </Page.Protect>
);

export default RoboticsPage;
