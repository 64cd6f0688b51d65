import type { RaceInfo } from '../../contract';

/**
 * Running timers count from the server's start instant, so they must use the server's clock: a phone
 * whose clock is 20 s off would otherwise show a lap 20 s too long. Every answer carries `race.now`;
 * the offset is taken when it arrives (network latency makes it a little late, which is fine for tenths).
 */
export class RaceClock {
  private offsetMs = 0;
  private endsAtMs = Infinity;

  sync(race: Pick<RaceInfo, 'now' | 'endsAt' | 'finished'>): void {
    const serverNow = Date.parse(race.now);
    if (Number.isFinite(serverNow)) this.offsetMs = serverNow - Date.now();
    const end = Date.parse(race.endsAt);
    this.endsAtMs = Number.isFinite(end) ? end : Infinity;
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Time since `startedAt`, stopped at the race's end (the timer freezes with the screens). */
  elapsedSince(startedAt: string): number {
    return Math.min(this.now(), this.endsAtMs) - Date.parse(startedAt);
  }

  /** Milliseconds until the race ends (for scheduling the freeze), Infinity when unknown. */
  untilEnd(): number {
    return this.endsAtMs - this.now();
  }
}
