import * as React from 'react';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Checkbox, Field, Flex, SingleSelect, SingleSelectOption, TextInput } from '@strapi/design-system';
import { useDashboardQuery } from '../../../../dashboards/admin/src/chart-kit';
import { Panel } from '../race/Panel';
import { RunnerTable } from '../race/RunnerTable';
import { formatDateTime, type CrewRunner, type RaceOptions } from '../race/shared';

/** `datetime-local` wants local wall time without a zone: "2026-05-01T14:30". */
const toLocalInput = (d: Date) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);

/** Waits until typing pauses, so a search is one request per pause, not per key. */
function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = React.useState(value);
  React.useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/** The questions the crew asks during the night: who is X, who has no shift coming, who is in a shift. */
export function QueryPage() {
  return (
    <Page.Main>
      <Page.Title>Race queries</Page.Title>
      <Layouts.Header title="Query" subtitle="Runners by shift, and by name or identification" />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={4}>
          <RunnerSearch />
          <WithoutUpcomingShift />
          <InShift />
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
}

function WithoutUpcomingShift() {
  const [after, setAfter] = React.useState(() => toLocalInput(new Date()));
  const iso = after && !Number.isNaN(Date.parse(after)) ? new Date(after).toISOString() : null;
  const result = useDashboardQuery<CrewRunner[]>(iso ? '/lap-control/query/without-shift' : null, { after: iso ?? '' });
  return (
    <Panel title="Without an upcoming shift">
      <Flex direction="column" alignItems="stretch" gap={3}>
        <Field.Root name="after" hint="Runners with no shift starting after this time (your local time).">
          <Field.Label>After</Field.Label>
          <TextInput type="datetime-local" value={after} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setAfter(e.target.value)} />
          <Field.Hint />
        </Field.Root>
        <RunnerTable label="Runners without an upcoming shift" runners={result.data} error={result.error} isLoading={result.isLoading} />
      </Flex>
    </Panel>
  );
}

function InShift() {
  const options = useDashboardQuery<RaceOptions>('/lap-control/options');
  const [shift, setShift] = React.useState<string>('');
  const [excludeQueued, setExcludeQueued] = React.useState(false);
  const result = useDashboardQuery<CrewRunner[]>(shift ? '/lap-control/query/in-shift' : null, { shift, excludeQueued: excludeQueued ? 'true' : '' });
  const shifts = options.data?.shifts ?? [];
  return (
    <Panel title="In a shift">
      <Flex direction="column" alignItems="stretch" gap={3}>
        <Flex gap={4} alignItems="flex-end" wrap="wrap">
          <Field.Root name="shift" minWidth="280px">
            <Field.Label>Shift</Field.Label>
            <SingleSelect placeholder={shifts.length ? 'Choose a shift' : 'No shifts'} value={shift} onChange={(v: string | number) => setShift(String(v))}>
              {shifts.map((s) => (
                <SingleSelectOption key={s.id} value={String(s.id)}>
                  {`${s.name} (${formatDateTime(s.startsAt, undefined)})`}
                </SingleSelectOption>
              ))}
            </SingleSelect>
          </Field.Root>
          <Checkbox checked={excludeQueued} onCheckedChange={(c: boolean | 'indeterminate') => setExcludeQueued(c === true)}>
            Leave out runners already in the queue
          </Checkbox>
        </Flex>
        {shift && <RunnerTable label="Runners in the shift" runners={result.data} error={result.error} isLoading={result.isLoading} />}
      </Flex>
    </Panel>
  );
}

function RunnerSearch() {
  const [text, setText] = React.useState('');
  const q = useDebounced(text.trim());
  const result = useDashboardQuery<CrewRunner[]>(q ? '/lap-control/query/search' : null, { q });
  return (
    <Panel title="Find a runner">
      <Flex direction="column" alignItems="stretch" gap={3}>
        <Field.Root name="q">
          <Field.Label>Name or identification</Field.Label>
          <TextInput value={text} onChange={(e: React.ChangeEvent<HTMLInputElement>) => setText(e.target.value)} placeholder="e.g. Jansen or r0123456" />
        </Field.Root>
        {q && <RunnerTable label="Search results" runners={result.data} error={result.error} isLoading={result.isLoading} />}
      </Flex>
    </Panel>
  );
}
