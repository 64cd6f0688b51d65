import * as React from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { Widget } from '@strapi/strapi/admin';
import { Badge, Flex, Typography } from '@strapi/design-system';
import { useDashboardQuery, withQuery } from '../chart-kit';
import { LAB_MONITOR_PATH } from '../lab/permissions';
import type { StationView } from '../lab/types';

const STATE_COLOR: Record<string, 'success' | 'primary' | 'neutral' | 'danger'> = { available: 'success', running: 'primary', offline: 'neutral' };

/** Homepage widget: every cycler station with its state and running experiment. */
export function LabStationsWidget() {
  const { data, error, isLoading } = useDashboardQuery<{ data: StationView[] }>('/cycler-bridge/monitor/stations', {});
  if (isLoading && !data) return <Widget.Loading />;
  if (error) return <Widget.Error />;
  const rows = data?.data ?? [];
  if (!rows.length) return <Widget.NoData>No cycler stations yet</Widget.NoData>;
  return (
    <Flex direction="column" alignItems="stretch" gap={2} tag="ul" aria-label="Cycler stations">
      {rows.map((s) => (
        <li key={s.id} data-station={s.name}>
          <Flex justifyContent="space-between" gap={2}>
            <Typography fontWeight="semiBold">{s.name}</Typography>
            <Flex gap={2}>
              {s.experiment ? (
                <RouterLink to={withQuery(LAB_MONITOR_PATH, { station: s.name })}>
                  <Typography textColor="primary600">{s.experiment.name}</Typography>
                </RouterLink>
              ) : null}
              <Badge backgroundColor={`${STATE_COLOR[s.state] ?? 'neutral'}100`} textColor={`${STATE_COLOR[s.state] ?? 'neutral'}700`}>{s.state}</Badge>
            </Flex>
          </Flex>
        </li>
      ))}
    </Flex>
  );
}
