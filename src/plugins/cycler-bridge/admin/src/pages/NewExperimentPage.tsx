import * as React from 'react';
import { Link as RouterLink, useNavigate, useSearchParams } from 'react-router-dom';
import { Layouts, Page, useFetchClient } from '@strapi/strapi/admin';
import {
  Alert, Box, Button, Field, Flex, Grid, LinkButton, Radio, SingleSelect, SingleSelectOption, Textarea, TextInput, Typography,
} from '@strapi/design-system';
import { Check, Plus } from '@strapi/icons';
import { FileInput } from '../../../../dashboards/admin/src/chart-kit/FileInput';
import { BATTERY_CREATE_PATH, EXPERIMENTS_CREATE, LAB_MONITOR_PATH, THEN_NEW_EXPERIMENT, THEN_PARAM } from '../permissions';
import type { BatteryOption, CheckResult, Limits, Options, ProfileIssue, StationOption } from '../types';

const TECHNOLOGY_LABELS: Record<string, string> = { lithium: 'Lithium', lead_acid: 'Lead-acid', redox_flow: 'Redox flow' };
const SYNTAX_HINT = 'One instruction per line: WAIT, <s> · CC, <A>, TIME|VOLTAGE, <limit> · CV, <V>, TIME|CURRENT, <limit> (negative current = discharge, # comments)';

/** The server's 400 body: the field at fault and, for profiles, every line. */
interface ApiError {
  message: string;
  field?: string;
  issues: ProfileIssue[];
}

const apiError = (error: unknown): ApiError => {
  const body = (error as any)?.response?.data?.error;
  return { message: body?.message ?? (error as Error)?.message ?? 'Request failed', field: body?.details?.field, issues: body?.details?.issues ?? [] };
};

const range = (lo: unknown, hi: unknown, unit: string) => {
  const show = (v: unknown) => (v === null || v === undefined || v === '' ? '∞' : String(Number(v)));
  return `${show(lo)} .. ${show(hi)} ${unit}`;
};

const limitsText = (l: Limits) => `${range(l.min_voltage_v, l.max_voltage_v, 'V')}, ${range(l.min_current_a, l.max_current_a, 'A')}`;

const batteryText = (b: BatteryOption) =>
  `${range(b.min_voltage_v, b.max_voltage_v, 'V')}, charge ≤ ${b.max_charge_current_a ?? '∞'} A, discharge ≤ ${b.max_discharge_current_a ?? '∞'} A`;

const stationText = (s: StationOption) => `${range(s.min_voltage_v, s.max_voltage_v, 'V')}, ${range(s.min_current_a, s.max_current_a, 'A')}${s.location ? ` · ${s.location}` : ''}`;

