import { requestJson } from './api';
import { RaceClock } from '../shared/clock';
import { PUBLIC_TOPIC, type RaceEvent, type RaceEventPayload, type RaceInfo } from '../../contract';
import { byId, fill, h } from './dom';
import { formatClock, formatDuration } from '../shared/format';
import { coalesce, connectRaceFeed, type FeedStatus } from '../shared/live';

export interface AudienceScreen<T> {
  /** Public route the screen shows, e.g. `/api/lap-control/public/statistics`. */
  source: string;
  render: (data: T, clock: RaceClock) => void;
  /**
   * Applies a live event to the data in place and returns true, or returns false to refetch.
   * Without it every event refetches (coalesced).
   */
  apply?: (data: T, event: RaceEvent, payload: RaceEventPayload) => boolean;
}

/**
 * What every audience screen does: fetch its public route, render, keep running timers ticking,
 * follow `race:public` live, and freeze on the final standings once the race has ended (the server
 * computes them up to `endsAt` and says `finished`; the screen also refetches at the end instant so it
 * freezes without waiting for an event).
 */
export function startAudienceScreen<T extends { race?: RaceInfo }>(screen: AudienceScreen<T>): void {
  const clock = new RaceClock();
  let data: T | undefined;
  let disconnect: (() => void) | undefined;
  let endTimer: ReturnType<typeof setTimeout> | undefined;

  const load = async () => {
    try {
      data = await requestJson<T>(screen.source);
    } catch (error) {
      showStatus({ error: `Cannot load the race (${(error as Error).message})` });
      throw error;
    }
    if (data.race) clock.sync(data.race);
    showRace(data.race, clock);
    screen.render(data, clock);
    if (data.race?.finished) {
      disconnect?.(); // final standings: nothing changes any more
      disconnect = undefined;
      showStatus('final');
    } else {
      scheduleFreeze();
    }
  };
  const refetch = coalesce(load);

  const scheduleFreeze = () => {
    clearTimeout(endTimer);
    const wait = clock.untilEnd();
    // setTimeout overflows past ~24.8 days; a race further away is re-checked on the next load.
    if (Number.isFinite(wait) && wait < 2 ** 31 - 1) endTimer = setTimeout(refetch, Math.max(wait, 0) + 500);
  };

  disconnect = connectRaceFeed({
    topic: PUBLIC_TOPIC,
    onEvent: (event, payload) => {
      if (data && screen.apply?.(data, event, payload)) screen.render(data, clock);
      else refetch();
    },
    onResync: refetch,
    onStatus: (status) => {
      if (!data?.race?.finished) showStatus(status);
    },
  });
  startTimers(clock);
  refetch();
}

/** Race name, the race-local clock and the "final standings" banner, present on every screen. */
function showRace(race: RaceInfo | undefined, clock: RaceClock): void {
  if (!race) return;
  document.title = `${race.name} · ${document.title.split(' · ').pop()}`;
  const name = document.getElementById('race-name');
  if (name) name.textContent = race.name;
  const banner = document.getElementById('race-banner');
  if (banner) {
    banner.hidden = !race.finished && clock.now() >= Date.parse(race.startsAt);
    banner.textContent = race.finished
      ? `The race has ended at ${formatClock(race.endsAt, race.timezone)}: these are the final standings.`
      : `The race starts at ${formatClock(race.startsAt, race.timezone)}.`;
    banner.dataset.state = race.finished ? 'final' : 'before';
  }
  document.body.dataset.raceFinished = String(race.finished);
  const zone = document.getElementById('race-clock');
  if (zone) zone.dataset.timezone = race.timezone;
}

function showStatus(status: FeedStatus | 'final'): void {
  const el = document.getElementById('live-status');
  if (!el) return;
  const [state, text] =
    status === 'final' ? ['final', 'Final'] : status === 'live' ? ['live', 'Live'] : status === 'connecting' ? ['connecting', 'Connecting…'] : ['error', status.error];
  el.dataset.state = state;
  el.textContent = text;
}

/**
 * Every element with `data-timer-start` shows the time elapsed since that instant on the server's
 * clock; `#race-clock` shows the race-local time. One interval for the whole page.
 */
function startTimers(clock: RaceClock): void {
  const tick = () => {
    for (const el of document.querySelectorAll<HTMLElement>('[data-timer-start]')) {
      el.textContent = formatDuration(clock.elapsedSince(el.dataset.timerStart!));
    }
    const zoneClock = document.getElementById('race-clock');
    if (zoneClock) zoneClock.textContent = formatClock(new Date(clock.now()).toISOString(), zoneClock.dataset.timezone, true);
  };
  tick();
  setInterval(tick, 100);
}

/** A running lap's timer element (ticked by startTimers). */
export const timer = (startedAt: string, className = 'timer') => h('span', { className, 'data-timer-start': startedAt }, '');

/** A list of a screen's items, or the sentence that says there are none. */
export function fillList(id: string, items: HTMLElement[], empty: string): void {
  if (items.length) fill(id, ...items);
  else fill(id, h('li', { className: 'empty' }, empty));
}

export { byId, fill, h };
