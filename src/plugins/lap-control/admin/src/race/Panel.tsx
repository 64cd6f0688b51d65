import * as React from 'react';
import { Box, Flex, Typography } from '@strapi/design-system';

/** A titled white card, the building block of the race pages. */
export function Panel({ title, action, children, label }: { title: string; action?: React.ReactNode; children: React.ReactNode; label?: string }) {
  return (
    <Box background="neutral0" padding={5} shadow="tableShadow" hasRadius aria-label={label ?? title} role="region">
      <Flex justifyContent="space-between" alignItems="center" paddingBottom={3} gap={2}>
        <Typography variant="delta" tag="h2">
          {title}
        </Typography>
        {action}
      </Flex>
      {children}
    </Box>
  );
}
