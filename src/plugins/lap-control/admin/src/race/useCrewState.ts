import * as React from 'react';
import { useAuth, useFetchClient } from '@strapi/strapi/admin';
import { backendURL } from './backend';
import { CREW_TOPIC, RaceClock, applyQueueEvent, coalesce, connectRaceFeed, type CrewRunner, type CrewState, type FeedStatus, type Ticket } from './shared';

/**
 * The crew's view of the race (`GET /lap-control/state`), kept live from `race:crew`: queue events
 * are applied when they are the next version, anything else (laps, a missed version, a reconnection)
 * refetches, coalesced. Commands hand their answers to `replace` so the page never waits for its
 * own event.
 */
export function useCrewState() {
  const { get } = useFetchClient();
  const token = useAuth('RaceCrewFeed', (auth) => auth.token);
  const [state, setState] = React.useState<CrewState>();
  const [error, setError] = React.useState<string>();
  const [feed, setFeed] = React.useState<FeedStatus>('connecting');
  const clock = React.useMemo(() => new RaceClock(), []);
  // Live events are applied to the latest state synchronously (to know whether to refetch), so the
  // state is also kept in a ref.
  const latest = React.useRef<CrewState>();
  const commit = React.useCallback((next: CrewState) => {
    latest.current = next;
    setState(next);
  }, []);

  const replace = React.useCallback(
    (next: CrewState) => {
      clock.sync(next.race);
      commit(next);
    },
    [clock, commit],
  );
  const replaceQueue = React.useCallback(
    (queue: Ticket<CrewRunner>[], queueVersion: number) => {
      if (latest.current) commit({ ...latest.current, queue, queueVersion });
    },
    [commit],
  );

  const getRef = React.useRef(get);
  getRef.current = get;
  const refetch = React.useMemo(
    () =>
      coalesce(async () => {
        try {
          replace((await getRef.current<CrewState>('/lap-control/state')).data);
          setError(undefined);
        } catch (e) {
          setError((e as Error).message);
        }
      }),
    [replace],
  );

  React.useEffect(() => refetch(), [refetch]);

  React.useEffect(() => {
    if (!token) return;
    return connectRaceFeed({
      topic: CREW_TOPIC,
      token,
      url: backendURL(),
      onEvent: (event, payload) => {
        const current = latest.current;
        const next = current && event.startsWith('queue:') ? applyQueueEvent({ queueVersion: current.queueVersion, tickets: current.queue }, event, payload) : null;
        if (current && next) commit({ ...current, queueVersion: next.queueVersion, queue: next.tickets });
        else refetch();
      },
      onResync: refetch,
      onStatus: setFeed,
    });
  }, [token, refetch, commit]);

  return { state, error, feed, clock, replace, replaceQueue, refetch };
}
