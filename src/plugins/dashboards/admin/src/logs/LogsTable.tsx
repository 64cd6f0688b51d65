import * as React from 'react';
import { Badge, Box, Flex, Loader, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { SEVERITY_COLORS } from '../chart-kit';
import type { LogRow } from './useLogPages';

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });

interface LogsTableProps {
  rows: LogRow[];
  hasMore: boolean;
  isLoading: boolean;
  onLoadMore: () => void;
}

/** Results, newest first; the next page loads when the sentinel under the table scrolls into view. */
export function LogsTable({ rows, hasMore, isLoading, onLoadMore }: LogsTableProps) {
  const sentinel = React.useRef<HTMLDivElement>(null);
  const more = React.useRef(onLoadMore);
  more.current = onLoadMore;

  React.useEffect(() => {
    const node = sentinel.current;
    if (!node || !hasMore) return;
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((e) => e.isIntersecting)) more.current();
    }, { rootMargin: '200px' });
    observer.observe(node);
    return () => observer.disconnect();
    // Re-observe after each page: a sentinel still in view after a short page must trigger again.
  }, [hasMore, rows.length]);

  return (
    <Box>
      <Table colCount={5} rowCount={rows.length + 1} aria-label="Log entries">
        <Thead>
          <Tr>
            <Th><Typography variant="sigma">Time</Typography></Th>
            <Th><Typography variant="sigma">Service</Typography></Th>
            <Th><Typography variant="sigma">Severity</Typography></Th>
            <Th><Typography variant="sigma">Host</Typography></Th>
            <Th><Typography variant="sigma">Message</Typography></Th>
          </Tr>
        </Thead>
        <Tbody>
          {rows.map((row) =>
            row.kind === 'skipped' ? (
              <Tr key={row.key} data-row="skipped">
                <Td colSpan={5}>
                  <Typography textColor="warning600" fontWeight="bold">
                    … skipped {row.count} line{row.count === 1 ? '' : 's'} (live tail rate limit)
                  </Typography>
                </Td>
              </Tr>
            ) : (
              <Tr key={row.key} data-row="entry" data-severity={row.entry.severity}>
                <Td>
                  <Typography textColor="neutral800" title={row.entry.timestamp} style={{ whiteSpace: 'nowrap' }}>
                    {TIME.format(new Date(row.entry.timestamp))}
                  </Typography>
                </Td>
                <Td><Typography textColor="neutral800">{row.entry.service ?? '—'}</Typography></Td>
                <Td>
                  <Badge textColor="neutral0" backgroundColor={SEVERITY_COLORS[row.entry.severity] as any}>
                    {row.entry.severity}
                  </Badge>
                </Td>
                <Td><Typography textColor="neutral600">{row.entry.host ?? ''}</Typography></Td>
                <Td style={{ whiteSpace: 'normal' }}>
                  <Typography textColor="neutral800">{row.entry.message}</Typography>
                  {row.entry.attributes && Object.keys(row.entry.attributes).length > 0 && (
                    <Box>
                      <Typography variant="pi" textColor="neutral500" style={{ fontFamily: "monospace" }}>
                        {JSON.stringify(row.entry.attributes)}
                      </Typography>
                    </Box>
                  )}
                </Td>
              </Tr>
            ),
          )}
        </Tbody>
      </Table>
      <div ref={sentinel} data-testid="logs-sentinel" style={{ height: 1 }} />
      <Flex justifyContent="center" padding={4}>
        {isLoading ? (
          <Loader small>Loading entries</Loader>
        ) : (
          <Typography variant="pi" textColor="neutral500">
            {rows.length === 0 ? 'No entries match these filters.' : hasMore ? 'Scroll for more' : `End of results (${rows.filter((r) => r.kind === 'entry').length} shown)`}
          </Typography>
        )}
      </Flex>
    </Box>
  );
}
