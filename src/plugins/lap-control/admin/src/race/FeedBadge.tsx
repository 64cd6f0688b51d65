import { Status, Typography } from '@strapi/design-system';
import type { FeedStatus } from './shared';

/** Whether the page is following the race live (socket.io) or only shows its last fetch. */
export function FeedBadge({ feed }: { feed: FeedStatus }) {
  const [variant, text] = feed === 'live' ? (['success', 'Live'] as const) : feed === 'connecting' ? (['warning', 'Connecting…'] as const) : (['danger', `Not live: ${feed.error}`] as const);
  return (
    <Status variant={variant} size="S" data-testid="feed-status" data-state={typeof feed === 'string' ? feed : 'error'}>
      <Typography fontWeight="bold">{text}</Typography>
    </Status>
  );
}
