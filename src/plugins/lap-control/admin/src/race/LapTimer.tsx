import * as React from 'react';
import { Typography, type TypographyProps } from '@strapi/design-system';
import { formatDuration, type RaceClock } from './shared';

/** Time since `startedAt` on the server's clock, redrawn ten times a second. */
export function LapTimer({ startedAt, clock, ...props }: { startedAt: string; clock: RaceClock } & Omit<TypographyProps, 'children'>) {
  const [, tick] = React.useReducer((n: number) => n + 1, 0);
  React.useEffect(() => {
    const id = setInterval(tick, 100);
    return () => clearInterval(id);
  }, []);
  return (
    <Typography data-testid="lap-timer" style={{ fontVariantNumeric: 'tabular-nums' }} {...props}>
      {formatDuration(clock.elapsedSince(startedAt))}
    </Typography>
  );
}
