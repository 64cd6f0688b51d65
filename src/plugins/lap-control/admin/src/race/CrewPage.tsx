import * as React from 'react';
import { Layouts, Page } from '@strapi/strapi/admin';
import { Alert, Flex, Loader } from '@strapi/design-system';
import { FeedBadge } from './FeedBadge';
import { formatClock, type CrewState, type FeedStatus } from './shared';

/** The outcome of the operator's last command, shown above the page until the next one. */
export type Notice = { variant: 'success' | 'warning' | 'danger'; text: string };

interface CrewPageProps {
  /** Browser tab title. */
  pageTitle: string;
  title: string;
  subtitle: (state: CrewState) => string;
  /** Link to the audience screen this page drives. */
  audienceLink: React.ReactNode;
  crew: { state: CrewState | undefined; error: string | undefined; feed: FeedStatus };
  notice: Notice | undefined;
  onCloseNotice: () => void;
  /** `data-testid` of the notice, so each page's tests find their own. */
  noticeId: string;
  children: (state: CrewState) => React.ReactNode;
}

/**
 * The frame of the crew pages that follow the race live: header with the live badge, loading and
 * error states, the "race has ended" note and the last command's notice; the page draws the rest.
 */
export function CrewPage({ pageTitle, title, subtitle, audienceLink, crew, notice, onCloseNotice, noticeId, children }: CrewPageProps) {
  const { state } = crew;
  return (
    <Page.Main>
      <Page.Title>{pageTitle}</Page.Title>
      <Layouts.Header title={title} subtitle={state ? subtitle(state) : 'Race'} primaryAction={audienceLink} secondaryAction={<FeedBadge feed={crew.feed} />} />
      <Layouts.Content>
        {!state ? (
          crew.error ? (
            <Alert variant="danger" closeLabel="Close" title="Cannot load the race">
              {crew.error}
            </Alert>
          ) : (
            <Loader>Loading the race</Loader>
          )
        ) : (
          <Flex direction="column" alignItems="stretch" gap={4}>
            {state.race.finished && (
              <Alert variant="default" closeLabel="Close" title="The race has ended">
                It ended at {formatClock(state.race.endsAt, state.race.timezone)}; the audience screens show the final standings.
              </Alert>
            )}
            {notice && (
              <Alert variant={notice.variant} closeLabel="Close" onClose={onCloseNotice} role="status" data-testid={noticeId}>
                {notice.text}
              </Alert>
            )}
            {children(state)}
          </Flex>
        )}
      </Layouts.Content>
    </Page.Main>
  );
}