/** Options for the current technology/battery/station; a station the battery no longer allows comes back as an error. */
function useOptions(technology: string, battery: string, station: string) {
  const { get } = useFetchClient();
  const [state, setState] = React.useState<{ data?: Options; error?: ApiError; loading: boolean }>({ loading: true });
  React.useEffect(() => {
    const controller = new AbortController();
    const query = new URLSearchParams();
    if (technology) query.set('technology', technology);
    if (battery) query.set('battery', battery);
    if (station) query.set('station', station);
    setState((s) => ({ ...s, loading: true, error: undefined }));
    get<{ data: Options }>(`/cycler-bridge/new-experiment/options?${query}`, { signal: controller.signal })
      .then((res) => !controller.signal.aborted && setState({ data: res.data.data, loading: false }))
      .catch((error) => !controller.signal.aborted && setState((s) => ({ data: s.data, error: apiError(error), loading: false })));
    return () => controller.abort();
    // `get` changes identity on re-render; the query alone decides a refetch.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [technology, battery, station]);
  return state;
}

/** Every problem of a profile with its line number, the line's text and why it is wrong. */
function ProfileIssues({ issues, text }: { issues: ProfileIssue[]; text: string }) {
  const lines = text.split(/\r\n|\r|\n/);
  return (
    <Box background="danger100" padding={4} hasRadius borderColor="danger200" data-testid="profile-issues">
      <Typography variant="omega" fontWeight="bold" textColor="danger700" tag="p">
        {`The profile has ${issues.length} problem${issues.length > 1 ? 's' : ''}:`}
      </Typography>
      <Flex tag="ul" direction="column" alignItems="stretch" gap={1} paddingTop={2}>
        {issues.map((issue, i) => (
          <li key={`${issue.line}-${i}`} data-line={issue.line}>
            <Typography textColor="danger700">
              <b>{`Line ${issue.line}`}</b>
              {lines[issue.line - 1] !== undefined ? <> (<code>{lines[issue.line - 1]}</code>)</> : null}
              {`: ${issue.message}`}
            </Typography>
          </li>
        ))}
      </Flex>
    </Box>
  );
}

function NewExperiment() {
  const { post } = useFetchClient();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const technology = params.get('technology') ?? '';
  const battery = params.get('battery') ?? '';
  const station = params.get('station') ?? '';
  const options = useOptions(technology, battery, station);
  const data = options.data;

  const [source, setSource] = React.useState<'saved' | 'written'>('saved');
  const [profile, setProfile] = React.useState('');
  const [instructions, setInstructions] = React.useState('');
  const [profileName, setProfileName] = React.useState('');
  const [name, setName] = React.useState('');
  const [description, setDescription] = React.useState('');
  const [checked, setChecked] = React.useState<CheckResult | null>(null);
  const [error, setError] = React.useState<ApiError | null>(null);
  const [busy, setBusy] = React.useState<'check' | 'save' | null>(null);

  const setParam = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) (v ? next.set(k, v) : next.delete(k));
    setParams(next, { replace: true });
  };

  // Opened with only ?battery= (after creating it): the server names its technology.
  React.useEffect(() => {
    if (!technology && data?.technology && battery) setParam({ technology: data.technology });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data?.technology]);
  // A station the battery does not allow (or no longer available, e.g. an old link) is dropped, with the reason shown.
  const [stationRefused, setStationRefused] = React.useState<string | null>(null);
  React.useEffect(() => {
    if (options.error?.field === 'station') {
      setStationRefused(options.error.message);
      setParam({ station: null });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [options.error]);

  const chosenBattery = data?.batteries.find((b) => b.documentId === battery) ?? (data?.battery?.documentId === battery ? data.battery : null);
  const chosenStation = data?.stations.find((s) => s.documentId === station) ?? null;
  const profiles = chosenStation ? data?.profiles ?? [] : [];
  const chosenProfile = profiles.find((p) => p.documentId === profile) ?? null;
  const text = source === 'saved' ? chosenProfile?.instructions ?? '' : instructions;
  const ready = Boolean(chosenBattery && chosenStation && text.trim());

  // Anything that changes what is checked makes the last check stale.
  React.useEffect(() => {
    setChecked(null);
    setError(null);
  }, [battery, station, source, profile, instructions]);
  // No fitting saved profile: writing one is the only way.
  // (Only on the answer for this station: `limits` comes with it, the previous answer may still be shown.)
  React.useEffect(() => {
    if (chosenStation && !options.loading && data?.limits && !data.profiles.length) setSource('written');
  }, [chosenStation, options.loading, data]);

  const check = async (): Promise<CheckResult | null> => {
    try {
      const res = await post<{ data: CheckResult }>('/cycler-bridge/new-experiment/check', { battery, station, instructions: text });
      setChecked(res.data.data);
      return res.data.data;
    } catch (e) {
      setError(apiError(e));
      return null;
    }
  };

  const runCheck = async () => {
    setBusy('check');
    setError(null);
    await check();
    setBusy(null);
  };

  const save = async () => {
    setBusy('save');
    setError(null);
    try {
      // Checked on the server first: the page shows every line's problem instead of a one-line refusal.
      const result = await check();
      if (!result?.ok) return;
      if (!name.trim()) {
        setError({ message: 'Give the experiment a name', field: 'name', issues: [] });
        return;
      }
      const body = {
        name, description: description || undefined, battery, station,
        ...(source === 'saved' ? { profile } : { instructions, profileName: profileName || undefined }),
      };
      const res = await post<{ data: { id: number; state: string } }>('/cycler-bridge/experiments', body);
      const query = new URLSearchParams({ experiment: String(res.data.data.id), station: chosenStation!.name });
      navigate(`${LAB_MONITOR_PATH}?${query}`);
    } catch (e) {
      setError(apiError(e));
    } finally {
      setBusy(null);
    }
  };

  const readFile = async (picked: File | null) => {
    if (!picked) return;
    setInstructions(await picked.text());
    if (!profileName) setProfileName(picked.name.replace(/\.[^.]+$/, ''));
  };

  const issues = checked && !checked.ok ? checked.issues : error?.issues.length ? error.issues : [];
  const fieldError = (field: string) => (error?.field === field && !error.issues.length ? error.message : undefined);

  return (
    <Layouts.Content>
      <Flex direction="column" alignItems="stretch" gap={4}>
        <Box background="neutral0" padding={6} hasRadius shadow="tableShadow">
          <Typography variant="delta" tag="h2">1. Battery and cycler station</Typography>
          <Grid.Root gap={4} paddingTop={4}>
            <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
              <Field.Root name="technology">
                <Field.Label>Technology</Field.Label>
                <SingleSelect
                  placeholder="Pick a technology"
                  value={technology}
                  onChange={(value: string | number) => setParam({ technology: String(value), battery: null, station: null })}
                >
                  {(data?.technologies ?? Object.keys(TECHNOLOGY_LABELS)).map((t) => (
                    <SingleSelectOption key={t} value={t}>{TECHNOLOGY_LABELS[t] ?? t}</SingleSelectOption>
                  ))}
                </SingleSelect>
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
              <Field.Root name="battery" hint={chosenBattery ? batteryText(chosenBattery) : undefined} error={options.error?.field === 'battery' ? options.error.message : fieldError('battery')}>
                <Field.Label>Battery</Field.Label>
                <SingleSelect
                  placeholder={!technology ? 'Pick a technology first' : data?.batteries.length ? 'Pick a battery' : 'No battery of this technology'}
                  disabled={!technology}
                  value={chosenBattery ? battery : ''}
                  onChange={(value: string | number) => setParam({ battery: String(value), station: null })}
                >
                  {(data?.batteries ?? []).map((b) => (
                    <SingleSelectOption key={b.documentId} value={b.documentId}>{b.name}</SingleSelectOption>
                  ))}
                </SingleSelect>
                <Field.Hint />
                <Field.Error />
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
              <Field.Root name="station" hint={chosenStation ? stationText(chosenStation) : 'Available, not deprecated, covering the battery’s voltage and current'} error={stationRefused ?? fieldError('station')}>
                <Field.Label>Cycler station</Field.Label>
                <SingleSelect
                  placeholder={!chosenBattery ? 'Pick a battery first' : data?.stations.length ? 'Pick a station' : 'No available station covers this battery'}
                  disabled={!chosenBattery}
                  value={chosenStation ? station : ''}
                  onChange={(value: string | number) => {
                    setStationRefused(null);
                    setParam({ station: String(value) });
                  }}
                >
                  {(chosenBattery ? data?.stations ?? [] : []).map((s) => (
                    <SingleSelectOption key={s.documentId} value={s.documentId}>{s.name}</SingleSelectOption>
                  ))}
                </SingleSelect>
                <Field.Hint />
                <Field.Error />
              </Field.Root>
            </Grid.Item>
          </Grid.Root>
          <Flex gap={4} paddingTop={4} alignItems="center" wrap="wrap">
            {data?.limits && chosenStation ? (
              <Typography data-testid="limits">
                Limits (battery ∩ station): <b>{limitsText(data.limits)}</b>
              </Typography>
            ) : null}
            <LinkButton tag={RouterLink} to={`${BATTERY_CREATE_PATH}?${THEN_PARAM}=${THEN_NEW_EXPERIMENT}`} variant="tertiary" startIcon={<Plus />}>
              New battery
            </LinkButton>
          </Flex>
        </Box>

        <Box background="neutral0" padding={6} hasRadius shadow="tableShadow">
          <Typography variant="delta" tag="h2">2. Profile</Typography>
          {!chosenStation ? (
            <Typography tag="p" paddingTop={2} textColor="neutral600">Pick a battery and a station: only profiles that fit both are offered.</Typography>
          ) : (
            <Flex direction="column" alignItems="stretch" gap={4} paddingTop={4}>
              <Radio.Group aria-label="Profile source" value={source} onValueChange={(v: string) => setSource(v as 'saved' | 'written')}>
                <Flex gap={6}>
                  <Radio.Item value="saved" disabled={!profiles.length}>
                    {`A saved profile that fits (${profiles.length})`}
                  </Radio.Item>
                  <Radio.Item value="written">Write or upload one</Radio.Item>
                </Flex>
              </Radio.Group>
              {source === 'saved' ? (
                <>
                  <Field.Root name="profile" error={fieldError('profile')}>
                    <Field.Label>Profile</Field.Label>
                    <SingleSelect placeholder="Pick a profile" value={chosenProfile ? profile : ''} onChange={(value: string | number) => setProfile(String(value))}>
                      {profiles.map((p) => (
                        <SingleSelectOption key={p.documentId} value={p.documentId}>{p.name}</SingleSelectOption>
                      ))}
                    </SingleSelect>
                    <Field.Error />
                  </Field.Root>
                  {chosenProfile ? (
                    <Box background="neutral100" padding={3} hasRadius>
                      <Typography tag="pre" style={{ fontFamily: 'monospace', whiteSpace: 'pre-wrap' }} data-testid="profile-preview">{chosenProfile.instructions}</Typography>
                    </Box>
                  ) : null}
                </>
              ) : (
                <>
                  <Flex gap={4} alignItems="flex-end" wrap="wrap">
                    <Box minWidth="280px">
                      <Field.Root name="profileName" hint="Saved as a new profile with the experiment">
                        <Field.Label>Profile name</Field.Label>
                        <TextInput value={profileName} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setProfileName(e.target.value)} />
                        <Field.Hint />
                      </Field.Root>
                    </Box>
                    <FileInput accept=".txt,.csv,.prf,text/plain" label="Upload a profile file" onFile={readFile} />
                  </Flex>
                  <Field.Root name="instructions" hint={SYNTAX_HINT} error={fieldError('instructions')}>
                    <Field.Label>Instructions</Field.Label>
                    <Textarea
                      value={instructions}
                      onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setInstructions(e.target.value)}
                      style={{ fontFamily: 'monospace', minHeight: '160px' }}
                    />
                    <Field.Hint />
                    <Field.Error />
                  </Field.Root>
                </>
              )}
              <Flex gap={2}>
                <Button variant="secondary" startIcon={<Check />} onClick={runCheck} disabled={!ready || busy !== null} loading={busy === 'check'}>
                  Check profile
                </Button>
              </Flex>
              {checked?.ok ? (
                <Alert variant="success" title="Profile fits" closeLabel="Close" onClose={() => setChecked(null)} data-testid="profile-ok">
                  {`${checked.steps} step${checked.steps > 1 ? 's' : ''}, inside ${limitsText(checked.limits)}.`}
                </Alert>
              ) : null}
              {issues.length ? <ProfileIssues issues={issues} text={text} /> : null}
            </Flex>
          )}
        </Box>

        <Box background="neutral0" padding={6} hasRadius shadow="tableShadow">
          <Typography variant="delta" tag="h2">3. Experiment</Typography>
          <Grid.Root gap={4} paddingTop={4}>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              <Field.Root name="name" required error={fieldError('name')}>
                <Field.Label>Name</Field.Label>
                <TextInput value={name} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setName(e.target.value)} />
                <Field.Error />
              </Field.Root>
            </Grid.Item>
            <Grid.Item col={6} s={12} direction="column" alignItems="stretch">
              <Field.Root name="description">
                <Field.Label>Description</Field.Label>
                <Textarea value={description} onChange={(e: React.ChangeEvent<HTMLTextAreaElement>) => setDescription(e.target.value)} />
              </Field.Root>
            </Grid.Item>
          </Grid.Root>
          {error && !error.issues.length && !['name', 'battery', 'station', 'profile', 'instructions'].includes(error.field ?? '') ? (
            <Box paddingTop={4}>
              <Typography textColor="danger600" data-testid="save-error">{error.message}</Typography>
            </Box>
          ) : null}
          <Flex paddingTop={4} gap={2}>
            <Button onClick={save} disabled={!ready || busy !== null} loading={busy === 'save'}>
              Queue experiment and open the monitor
            </Button>
          </Flex>
        </Box>
      </Flex>
    </Layouts.Content>
  );
}

export default function NewExperimentPage() {
  return (
    <Page.Protect permissions={EXPERIMENTS_CREATE}>
      <Page.Title>New experiment</Page.Title>
      <Layouts.Header title="New experiment" subtitle="Technology, battery, a compatible station, then a profile checked against both before it is queued" />
      <NewExperiment />
    </Page.Protect>
  );
}
