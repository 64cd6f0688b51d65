import { Flex, Typography, type TypographyProps } from '@strapi/design-system';
import type { PublicRunner } from './shared';

/** A runner as the crew pages write one: the name, the team underneath. */
export function RunnerName({ runner, variant = 'omega' }: { runner: PublicRunner; variant?: TypographyProps['variant'] }) {
  return (
    <Flex direction="column" alignItems="flex-start" minWidth={0}>
      <Typography variant={variant} fontWeight="bold" data-runner-id={runner.id} ellipsis>
        {runner.name}
      </Typography>
      {runner.team && (
        <Typography variant="pi" textColor="neutral600">
          {runner.team}
        </Typography>
      )}
    </Flex>
  );
}
