import * as React from 'react';
import { Box, Flex, Typography } from '@strapi/design-system';

/**
 * A progress bar for a light dialog (the design system's ProgressBar is white on dark, meant for
 * upload cards) with its text line below.
 */
export const Progress = ({ percent, label, testId }: { percent: number; label: string; testId: string }) => (
  <Flex direction="column" alignItems="stretch" gap={1}>
    <Box background="neutral150" hasRadius style={{ height: 8, overflow: 'hidden' }} role="progressbar" aria-valuenow={percent} aria-valuemin={0} aria-valuemax={100}>
      <Box background="primary600" style={{ height: '100%', width: `${Math.min(100, Math.max(0, percent))}%`, transition: 'width 0.2s' }} />
    </Box>
    <Typography variant="pi" data-testid={testId}>
      {label}
    </Typography>
  </Flex>
);
