import { io, type Socket } from 'socket.io-client';
import { RACE_CHANGES_EVENT, RACE_EVENTS, type RaceChanges, type RaceEvent, type RaceEventPayload } from '../../contract';

export type FeedStatus = 'connecting' | 'live' | { error: string };

export interface RaceFeedOptions {
  topic: string;
  /** Admin access token or users-permissions JWT; none = anonymous (public topics only). */
  token?: string | null;
  /** Origin of the Strapi server; the page's own origin by default. */
  url?: string;
  onEvent: (event: RaceEvent, payload: RaceEventPayload) => void;
  /** After a reconnection, events may have been missed: the screen should refetch. */
  onResync?: () => void;
  onStatus?: (status: FeedStatus) => void;
}

/**
 * Joins a race topic of the realtime plugin (docs/realtime.md) and forwards its events. Returns the
 * function that disconnects. Framework-free: the public pages and the admin pages both use it.
 */
export function connectRaceFeed(options: RaceFeedOptions): () => void {
  const socket: Socket = io(options.url ?? window.location.origin, {
    path: '/socket.io',
    auth: options.token ? { token: options.token } : {},
    transports: ['websocket', 'polling'],
  });
  let connectedBefore = false;
  options.onStatus?.('connecting');
  socket.on('connect', () => {
    socket.emit('subscribe', [options.topic], (ack: { joined?: string[]; refused?: { reason: string }[] }) => {
      if (ack?.joined?.includes(options.topic)) options.onStatus?.('live');
      else options.onStatus?.({ error: ack?.refused?.[0]?.reason ?? 'subscription refused' });
    });
    if (connectedBefore) options.onResync?.();
    connectedBefore = true;
  });
  socket.on('disconnect', () => options.onStatus?.('connecting'));
  socket.on('connect_error', (err: Error) => options.onStatus?.({ error: err.message }));
  for (const event of RACE_EVENTS) socket.on(event, (payload: RaceEventPayload) => options.onEvent(event, payload ?? {}));
  socket.on(RACE_CHANGES_EVENT, ({ changes }: RaceChanges) => {
    for (const { event, payload } of changes ?? []) if ((RACE_EVENTS as readonly string[]).includes(event)) options.onEvent(event, payload ?? {});
  });
  return () => {
    socket.disconnect();
  };
}

/**
 * Wraps a loader so bursts of calls cause one load: an advance publishes several events within a few
 * milliseconds (lap closed, lap started, scores), and 500 phones refetching once is enough. A call
 * during a load queues exactly one more load after it.
 */
export function coalesce(load: () => Promise<void>, delayMs = 60): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  const run = async () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await load();
    } catch {
      // the loader shows its own errors; the next event tries again
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    if (timer === undefined) timer = setTimeout(run, delayMs);
  };
  return schedule;
}
