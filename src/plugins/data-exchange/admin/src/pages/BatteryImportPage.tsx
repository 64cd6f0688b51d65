import * as React from 'react';
import { Link as RouterLink, useSearchParams } from 'react-router-dom';
import { Layouts, Page, useFetchClient } from '@strapi/strapi/admin';
import {
  Box, Button, Field, Flex, Grid, LinkButton, SingleSelect, SingleSelectOption, Table, Tbody, Td, Textarea, TextInput, Th, Thead, Tr, Typography,
} from '@strapi/design-system';
import { FileInput } from '../../../../dashboards/admin/src/chart-kit/FileInput';
import { Progress as ProgressLine } from '../components/Progress';
import { BATTERY_IMPORT_URL, BATTERY_PREVIEW_URL, LAB_IMPORT_PERMISSIONS, LAB_MONITOR_PATH } from '../constants';

/** Target fields of a column (docs/battery-data.md); "" = ignore (kept in extra). */
const FIELDS = [
  'test_time_s', 'recorded_at', 'voltage_v', 'current_a', 'power_w', 'temperature_c', 'cycle_index', 'step_index',
  'charge_capacity_ah', 'discharge_capacity_ah', 'charge_energy_wh', 'discharge_energy_wh',
];
/** Units the server converts from, per field (SI is the default). */
const UNITS: Record<string, string[]> = {
  test_time_s: ['s', 'ms', 'min', 'h'],
  voltage_v: ['V', 'mV'],
  current_a: ['A', 'mA', 'µA'],
  power_w: ['W', 'mW', 'kW'],
  temperature_c: ['°C', 'K'],
  charge_capacity_ah: ['Ah', 'mAh'],
  discharge_capacity_ah: ['Ah', 'mAh'],
  charge_energy_wh: ['Wh', 'mWh', 'kWh'],
  discharge_energy_wh: ['Wh', 'mWh', 'kWh'],
};
/** The server sends units lower-cased (`mah`); shown as written in UNITS (`mAh`). */
const unitLabel = (field: string, unit: string) => UNITS[field]?.find((u) => u.toLowerCase() === unit.toLowerCase()) ?? unit;
const DATE_FORMATS = ['unix-s', 'unix-ms', 'iso', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY/MM/DD'];
const IGNORE = '-';
/** The import job the page polls (`?job=<id>` in the URL, so a reload finds it again). */
const importJobUrl = (id: string) => `/data-exchange/lab/experiments/import-jobs/${encodeURIComponent(id)}`;
const POLL_MS = 500;
/** File encodings the server decodes; none chosen: UTF-8, or UTF-16 by its byte order mark. */
const ENCODINGS = [
  { value: 'utf-8', label: 'UTF-8' },
  { value: 'windows-1252', label: 'Windows-1252 (Western)' },
  { value: 'latin1', label: 'Latin-1 (ISO-8859-1)' },
  { value: 'utf-16le', label: 'UTF-16LE' },
];

interface Column { column: string; field: string | null; unit: string | null }
interface Preview {
  format: string; delimiter: string; headerLine: number; currentSign: string; dateFormat: string | null; timezone: string; deriveCycles: boolean;
  columns: Column[]; rows: Array<{ line: number; cells: string[]; error?: string }>;
}
interface ImportResult { experiment: { id: number; documentId: string; name: string }; columnMapping?: { name: string }; station: string; format: string; rows: number; cycles: number; elapsedMs: number }
interface Problem { message: string; option?: string; line?: number; column?: string | null; value?: string | null }
interface Progress { percent: number; rows: number; rowsPerSecond: number; phase: 'upload' | 'import' }
interface ImportJob {
  id: string; state: 'running' | 'done' | 'failed'; rows: number; bytes: number; totalBytes: number; estimatedRows: number | null; rowsPerSecond: number;
  result?: ImportResult; error?: { message: string; details?: unknown };
}

/** A 400 body (or an NDJSON error line) as what the page shows: the option, or the line/column/value. */
const problemOf = (error: any): Problem => {
  const details = error?.details ?? {};
  return { message: error?.message ?? 'Request failed', option: details.errors?.[0]?.path?.[0], line: details.line, column: details.column, value: details.value };
};

/** A job's progress as the bar shows it: rows written of the rows the server expects (else bytes read); rows/s from the server's clock. */
const progressOf = (job: ImportJob): Progress => ({
  phase: 'import',
  percent: job.state === 'done' ? 100 : Math.min(99, Math.round(job.estimatedRows ? (100 * job.rows) / job.estimatedRows : (100 * job.bytes) / Math.max(1, job.totalBytes))),
  rows: job.rows,
  rowsPerSecond: job.rowsPerSecond,
});

function ProblemBox({ problem, testId }: { problem: Problem; testId: string }) {
  return (
    <Box background="danger100" padding={4} hasRadius borderColor="danger200" data-testid={testId} data-line={problem.line}>
      <Typography textColor="danger700" fontWeight="bold" tag="p">
        {problem.line !== undefined ? `Line ${problem.line}${problem.column ? `, column "${problem.column}"` : ''}${problem.value != null ? ` (value "${problem.value}")` : ''}` : problem.option ? `Option ${problem.option}` : 'Import refused'}
      </Typography>
      <Typography textColor="danger700" tag="p">{problem.message}</Typography>
      {problem.option === 'dateFormat' ? (
        <Typography textColor="danger700" tag="p">Pick the file's date format below and preview again.</Typography>
      ) : null}
    </Box>
  );
}

function BatteryImport() {
  const { get, post } = useFetchClient();
  const [searchParams, setSearchParams] = useSearchParams();
  const jobId = searchParams.get('job');
  const [file, setFile] = React.useState<File | null>(null);
  const [preview, setPreview] = React.useState<Preview | null>(null);
  const [columns, setColumns] = React.useState<Column[]>([]);
  const [edited, setEdited] = React.useState(false);
  const [dateFormat, setDateFormat] = React.useState('');
  const [savedMapping, setSavedMapping] = React.useState('');
  const [timezone, setTimezone] = React.useState('');
  const [encoding, setEncoding] = React.useState('');
  const [saveMappingAs, setSaveMappingAs] = React.useState('');
  const [mappings, setMappings] = React.useState<string[]>([]);
  const [batteries, setBatteries] = React.useState<Array<{ documentId: string; name: string }>>([]);
  const [battery, setBattery] = React.useState('');
  const [name, setName] = React.useState('');
  const [description, setDescription] = React.useState('');
  const [problem, setProblem] = React.useState<Problem | null>(null);
  const [busy, setBusy] = React.useState<'preview' | 'import' | null>(null);
  const [progress, setProgress] = React.useState<Progress | null>(null);
  const [result, setResult] = React.useState<ImportResult | null>(null);
  const [jobMissing, setJobMissing] = React.useState(false);
  const jobBox = React.useRef<HTMLDivElement>(null);
  const showJob = Boolean(progress || result || jobMissing);
  // The job's box is below the form: bring it into view when an import starts or the page reattaches.
  React.useEffect(() => {
    if (showJob) jobBox.current?.scrollIntoView?.({ block: 'nearest' });
  }, [showJob, jobId]);

  React.useEffect(() => {
    // The Lab technician reads lab types in the Content Manager; a role without it just gets empty lists.
    const list = (uid: string) => get<{ results: any[] }>(`/content-manager/collection-types/${uid}?page=1&pageSize=100&sort=name:ASC`).then((r) => r.data.results).catch(() => []);
    void list('api::lab.column-mapping').then((rows) => setMappings(rows.map((r) => r.name)));
    void list('api::lab.battery').then((rows) => setBatteries(rows.map((r) => ({ documentId: r.documentId, name: r.name }))));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  /** The options the user chose, as the routes' fields (a mapping only once the user changed a column). */
  const fields = (form: FormData, cols = columns, wasEdited = edited) => {
    if (savedMapping) form.append('columnMapping', savedMapping);
    if (dateFormat) form.append('dateFormat', dateFormat);
    if (timezone.trim()) form.append('timezone', timezone.trim());
    if (encoding) form.append('encoding', encoding);
    if (wasEdited) {
      form.append('mapping', JSON.stringify(Object.fromEntries(cols.map((c) => [c.column, c.field]))));
      const units = Object.fromEntries(cols.filter((c) => c.field && c.unit).map((c) => [c.field as string, c.unit as string]));
      if (Object.keys(units).length) form.append('units', JSON.stringify(units));
    }
    return form;
  };

  const runPreview = async (chosen: File | null = file, cols = columns, wasEdited = edited) => {
    if (!chosen) return;
    setBusy('preview');
    setProblem(null);
    setResult(null);
    try {
      const form = fields(new FormData(), cols, wasEdited);
      form.append('file', chosen, chosen.name);
      const res = await post<{ data: Preview }>(BATTERY_PREVIEW_URL, form);
      setPreview(res.data.data);
      setColumns(res.data.data.columns);
    } catch (error) {
      setPreview(null);
      setProblem(problemOf((error as any)?.response?.data?.error ?? error));
    } finally {
      setBusy(null);
    }
  };

  /** Starts the import as a job on the server (answered at once) and puts its id in the URL: the effect below polls it. */
  const runImport = async () => {
    if (!file) return;
    setBusy('import');
    setProblem(null);
    setResult(null);
    setJobMissing(false);
    setProgress({ phase: 'upload', percent: 0, rows: 0, rowsPerSecond: 0 });
    const form = fields(new FormData());
    form.append('name', name);
    if (description) form.append('description', description);
    if (battery) form.append('battery', battery);
    if (saveMappingAs.trim()) form.append('saveMappingAs', saveMappingAs.trim());
    form.append('file', file, file.name);
    try {
      const res = await post<{ data: ImportJob }>(BATTERY_IMPORT_URL, form);
      setProgress(progressOf(res.data.data));
      setSearchParams((params) => {
        const next = new URLSearchParams(params);
        next.set('job', res.data.data.id);
        return next;
      });
    } catch (error) {
      setBusy(null);
      setProgress(null);
      setProblem(problemOf((error as any)?.response?.data?.error ?? error));
    }
  };

  // Polls the job of the URL until it ends: after a start, and after a reload of the page (it reattaches).
  React.useEffect(() => {
    if (!jobId) return undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      let job: ImportJob;
      try {
        job = (await get<{ data: ImportJob }>(importJobUrl(jobId))).data.data;
      } catch (error) {
        if (stopped) return;
        setBusy(null);
        setProgress(null);
        if ((error as any)?.response?.status === 404 || (error as any)?.status === 404) setJobMissing(true);
        else setProblem(problemOf((error as any)?.response?.data?.error ?? error));
        return;
      }
      if (stopped) return;
      setJobMissing(false);
      if (job.state === 'running') {
        setBusy('import');
        setProgress(progressOf(job));
        timer = setTimeout(poll, POLL_MS);
        return;
      }
      setBusy(null);
      if (job.state === 'failed') {
        setProgress(null);
        setProblem(problemOf(job.error));
        return;
      }
      const done = job.result as ImportResult;
      setProgress({ ...progressOf(job), rowsPerSecond: done.elapsedMs > 0 ? Math.round((1000 * done.rows) / done.elapsedMs) : job.rowsPerSecond });
      setResult(done);
      const saved = done.columnMapping?.name;
      if (saved) {
        // Offered at once in the saved mappings' list; the field is emptied so a second import does not reuse the taken name.
        setMappings((names) => (names.includes(saved) ? names : [...names, saved].sort()));
        setSaveMappingAs('');
      }
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [jobId]);

  const setColumn = (index: number, change: Partial<Column>) => {
    setColumns((cols) => cols.map((c, i) => (i === index ? { ...c, ...change, ...(change.field !== undefined ? { unit: null } : {}) } : c)));
    setEdited(true);
  };

  return (
    <Layouts.Content>
      <Flex direction="column" alignItems="stretch" gap={6}>
        <Box background="neutral0" padding={6} hasRadius shadow="tableShadow">
          <Typography variant="delta" tag="h2">1. File</Typography>
          <Flex gap={4} paddingTop={4} alignItems="flex-end" wrap="wrap">
            <FileInput
              accept=".csv,.txt,text/csv"
              label="Cycler CSV file"
              testId="battery-file"
              onFile={(chosen) => {
                setFile(chosen);
                setEdited(false);
                setProgress(null);
                setJobMissing(false);
                if (chosen && !name) setName(chosen.name.replace(/\.[^.]+$/, ''));
                void runPreview(chosen, [], false);
              }}
            />
            <Box minWidth="240px">
              <Field.Root name="columnMapping" hint="Saved column mappings (Content Manager: Column mapping)">
                <Field.Label>Saved column mapping</Field.Label>
                <SingleSelect placeholder="None (detect the format)" value={savedMapping} onChange={(v: string | number) => setSavedMapping(String(v))} onClear={() => setSavedMapping('')}>
                  {mappings.map((m) => (
                    <SingleSelectOption key={m} value={m}>{m}</SingleSelectOption>
                  ))}
                </SingleSelect>
                <Field.Hint />
              </Field.Root>
            </Box>
            <Box minWidth="200px">
              <Field.Root name="dateFormat" hint="Detected when unambiguous">
                <Field.Label>Date format</Field.Label>
                <SingleSelect placeholder="Detect" value={dateFormat} onChange={(v: string | number) => setDateFormat(String(v))} onClear={() => setDateFormat('')} data-testid="date-format">
                  {DATE_FORMATS.map((f) => (
                    <SingleSelectOption key={f} value={f}>{f}</SingleSelectOption>
                  ))}
                </SingleSelect>
                <Field.Hint />
              </Field.Root>
            </Box>
            <Box minWidth="200px">
              <Field.Root name="timezone" hint="Of dates without an offset (IANA, e.g. Europe/Madrid)" error={problem?.option === 'timezone' ? problem.message : undefined}>
                <Field.Label>Time zone</Field.Label>
                <TextInput placeholder="UTC" value={timezone} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setTimezone(e.target.value)} />
                <Field.Hint />
                <Field.Error />
              </Field.Root>
            </Box>
            <Box minWidth="200px">
              <Field.Root name="encoding" hint="UTF-8 unless chosen (UTF-16 found by its BOM)">
                <Field.Label>Encoding</Field.Label>
                <SingleSelect placeholder="UTF-8" value={encoding} onChange={(v: string | number) => setEncoding(String(v))} onClear={() => setEncoding('')}>
                  {ENCODINGS.map((e) => (
                    <SingleSelectOption key={e.value} value={e.value}>{e.label}</SingleSelectOption>
                  ))}
                </SingleSelect>
                <Field.Hint />
              </Field.Root>
            </Box>
            <Button variant="secondary" onClick={() => runPreview()} disabled={!file || busy !== null} loading={busy === 'preview'}>
              Preview again
            </Button>
          </Flex>
        </Box>

        {problem ? <ProblemBox problem={problem} testId="import-problem" /> : null}

        {preview ? (
          <Box background="neutral0" padding={6} hasRadius shadow="tableShadow" data-testid="battery-preview">
            <Typography variant="delta" tag="h2">2. Preview and column mapping</Typography>
            <Typography tag="p" paddingTop={2} data-testid="detected-format">
              Detected format: <b>{preview.format}</b> · delimiter <code>{preview.delimiter === '\t' ? 'tab' : preview.delimiter}</code> · header on line {preview.headerLine} · current {preview.currentSign} · dates{' '}
              {preview.dateFormat ?? 'none (test time)'}{preview.dateFormat && !preview.dateFormat.startsWith('unix') ? ` in ${preview.timezone}` : ''} · cycles {preview.deriveCycles ? 'derived from current' : 'from the file'}
            </Typography>
            <Box paddingTop={4} style={{ overflowX: 'auto' }}>
              <Table colCount={columns.length + 1} rowCount={preview.rows.length + 3}>
                <Thead>
                  <Tr>
                    <Th><Typography variant="sigma">Line</Typography></Th>
                    {columns.map((c) => (
                      <Th key={c.column}><Typography variant="sigma">{c.column}</Typography></Th>
                    ))}
                  </Tr>
                </Thead>
                <Tbody>
                  <Tr data-testid="mapping-fields">
                    <Td><Typography variant="pi">Field</Typography></Td>
                    {columns.map((c, i) => (
                      <Td key={c.column}>
                        <select aria-label={`Field of ${c.column}`} value={c.field ?? IGNORE} onChange={(e) => setColumn(i, { field: e.target.value === IGNORE ? null : e.target.value })}>
                          <option value={IGNORE}>ignore (extra)</option>
                          {FIELDS.map((f) => (
                            <option key={f} value={f}>{f}</option>
                          ))}
                        </select>
                      </Td>
                    ))}
                  </Tr>
                  <Tr>
                    <Td><Typography variant="pi">Unit</Typography></Td>
                    {columns.map((c, i) => (
                      <Td key={c.column}>
                        {c.field && UNITS[c.field] ? (
                          <select aria-label={`Unit of ${c.column}`} value={c.unit ?? ''} onChange={(e) => setColumn(i, { unit: e.target.value || null })}>
                            <option value="">{c.unit ? unitLabel(c.field, c.unit) : 'default'}</option>
                            {UNITS[c.field].filter((u) => u.toLowerCase() !== (c.unit ?? '').toLowerCase()).map((u) => (
                              <option key={u} value={u}>{u}</option>
                            ))}
                          </select>
                        ) : (
                          <Typography variant="pi" textColor="neutral500">{c.unit ?? ''}</Typography>
                        )}
                      </Td>
                    ))}
                  </Tr>
                  {preview.rows.map((r) => (
                    <Tr key={r.line} data-testid="preview-row" data-line={r.line}>
                      <Td><Typography textColor={r.error ? 'danger600' : undefined}>{r.line}</Typography></Td>
                      {r.error ? (
                        <Td colSpan={columns.length}><Typography textColor="danger600">{r.error}</Typography></Td>
                      ) : (
                        columns.map((c, i) => (
                          <Td key={c.column}><Typography>{r.cells[i]}</Typography></Td>
                        ))
                      )}
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            </Box>
            {edited ? (
              <Flex paddingTop={3} gap={2}>
                <Typography variant="pi" textColor="neutral600">Mapping changed: it is sent with the import.</Typography>
                <Button variant="tertiary" size="S" onClick={() => runPreview(file, columns, true)}>Check with the preview</Button>
              </Flex>
            ) : null}
          </Box>
        ) : null}

        {preview ? (
          <Box background="neutral0" padding={6} hasRadius shadow="tableShadow">
            <Typography variant="delta" tag="h2">3. Experiment</Typography>
            <Grid.Root gap={4} paddingTop={4}>
              <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
                <Field.Root name="name" required error={problem?.option === 'name' ? problem.message : undefined}>
                  <Field.Label>Name</Field.Label>
                  <TextInput value={name} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setName(e.target.value)} />
                  <Field.Error />
                </Field.Root>
              </Grid.Item>
              <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
                <Field.Root name="battery" hint="Optional">
                  <Field.Label>Battery</Field.Label>
                  <SingleSelect placeholder="No battery" value={battery} onChange={(v: string | number) => setBattery(String(v))} onClear={() => setBattery('')}>
                    {batteries.map((b) => (
                      <SingleSelectOption key={b.documentId} value={b.documentId}>{b.name}</SingleSelectOption>
                    ))}
                  </SingleSelect>
                  <Field.Hint />
                </Field.Root>
              </Grid.Item>
              <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
                <Field.Root name="description">
                  <Field.Label>Description</Field.Label>
                  <Textarea value={description} onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setDescription(e.target.value)} />
                </Field.Root>
              </Grid.Item>
              <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
                <Field.Root
                  name="saveMappingAs"
                  hint="Optional: the columns, units, sign, date format, time zone and encoding used, saved as a column mapping with the import"
                  error={problem?.option === 'saveMappingAs' ? problem.message : undefined}
                >
                  <Field.Label>Save this mapping as</Field.Label>
                  <TextInput value={saveMappingAs} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setSaveMappingAs(e.target.value)} />
                  <Field.Hint />
                  <Field.Error />
                </Field.Root>
              </Grid.Item>
            </Grid.Root>
            <Flex paddingTop={4} gap={4} alignItems="center" wrap="wrap">
              <Button onClick={runImport} disabled={!name || busy !== null} loading={busy === 'import'}>
                Import
              </Button>
            </Flex>
          </Box>
        ) : null}

        {showJob ? (
          <Box ref={jobBox} background="neutral0" padding={6} hasRadius shadow="tableShadow" data-testid="import-job" data-job={jobId ?? undefined} data-running={busy === 'import' ? 'true' : 'false'}>
            <Typography variant="delta" tag="h2">Import</Typography>
            {jobMissing ? (
              <Box background="warning100" padding={4} marginTop={4} hasRadius borderColor="warning200" data-testid="import-job-missing">
                <Typography textColor="warning700" fontWeight="bold" tag="p">Import job not found</Typography>
                <Typography textColor="warning700" tag="p">
                  {`This server does not know the import job ${jobId}: jobs are kept in the memory of the server instance that ran them, for 15 minutes after they end, and only for the user who started them. Check the Experiments page for the imported experiment, or import the file again.`}
                </Typography>
              </Box>
            ) : null}
            <Flex paddingTop={4} gap={4} alignItems="center" wrap="wrap">
              {progress ? (
                <Box style={{ width: 360 }} data-testid="import-progress" data-percent={progress.percent}>
                  <ProgressLine
                    percent={progress.percent}
                    testId="import-progress-label"
                    label={progress.phase === 'upload'
                      ? `Uploading ${file?.name ?? 'the file'}…`
                      : `${progress.percent} % · ${progress.rows.toLocaleString()} rows · ${progress.rowsPerSecond.toLocaleString()} rows/s`}
                  />
                </Box>
              ) : null}
            </Flex>
            {result ? (
              <Flex paddingTop={4} gap={4} alignItems="center" data-testid="import-result">
                <Typography fontWeight="bold">
                  {`${result.experiment.name}: ${result.rows.toLocaleString()} rows, ${result.cycles} cycle${result.cycles === 1 ? '' : 's'} (${result.format}) on ${result.station}`}
                </Typography>
                {result.columnMapping ? (
                  <Typography data-testid="import-saved-mapping">{`Mapping saved as "${result.columnMapping.name}"`}</Typography>
                ) : null}
                <LinkButton tag={RouterLink} to={`${LAB_MONITOR_PATH}?experiment=${result.experiment.id}`} variant="secondary" data-testid="import-result-link">
                  Open the experiment
                </LinkButton>
              </Flex>
            ) : null}
          </Box>
        ) : null}
      </Flex>
    </Layouts.Content>
  );
}

export default function BatteryImportPage() {
  return (
    <Page.Protect permissions={LAB_IMPORT_PERMISSIONS}>
      <Page.Title>Battery file import</Page.Title>
      <Layouts.Header title="Battery file import" subtitle="A cycler CSV (WattRex, Arbin, BDF, BEEP or any CSV with a column mapping) becomes a finished experiment" />
      <BatteryImport />
    </Page.Protect>
  );
}
