import * as React from 'react';
import { useSearchParams } from 'react-router-dom';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Box, Button, Flex, SingleSelect, SingleSelectOption, Typography } from '@strapi/design-system';
import { Download } from '@strapi/icons';
import { useCsvDownload, useDashboardQuery, withQuery } from '../chart-kit';
import { MEASURES, MeasureChart } from '../lab/MeasureChart';
import { LAB_MONITOR_READ } from '../lab/permissions';
import type { ExperimentView, LivePush, SeriesPoint, StationView } from '../lab/types';
import { useLabLive } from '../lab/useLabLive';

const RANGES = [
  { id: '1m', label: 'Last 1 min', ms: 60_000 },
  { id: '5m', label: '5 min', ms: 300_000 },
  { id: '15m', label: '15 min', ms: 900_000 },
  { id: '60m', label: '60 min', ms: 3_600_000 },
  { id: 'all', label: 'Whole experiment', ms: 0 },
];
/** Points asked of the server per window: the browser never holds a raw series beyond this. */
const POINTS = 1000;

function Monitor() {
  const [params, setParams] = useSearchParams();
  const stationName = params.get('station');
  const rangeId = params.get('range') ?? '5m';
  const zoom = params.get('from') && params.get('to') ? { from: Number(params.get('from')), to: Number(params.get('to')) } : null;
  const stations = useDashboardQuery<{ data: StationView[] }>('/cycler-bridge/monitor/stations', {});
  const running = (stations.data?.data ?? []).filter((s) => s.experiment);
  // ?experiment=<id> (the New-experiment page's hand-off) shows that experiment even while it is queued.
  const experimentParam = Number(params.get('experiment')) || null;
  const station = experimentParam
    ? running.find((s) => s.experiment!.id === experimentParam) ?? null
    : running.find((s) => s.name === stationName) ?? running[0] ?? null;
  const experimentId = experimentParam ?? station?.experiment?.id ?? null;
  const experiment = useDashboardQuery<{ data: ExperimentView }>(experimentId ? `/cycler-bridge/monitor/experiments/${experimentId}` : null, {});
  const [now, setNow] = React.useState(() => Date.now());
  const range = RANGES.find((r) => r.id === rangeId) ?? RANGES[1];
  const window = zoom ?? (range.ms ? { from: now - range.ms, to: now } : null);
  const seriesQuery = useDashboardQuery<{ data: { points: SeriesPoint[]; bucketMs: number; total: number } }>(
    experimentId ? `/cycler-bridge/monitor/experiments/${experimentId}/series` : null,
    { points: POINTS, from: window?.from, to: window?.to },
  );
  const [points, setPoints] = React.useState<SeriesPoint[]>([]);
  const [liveState, setLiveState] = React.useState<{ state?: string; current_step?: number | null }>({});
  React.useEffect(() => setPoints(seriesQuery.data?.data.points ?? []), [seriesQuery.data]);
  React.useEffect(() => setLiveState({}), [experimentId]);

  // New samples arrive in batches; zoomed views stay as queried.
  const live = useLabLive(experimentId, (push: LivePush) => {
    if (zoom) return;
    setPoints((current) => {
      const added = push.points.map(([t, voltage_v, current_a, power_w, temperature_c, step_index, cycle_index]) => ({ t, voltage_v, current_a, power_w, temperature_c, step_index, cycle_index }));
      const cutoff = range.ms ? Date.now() - range.ms : -Infinity;
      const merged = [...current, ...added].filter((p) => p.t >= cutoff);
      // Keep the browser's series bounded: thin evenly past twice the server's window.
      const stride = Math.ceil(merged.length / (2 * POINTS));
      return stride > 1 ? merged.filter((_, i) => i % stride === 0 || i === merged.length - 1) : merged;
    });
    setNow(Date.now());
  }, (state) => setLiveState((s) => ({ ...s, ...state })));

  const { downloadCsv, isDownloading } = useCsvDownload();
  const setParam = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) v === null ? next.delete(k) : next.set(k, v);
    setParams(next);
  };
  const view = experiment.data?.data;
  const stepIndex = liveState.current_step ?? view?.current_step ?? null;
  const last = points[points.length - 1];
  const step = view?.profile?.steps?.[last?.step_index ?? stepIndex ?? 0];
  const instructionLine = step ? view?.profile?.instructions.split(/\r\n|\r|\n/)[step.line - 1] : null;
  const visible = points.length ? { from: points[0].t, to: points[points.length - 1].t } : window;

  return (
    <Layouts.Content>
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Flex gap={4} wrap="wrap" alignItems="flex-end">
          <Box minWidth="240px">
            <SingleSelect
              aria-label="Station"
              placeholder={running.length ? 'Pick a running station' : 'No station is running an experiment'}
              value={station?.name ?? ''}
              onChange={(value: string | number) => setParam({ station: String(value), experiment: null, from: null, to: null })}
            >
              {running.map((s) => (
                <SingleSelectOption key={s.id} value={s.name}>{`${s.name} — ${s.experiment!.name}`}</SingleSelectOption>
              ))}
            </SingleSelect>
          </Box>
          <Flex gap={1} role="group" aria-label="Time range">
            {RANGES.map((r) => (
              <Button key={r.id} variant={!zoom && r.id === range.id ? 'default' : 'tertiary'} onClick={() => { setNow(Date.now()); setParam({ range: r.id, from: null, to: null }); }}>
                {r.label}
              </Button>
            ))}
          </Flex>
          <Button
            startIcon={<Download />}
            variant="secondary"
            loading={isDownloading}
            disabled={!experimentId}
            onClick={() => downloadCsv(withQuery(`/cycler-bridge/monitor/experiments/${experimentId}/export`, { from: visible?.from, to: visible?.to }), `experiment-${experimentId}.csv`)}
          >
            Download CSV of the visible range
          </Button>
        </Flex>
        {view ? (
          <Box background="neutral0" padding={4} hasRadius shadow="tableShadow">
            <Flex gap={6} wrap="wrap">
              <Typography variant="delta" data-testid="monitor-experiment">{view.name}</Typography>
              <Typography data-testid="monitor-station">Station: {view.station ?? '—'}</Typography>
              <Typography data-testid="monitor-state">State: {liveState.state ?? view.state}</Typography>
              <Typography data-testid="monitor-step">
                Step {(last?.step_index ?? stepIndex ?? 0) + 1}/{view.profile?.steps.length ?? '?'}: <code>{instructionLine ?? '—'}</code>
              </Typography>
              <Typography textColor="neutral600" data-testid="monitor-points">
                {points.length} points{seriesQuery.data?.data.bucketMs ? ` (${(seriesQuery.data.data.bucketMs / 1000).toFixed(1)} s per point)` : ''} · live: {live}
              </Typography>
              {zoom ? <Button variant="tertiary" onClick={() => setParam({ from: null, to: null })}>Reset zoom</Button> : null}
            </Flex>
          </Box>
        ) : null}
        {experimentId
          ? MEASURES.map((m) => (
              <Box key={m.key} background="neutral0" padding={4} hasRadius shadow="tableShadow">
                <MeasureChart measure={m} points={points} onZoom={(from, to) => setParam({ from: String(from.getTime()), to: String(to.getTime()) })} />
              </Box>
            ))
          : <Typography>No station is running an experiment.</Typography>}
      </Flex>
    </Layouts.Content>
  );
}

export default function LabMonitorPage() {
  return (
    <Page.Protect permissions={LAB_MONITOR_READ}>
      <Page.Title>Lab monitor</Page.Title>
      <Layouts.Header title="Lab monitor" subtitle="Running experiments: voltage, current, power and temperature, live" />
      <Monitor />
    </Page.Protect>
  );
}
