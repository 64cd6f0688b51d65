/**
 * Battery lab "Experiments" page (docs/battery-data.md): every experiment, imported or live, in a table
 * sorted by any column and filtered by state, source, technology, battery, station, profile and the
 * period it ran in, searched by name (all on the server, kept in the URL); a row opens its preview: metadata,
 * voltage / current / temperature vs time (the monitor's downsampled series, never raw rows; dragging
 * across a chart re-queries that window, kept in the URL too), discharge capacity and coulombic efficiency vs cycle and the
 * cycle summary table, with the CSV (BDF) and HTML report downloads. Read with the lab monitor's permission.
 */
import * as React from 'react';
import { useSearchParams } from 'react-router-dom';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Box, Button, Flex, SingleSelect, SingleSelectOption, Table, Tbody, Td, TextInput, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Download } from '@strapi/icons';
import { PALETTE, ScatterChart, useCsvDownload, useDashboardQuery } from '../chart-kit';
import { MEASURES, MeasureChart } from '../lab/MeasureChart';
import { LAB_MONITOR_READ } from '../lab/permissions';
import type { SeriesPoint } from '../lab/types';

const API = '/data-exchange/lab/experiments';
const POINTS = 1000;
const PAGE_SIZE = 25;
const STATES = ['queued', 'running', 'paused', 'finished', 'error'];
/** The preview's time charts: the monitor's measures but power (an import seldom carries it). */
const PREVIEW_MEASURES = MEASURES.filter((m) => m.key !== 'power_w');
/** Table columns and the server's `sort` name of each. */
const COLUMNS: Array<{ label: string; sort: string }> = [
  { label: 'Name', sort: 'name' },
  { label: 'Battery', sort: 'battery' },
  { label: 'Technology', sort: 'technology' },
  { label: 'Station', sort: 'station' },
  { label: 'Profile', sort: 'profile' },
  { label: 'State', sort: 'state' },
  { label: 'Source', sort: 'source' },
  { label: 'Samples', sort: 'samples' },
  { label: 'Started', sort: 'started' },
  { label: 'Finished', sort: 'finished' },
  { label: 'Cycles', sort: 'cycles' },
];
/** URL parameters of the filters (all reset together by "Clear filters"). */
const FILTERS = ['q', 'state', 'source', 'technology', 'battery', 'station', 'profile', 'from', 'to'];

interface FilterOptions {
  technologies: string[];
  batteries: Array<{ id: number; name: string; technology: string | null }>;
  stations: Array<{ id: number; name: string }>;
  profiles: Array<{ id: number; name: string }>;
}

interface ExperimentRow {
  id: number;
  name: string;
  state: string;
  source: string | null;
  battery: string | null;
  technology: string | null;
  station: string | null;
  profile: string | null;
  sample_count: number | null;
  started_at: string | null;
  finished_at: string | null;
  cycles: number;
}

interface CycleRow {
  cycle_index: number;
  samples: number;
  start: string | null;
  duration_s: number | null;
  charge_capacity_ah: number | null;
  discharge_capacity_ah: number | null;
  charge_energy_wh: number | null;
  discharge_energy_wh: number | null;
  coulombic_efficiency: number | null;
  energy_efficiency: number | null;
  min_voltage_v: number | null;
  max_voltage_v: number | null;
  mean_temperature_c: number | null;
  capacity_retention: number | null;
}

interface ExperimentDetail extends Omit<ExperimentRow, 'battery' | 'technology' | 'profile' | 'cycles'> {
  description: string | null;
  state_reason: string | null;
  queued_at: string | null;
  battery: { name: string; technology?: string | null; manufacturer?: string | null; model?: string | null } | null;
  profile: { name: string } | null;
  cycle_summary: { cycles?: CycleRow[] } | null;
}

