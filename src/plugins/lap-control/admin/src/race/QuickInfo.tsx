import { Box, Flex, Grid, Loader, Typography } from '@strapi/design-system';
import { useDashboardQuery } from '../../../../dashboards/admin/src/chart-kit';
import { formatDuration, formatSeconds, type CrewRunner } from './shared';

/** The crew's quick info on one runner (fresh from `GET /lap-control/runners/:id`). */
export function QuickInfo({ runnerId, refreshKey }: { runnerId: number | null; refreshKey?: unknown }) {
  const runner = useDashboardQuery<CrewRunner>(runnerId === null ? null : `/lap-control/runners/${runnerId}`, { v: String(refreshKey ?? '') });
  if (runnerId === null) {
    return (
      <Typography textColor="neutral600" tag="p">
        Select a runner to see their quick info.
      </Typography>
    );
  }
  if (!runner.data) return runner.error ? <Typography textColor="danger600">{runner.error.message}</Typography> : <Loader small>Loading runner</Loader>;
  const r = runner.data;
  const fact = (label: string, value: string | number) => (
    <Grid.Item col={6} s={12} direction="column" alignItems="flex-start">
      <Typography variant="pi" textColor="neutral600">
        {label}
      </Typography>
      <Typography variant="delta" tag="p">
        {value}
      </Typography>
    </Grid.Item>
  );
  return (
    <Box aria-label="Quick info" role="region">
      <Flex direction="column" alignItems="stretch" gap={3}>
        <Typography variant="beta" tag="h2">
          {r.name}
        </Typography>
        <Grid.Root gap={3}>
          {fact('Team', r.team ?? '–')}
          {fact('University', r.university ?? '–')}
          {fact('Identification', r.identification)}
          {fact('Test time', formatSeconds(r.testTimeSeconds))}
          {fact('Laps run', r.lapsRun)}
          {fact('Best lap', formatDuration(r.bestLapMs))}
          {fact('Points', r.points)}
        </Grid.Root>
      </Flex>
    </Box>
  );
}
