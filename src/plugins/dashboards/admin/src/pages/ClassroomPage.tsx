import * as React from 'react';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Box, Checkbox, Field, Flex, SingleSelect, SingleSelectOption, TextInput, Typography } from '@strapi/design-system';
import { useDashboardQuery } from '../chart-kit';
import type { ClassroomSort, HeatmapResponse, SnapshotsResponse, StudentDetailResponse } from '../../../server/src/classroom/contract';
import { CLASSROOM_READ } from '../classroom/permissions';
import { SnapshotScatter, studentLabel } from '../classroom/SnapshotScatter';
import { HeatMap } from '../classroom/HeatMap';
import { StudentDetail } from '../classroom/StudentDetail';
import { StudentsImport } from '../classroom/StudentsImport';

const SORTS: Array<{ value: ClassroomSort; label: string }> = [
  { value: 'latest', label: 'Latest activity' },
  { value: 'ok', label: 'Most ok' },
  { value: 'errors', label: 'Most errors' },
  { value: 'uid', label: 'uid' },
  { value: 'team', label: 'Team' },
];

/** Typing waits 400 ms before querying (regular expressions are often invalid half-way). */
function useDebounced<T>(value: T, ms = 400): T {
  const [v, setV] = React.useState(value);
  React.useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function Classroom() {
  const [path, setPath] = React.useState('');
  const [from, setFrom] = React.useState('-7 days');
  const [to, setTo] = React.useState('now');
  const [latest, setLatest] = React.useState(false);
  const [sort, setSort] = React.useState<ClassroomSort>('latest');
  const [limit, setLimit] = React.useState('1000');
  const [assignment, setAssignment] = React.useState<string | null>(null);
  const [selected, setSelected] = React.useState<string | null>(null);
  const params = { path: useDebounced(path), from: useDebounced(from), to: useDebounced(to), latest: latest ? 'true' : '', sort, limit: useDebounced(limit) };

  const snapshots = useDashboardQuery<SnapshotsResponse>('/dashboards/classroom/snapshots', params);
  const heatmap = useDashboardQuery<HeatmapResponse>('/dashboards/classroom/heatmap', { assignment });
  const detail = useDashboardQuery<StudentDetailResponse>(selected ? `/dashboards/classroom/students/${encodeURIComponent(selected)}` : null);
  const data = snapshots.data;
  const assignments = heatmap.data?.meta.assignments ?? [];

  return (
    <Page.Main>
      <Page.Title>Classroom</Page.Title>
      <Layouts.Header
        title="Classroom"
        subtitle={
          data
            ? `${data.data.length.toLocaleString()} snapshots of ${data.meta.students.length} students${data.meta.truncated ? ` (first ${data.meta.limit} shown)` : ''}${data.meta.personal ? '' : ' · names hidden'}`
            : 'Notebook progress of the students'
        }
      />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={4}>
          <StudentsImport onImported={snapshots.refetch} />
          <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius>
            <Flex gap={3} alignItems="flex-end" wrap="wrap">
              <Field.Root name="path" minWidth="240px" error={snapshots.error && path ? snapshots.error.message : undefined}>
                <Field.Label>Path (regular expression)</Field.Label>
                <TextInput placeholder="e.g. ^ps1/" value={path} list="classroom-paths" onChange={(e: React.ChangeEvent<HTMLInputElement>) => setPath(e.target.value)} />
                <datalist id="classroom-paths">
                  {(data?.meta.paths ?? []).map((p) => (
                    <option key={p} value={`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`} />
                  ))}
                </datalist>
                <Field.Error />
              </Field.Root>
              <Field.Root name="from" minWidth="150px">
                <Field.Label>From</Field.Label>
                <TextInput value={from} placeholder="-1 days or ISO time" onChange={(e: React.ChangeEvent<HTMLInputElement>) => setFrom(e.target.value)} />
              </Field.Root>
              <Field.Root name="to" minWidth="150px">
                <Field.Label>To</Field.Label>
                <TextInput value={to} placeholder="now" onChange={(e: React.ChangeEvent<HTMLInputElement>) => setTo(e.target.value)} />
              </Field.Root>
              <Field.Root name="sort" minWidth="170px">
                <Field.Label>Sort students by</Field.Label>
                <SingleSelect value={sort} onChange={(v: string | number) => setSort(String(v) as ClassroomSort)}>
                  {SORTS.map((s) => (
                    <SingleSelectOption key={s.value} value={s.value}>
                      {s.label}
                    </SingleSelectOption>
                  ))}
                </SingleSelect>
              </Field.Root>
              <Field.Root name="limit" maxWidth="110px">
                <Field.Label>Row limit</Field.Label>
                <TextInput value={limit} inputMode="numeric" onChange={(e: React.ChangeEvent<HTMLInputElement>) => setLimit(e.target.value)} />
              </Field.Root>
              <Box paddingBottom={2}>
                <Checkbox checked={latest} onCheckedChange={(v: boolean | 'indeterminate') => setLatest(v === true)}>
                  Latest version only
                </Checkbox>
              </Box>
            </Flex>
          </Box>

          <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius>
            <Flex justifyContent="space-between" wrap="wrap" gap={2}>
              <Typography variant="delta" tag="h2">
                Snapshots over time
              </Typography>
              <Flex gap={3}>
                <Typography variant="pi" textColor="neutral500">
                  size: share of cells with output · click a bubble for the student
                </Typography>
              </Flex>
            </Flex>
            {snapshots.error ? (
              <Typography textColor="danger600" data-testid="classroom-error">
                Could not load snapshots: {snapshots.error.message}
              </Typography>
            ) : (
              data && <SnapshotScatter points={data.data} students={data.meta.students} onSelect={setSelected} />
            )}
            {data && (
              <Flex gap={2} wrap="wrap" paddingTop={2}>
                <Typography variant="pi" textColor="neutral600">
                  Students:
                </Typography>
                {data.meta.students.map((s) => (
                  <button
                    key={s.uid}
                    type="button"
                    data-student={s.uid}
                    onClick={() => setSelected(s.uid)}
                    style={{ border: '1px solid #dcdce4', borderRadius: 4, padding: '2px 8px', background: selected === s.uid ? '#f0f0ff' : '#fff', cursor: 'pointer' }}
                  >
                    {studentLabel(s)}
                    {s.team ? ` (${s.team})` : ''}
                  </button>
                ))}
              </Flex>
            )}
          </Box>

          <Flex gap={4} alignItems="flex-start" wrap="wrap">
            <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius style={{ flex: '1 1 420px' }}>
              <Flex gap={3} alignItems="flex-end" paddingBottom={3}>
                <Typography variant="delta" tag="h2">
                  Problems × students
                </Typography>
                <Field.Root name="assignment" minWidth="160px">
                  <Field.Label>Assignment</Field.Label>
                  <SingleSelect value={heatmap.data?.data.assignment ?? ''} onChange={(v: string | number) => setAssignment(String(v))} placeholder="none yet">
                    {assignments.map((a) => (
                      <SingleSelectOption key={a} value={a}>
                        {a}
                      </SingleSelectOption>
                    ))}
                  </SingleSelect>
                </Field.Root>
              </Flex>
              {heatmap.data && <HeatMap data={heatmap.data.data} />}
            </Box>
            <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius style={{ flex: '1 1 420px' }} data-testid="student-detail">
              {detail.data ? <StudentDetail detail={detail.data.data} /> : <Typography textColor="neutral600">Select a student to see every version with its counts.</Typography>}
            </Box>
          </Flex>
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
}

export default function ClassroomPage() {
  return (
    <Page.Protect permissions={CLASSROOM_READ}>
      <Classroom />
    </Page.Protect>
  );
}
