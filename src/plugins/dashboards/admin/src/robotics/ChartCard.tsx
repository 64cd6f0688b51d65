import * as React from 'react';
import { Box, Button, Flex, Typography } from '@strapi/design-system';
import { Download } from '@strapi/icons';
import { useCsvDownload, withQuery, type QueryParams } from '../chart-kit';

/** One chart of the Robotics page with its own CSV download (the chart's data, same filters). */
export function ChartCard({ title, chart, params, empty, children }: { title: string; chart: string; params: QueryParams; empty?: boolean; children: React.ReactNode }) {
  const { downloadCsv, isDownloading } = useCsvDownload();
  return (
    <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius data-chart={chart}>
      <Flex justifyContent="space-between" alignItems="center" paddingBottom={2}>
        <Typography variant="delta" tag="h2">
          {title}
        </Typography>
        <Button
          variant="tertiary"
          size="S"
          startIcon={<Download />}
          loading={isDownloading}
          aria-label={`Download CSV: ${title}`}
          onClick={() => downloadCsv(withQuery('/dashboards/robotics/export', { ...params, chart, format: 'csv' }), `robotics-${chart}.csv`)}
        >
          CSV
        </Button>
      </Flex>
      {empty ? (
        <Box padding={6}>
          <Typography textColor="neutral600">No data for these filters.</Typography>
        </Box>
      ) : (
        children
      )}
    </Box>
  );
}
