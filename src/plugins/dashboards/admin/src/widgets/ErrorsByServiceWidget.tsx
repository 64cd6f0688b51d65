import * as React from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { Widget } from '@strapi/strapi/admin';
import { Box, Flex, Typography } from '@strapi/design-system';
import { SEVERITY_COLORS, useDashboardQuery, withQuery } from '../chart-kit';
import { LOGS_PAGE_PATH } from '../permissions';

/** Link to the Logs page showing one service's (or every service's) errors of the last 24 h. */
export const errorsLink = (service?: string) =>
  withQuery(LOGS_PAGE_PATH, { service, severity: ['ERROR', 'FATAL'], range: '24h' });

/** Homepage widget: ERROR + FATAL entries of the last 24 h per service, as a bar list. */
export function ErrorsByServiceWidget() {
  const { data, error, isLoading } = useDashboardQuery<{ data: { service: string; count: number }[] }>(
    '/dashboards/logs/errors-by-service',
    { hours: 24 },
  );
  if (isLoading && !data) return <Widget.Loading />;
  if (error) return <Widget.Error />;
  const rows = data?.data ?? [];
  if (rows.length === 0) return <Widget.NoData>No errors in the last 24 hours</Widget.NoData>;
  const max = Math.max(...rows.map((r) => r.count));

  return (
    <Flex direction="column" alignItems="stretch" gap={2} tag="ul" aria-label="Errors per service">
      {rows.map((row) => (
        <li key={row.service} data-service={row.service}>
          <RouterLink to={errorsLink(row.service)} style={{ textDecoration: 'none', color: 'inherit' }}>
            <Flex justifyContent="space-between" gap={2}>
              <Typography textColor="neutral800" fontWeight="semiBold">
                {row.service}
              </Typography>
              <Typography textColor="danger600" fontWeight="bold" data-testid="error-count">
                {row.count.toLocaleString()}
              </Typography>
            </Flex>
            <Box background="neutral150" hasRadius height="6px" marginTop={1}>
              <Box
                hasRadius
                height="6px"
                style={{ width: `${Math.max(2, (row.count / max) * 100)}%`, background: SEVERITY_COLORS.ERROR }}
              />
            </Box>
          </RouterLink>
        </li>
      ))}
    </Flex>
  );
}