const date = (v: string | null) => (v ? new Date(v).toLocaleString() : '—');
const time = (ms: number) => new Date(ms).toLocaleString();
/** A `YYYY-MM-DD` of the date inputs as an instant: the start or the last millisecond of that local day. */
const dayBound = (day: string, end: boolean) => {
  const [y, m, d] = day.split('-').map(Number);
  return y && m && d ? (end ? new Date(y, m - 1, d, 23, 59, 59, 999) : new Date(y, m - 1, d)).toISOString() : undefined;
};
const num = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? '—' : Number(v.toPrecision(digits)).toString());

/** A window of the time charts (epoch ms); null is the whole experiment. */
type Zoom = { from: number; to: number } | null;
/** The `zoom` URL parameter: an ISO 8601 interval `<from>/<to>`, so a shared link shows the same window. */
const zoomParam = (zoom: Zoom) => (zoom ? `${new Date(zoom.from).toISOString()}/${new Date(zoom.to).toISOString()}` : null);
const parseZoom = (param: string | null): Zoom => {
  const [from, to] = (param ?? '').split('/').map((v) => Date.parse(v));
  return Number.isFinite(from) && Number.isFinite(to) && from < to ? { from, to } : null;
};

function Preview({ id, zoom, setZoom }: { id: number; zoom: Zoom; setZoom: (zoom: Zoom) => void }) {
  const detail = useDashboardQuery<{ data: ExperimentDetail }>(`${API}/${id}/summary`, {});
  const series = useDashboardQuery<{ data: { points: SeriesPoint[]; bucketMs: number; total: number | null } }>(
    `/cycler-bridge/monitor/experiments/${id}/series`,
    { points: POINTS, from: zoom?.from, to: zoom?.to },
  );
  const range = React.useMemo(() => (zoom ? { from: new Date(zoom.from), to: new Date(zoom.to) } : undefined), [zoom]);
  const onZoom = (from: Date, to: Date) => setZoom({ from: from.getTime(), to: to.getTime() });
  const { downloadCsv, isDownloading } = useCsvDownload();
  const e = detail.data?.data;
  if (detail.error) return <Typography textColor="danger600">Could not load experiment {id}: {detail.error.message}</Typography>;
  if (!e) return <Typography>Loading…</Typography>;
  const points = series.data?.data.points ?? [];
  const shown = series.data?.data;
  const span = zoom ?? (points.length ? { from: points[0].t, to: points[points.length - 1].t } : null);
  const cycles = e.cycle_summary?.cycles ?? [];
  const battery = e.battery ? [e.battery.name, e.battery.technology, [e.battery.manufacturer, e.battery.model].filter(Boolean).join(' ')].filter(Boolean).join(' · ') : '—';
  const meta: Array<[string, string]> = [
    ['Battery', battery],
    ['Station', e.station ?? '—'],
    ['State', e.state_reason ? `${e.state} (${e.state_reason})` : e.state],
    ['Source', e.source ?? '—'],
    ['Profile', e.profile?.name ?? '—'],
    ['Started', date(e.started_at)],
    ['Finished', date(e.finished_at)],
    ['Samples', String(e.sample_count ?? 0)],
  ];
  return (
    <Box background="neutral0" padding={4} hasRadius shadow="tableShadow" data-testid="experiment-preview">
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Flex justifyContent="space-between" wrap="wrap" gap={2}>
          <Typography variant="beta" tag="h2">{e.name}</Typography>
          <Flex gap={2}>
            <Button startIcon={<Download />} variant="secondary" loading={isDownloading} onClick={() => downloadCsv(`${API}/${id}/export.csv`, `experiment-${id}.csv`)}>
              Download CSV (BDF)
            </Button>
            <Button startIcon={<Download />} variant="secondary" loading={isDownloading} onClick={() => downloadCsv(`${API}/${id}/report.html`, `experiment-${id}.html`)}>
              Download HTML report
            </Button>
          </Flex>
        </Flex>
        {e.description ? <Typography>{e.description}</Typography> : null}
        <Flex gap={6} wrap="wrap" tag="dl">
          {meta.map(([k, v]) => (
            <Box key={k}>
              <Typography variant="sigma" textColor="neutral600" tag="dt">{k}</Typography>
              <Typography tag="dd">{v}</Typography>
            </Box>
          ))}
        </Flex>
        <Flex gap={4} wrap="wrap">
          <Typography textColor="neutral600" data-testid="preview-points">
            {points.length} chart points{shown?.bucketMs ? ` (${(shown.bucketMs / 1000).toFixed(1)} s per point)` : ''}
            {/* The series route counts the window's samples only when it reads them (not from rollups). */}
            {typeof shown?.total === 'number' ? ` of ${shown.total} samples` : ''}
          </Typography>
          <Typography textColor="neutral600" data-testid="preview-window">
            {span ? `${zoom ? 'Zoomed to' : 'Whole experiment'}: ${time(span.from)} – ${time(span.to)}` : ''}
          </Typography>
          {zoom ? <Button variant="tertiary" size="S" onClick={() => setZoom(null)}>Reset zoom</Button> : <Typography textColor="neutral500">Drag across a chart to zoom.</Typography>}
        </Flex>
        <Flex gap={4} wrap="wrap" alignItems="stretch">
          {PREVIEW_MEASURES.map((m) => (
            // Keyed by the window: apexcharts forgets its own zoom state on a new chart.
            <Box key={`${m.key}-${zoom?.from ?? ''}-${zoom?.to ?? ''}`} flex="1" minWidth="320px">
              <MeasureChart measure={m} points={points} height={180} range={range} onZoom={onZoom} />
            </Box>
          ))}
        </Flex>
        <Flex gap={4} wrap="wrap" alignItems="stretch">
          <Box flex="1" minWidth="320px">
            <Typography variant="sigma">Discharge capacity (Ah) vs cycle</Typography>
            <ScatterChart label="Discharge capacity" height={200} xTitle="Cycle" yTitle="Ah" yDecimals={4} series={[{ name: 'Discharge capacity', color: PALETTE[4], points: cycles.filter((c) => c.discharge_capacity_ah !== null).map((c) => ({ x: c.cycle_index, y: c.discharge_capacity_ah! })) }]} />
          </Box>
          <Box flex="1" minWidth="320px">
            <Typography variant="sigma">Coulombic efficiency vs cycle</Typography>
            <ScatterChart label="Coulombic efficiency" height={200} xTitle="Cycle" yTitle="CE" yDecimals={3} series={[{ name: 'Coulombic efficiency', color: PALETTE[5], points: cycles.filter((c) => c.coulombic_efficiency !== null).map((c) => ({ x: c.cycle_index, y: c.coulombic_efficiency! })) }]} />
          </Box>
        </Flex>
        <Typography variant="delta" tag="h3">Cycle summary</Typography>
        {cycles.length ? (
          <Table colCount={12} rowCount={cycles.length + 1} aria-label="Cycle summary">
            <Thead>
              <Tr>
                {['Cycle', 'Samples', 'Start', 'Duration (s)', 'Charge Ah', 'Discharge Ah', 'Charge Wh', 'Discharge Wh', 'CE', 'EE', 'V min–max', 'Retention'].map((h) => (
                  <Th key={h}><Typography variant="sigma">{h}</Typography></Th>
                ))}
              </Tr>
            </Thead>
            <Tbody>
              {cycles.map((c) => (
                <Tr key={c.cycle_index}>
                  <Td>{c.cycle_index}</Td>
                  <Td>{c.samples}</Td>
                  <Td>{date(c.start)}</Td>
                  <Td>{num(c.duration_s, 6)}</Td>
                  <Td>{num(c.charge_capacity_ah)}</Td>
                  <Td>{num(c.discharge_capacity_ah)}</Td>
                  <Td>{num(c.charge_energy_wh)}</Td>
                  <Td>{num(c.discharge_energy_wh)}</Td>
                  <Td>{num(c.coulombic_efficiency, 3)}</Td>
                  <Td>{num(c.energy_efficiency, 3)}</Td>
                  <Td>{`${num(c.min_voltage_v)}–${num(c.max_voltage_v)}`}</Td>
                  <Td>{num(c.capacity_retention, 3)}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        ) : (
          <Typography>No cycle summary.</Typography>
        )}
      </Flex>
    </Box>
  );
}

function Experiments() {
  const [params, setParams] = useSearchParams();
  const setParam = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) v ? next.set(k, v) : next.delete(k);
    setParams(next);
  };
  const state = params.get('state') ?? '';
  const source = params.get('source') ?? '';
  const technology = params.get('technology') ?? '';
  const battery = params.get('battery') ?? '';
  const station = params.get('station') ?? '';
  const profile = params.get('profile') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const [sortColumn, sortDirection] = (params.get('sort') ?? '').split(':');
  const q = params.get('q') ?? '';
  const page = Number(params.get('page')) || 1;
  const selected = Number(params.get('experiment')) || null;
  const zoomText = params.get('zoom');
  const zoom = React.useMemo(() => parseZoom(zoomText), [zoomText]);
  const setZoom = (next: Zoom) => setParam({ zoom: zoomParam(next) });
  const [search, setSearch] = React.useState(q);
  // Typing searches after a pause, not on every key.
  React.useEffect(() => {
    const t = setTimeout(() => search !== q && setParam({ q: search || null, page: null }), 300);
    return () => clearTimeout(t);
  });
  const list = useDashboardQuery<{ data: ExperimentRow[]; meta: { pagination: { page: number; pageCount: number; total: number } } }>(API, {
    state: state || undefined,
    source: source || undefined,
    q: q || undefined,
    technology: technology || undefined,
    battery: battery || undefined,
    station: station || undefined,
    profile: profile || undefined,
    from: from ? dayBound(from, false) : undefined,
    to: to ? dayBound(to, true) : undefined,
    sort: sortColumn ? `${sortColumn}:${sortDirection === 'desc' ? 'desc' : 'asc'}` : undefined,
    page,
    pageSize: PAGE_SIZE,
  });
  const options = useDashboardQuery<{ data: FilterOptions }>(`${API}/filter-options`, {}).data?.data;
  // A header click sorts by its column, ascending first; a second click reverses.
  const sortBy = (column: string) =>
    setParam({ sort: `${column}:${sortColumn === column && sortDirection !== 'desc' ? 'desc' : 'asc'}`, page: null });
  const select = (label: string, key: string, value: string, placeholder: string, choices: Array<{ value: string; label: string }>) => (
    <Box minWidth="180px">
      <SingleSelect aria-label={label} placeholder={placeholder} value={value} onChange={(v: string | number) => setParam({ [key]: String(v) || null, page: null })} onClear={() => setParam({ [key]: null, page: null })}>
        {choices.map((c) => <SingleSelectOption key={c.value} value={c.value}>{c.label}</SingleSelectOption>)}
      </SingleSelect>
    </Box>
  );
  const dateInput = (label: string, key: string, value: string) => (
    <Box minWidth="160px">
      <TextInput type="date" aria-label={label} value={value} onChange={(ev: React.ChangeEvent<HTMLInputElement>) => setParam({ [key]: ev.target.value || null, page: null })} />
    </Box>
  );
  const rows = list.data?.data ?? [];
  const pagination = list.data?.meta.pagination;

  return (
    <Layouts.Content>
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Flex gap={4} wrap="wrap" alignItems="flex-end">
          <Box minWidth="240px">
            <TextInput aria-label="Search by name" placeholder="Search name or description" value={search} onChange={(ev: React.ChangeEvent<HTMLInputElement>) => setSearch(ev.target.value)} />
          </Box>
          {select('State', 'state', state, 'Any state', STATES.map((v) => ({ value: v, label: v })))}
          {select('Source', 'source', source, 'Any source', ['imported', 'live'].map((v) => ({ value: v, label: v })))}
          {select('Technology', 'technology', technology, 'Any technology', (options?.technologies ?? []).map((v) => ({ value: v, label: v.replace(/_/g, ' ') })))}
          {select('Battery', 'battery', battery, 'Any battery', (options?.batteries ?? []).filter((b) => !technology || b.technology === technology).map((b) => ({ value: String(b.id), label: b.name })))}
          {select('Station', 'station', station, 'Any station', (options?.stations ?? []).map((b) => ({ value: String(b.id), label: b.name })))}
          {select('Profile', 'profile', profile, 'Any profile', (options?.profiles ?? []).map((b) => ({ value: String(b.id), label: b.name })))}
          <Flex gap={2} alignItems="center">
            <Typography textColor="neutral600">Ran</Typography>
            {dateInput('Ran from', 'from', from)}
            <Typography textColor="neutral600">to</Typography>
            {dateInput('Ran until', 'to', to)}
          </Flex>
          {FILTERS.some((k) => params.get(k)) ? (
            <Button variant="tertiary" onClick={() => { setSearch(''); setParam({ ...Object.fromEntries(FILTERS.map((k) => [k, null])), page: null }); }}>Clear filters</Button>
          ) : null}
          <Typography textColor="neutral600" data-testid="experiments-total">{pagination ? `${pagination.total} experiment${pagination.total === 1 ? '' : 's'}` : list.isLoading ? 'Loading…' : ''}</Typography>
        </Flex>
        {list.error ? <Typography textColor="danger600">{list.error.message}</Typography> : null}
        <Table colCount={COLUMNS.length} rowCount={rows.length + 1} aria-label="Experiments">
          <Thead>
            <Tr>
              {COLUMNS.map((c) => {
                const active = sortColumn === c.sort;
                const descending = active && sortDirection === 'desc';
                return (
                  <Th key={c.sort} aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'}>
                    <button type="button" onClick={() => sortBy(c.sort)} style={{ background: 'none', border: 0, padding: 0, cursor: 'pointer' }} aria-label={`Sort by ${c.label}`}>
                      <Typography variant="sigma" textColor={active ? 'primary600' : undefined}>{c.label}{active ? (descending ? ' ▼' : ' ▲') : ''}</Typography>
                    </button>
                  </Th>
                );
              })}
            </Tr>
          </Thead>
          <Tbody>
            {rows.map((r) => (
              <Tr key={r.id} onClick={() => setParam({ experiment: String(r.id), zoom: null })} style={{ cursor: 'pointer' }} aria-selected={r.id === selected} data-testid={`experiment-row-${r.id}`}>
                <Td><Typography fontWeight={r.id === selected ? 'bold' : undefined}>{r.name}</Typography></Td>
                <Td>{r.battery ?? '—'}</Td>
                <Td>{r.technology ? r.technology.replace(/_/g, ' ') : '—'}</Td>
                <Td>{r.station ?? '—'}</Td>
                <Td>{r.profile ?? '—'}</Td>
                <Td>{r.state}</Td>
                <Td>{r.source ?? '—'}</Td>
                <Td>{r.sample_count ?? 0}</Td>
                <Td>{date(r.started_at)}</Td>
                <Td>{date(r.finished_at)}</Td>
                <Td>{r.cycles}</Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
        {pagination && pagination.pageCount > 1 ? (
          <Flex gap={2}>
            <Button variant="tertiary" disabled={page <= 1} onClick={() => setParam({ page: String(page - 1) })}>Previous</Button>
            <Typography>Page {page} of {pagination.pageCount}</Typography>
            <Button variant="tertiary" disabled={page >= pagination.pageCount} onClick={() => setParam({ page: String(page + 1) })}>Next</Button>
          </Flex>
        ) : null}
        {selected ? <Preview key={selected} id={selected} zoom={zoom} setZoom={setZoom} /> : <Typography textColor="neutral600">Pick an experiment to preview it.</Typography>}
      </Flex>
    </Layouts.Content>
  );
}

export default function LabExperimentsPage() {
  return (
    <Page.Protect permissions={LAB_MONITOR_READ}>
      <Page.Title>Experiments</Page.Title>
      <Layouts.Header title="Experiments" subtitle="Battery lab experiments, imported and live: charts, cycle summary, CSV and HTML report" />
      <Experiments />
    </Page.Protect>
  );
}
