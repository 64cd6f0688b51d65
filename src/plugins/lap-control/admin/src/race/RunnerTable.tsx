import { Loader, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { formatDuration, formatSeconds, type CrewRunner } from './shared';

const COLUMNS = ['Name', 'Identification', 'Team', 'University', 'Laps', 'Best lap', 'Test time'];

/** Runners as the crew's queries list them (every personal field the crew may see). */
export function RunnerTable({ label, runners, error, isLoading }: { label: string; runners: CrewRunner[] | undefined; error?: Error; isLoading?: boolean }) {
  if (error) return <Typography textColor="danger600">{error.message}</Typography>;
  if (!runners) return isLoading ? <Loader small>Loading runners</Loader> : null;
  if (!runners.length) return <Typography textColor="neutral600">No runner matches.</Typography>;
  return (
    <Table colCount={COLUMNS.length} rowCount={runners.length + 1} aria-label={label}>
      <Thead>
        <Tr>
          {COLUMNS.map((c) => (
            <Th key={c}>
              <Typography variant="sigma">{c}</Typography>
            </Th>
          ))}
        </Tr>
      </Thead>
      <Tbody>
        {runners.map((r) => (
          <Tr key={r.id} data-runner-id={r.id}>
            <Td><Typography fontWeight="bold">{r.name}</Typography></Td>
            <Td><Typography>{r.identification}</Typography></Td>
            <Td><Typography>{r.team ?? '–'}</Typography></Td>
            <Td><Typography>{r.university ?? '–'}</Typography></Td>
            <Td><Typography>{r.lapsRun}</Typography></Td>
            <Td><Typography>{formatDuration(r.bestLapMs)}</Typography></Td>
            <Td><Typography>{formatSeconds(r.testTimeSeconds)}</Typography></Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
