/**
 * Answer shapes of the lap-control routes as docs/lap-control.md defines them: the one declaration the
 * server (services), the admin pages and the public pages all import. Types and two topic names only.
 */
export type PublicRunner = { id: number; name: string; team: string | null };
export type CrewRunner = PublicRunner & {
  identification: string;
  university: string | null;
  testTimeSeconds: number | null;
  lapsRun: number;
  bestLapMs: number | null;
  points: number;
};
export type Ticket<R = PublicRunner> = { ticketId: number; position: number; runner: R };
export type RunningLap<R = PublicRunner> = { lapId: number; runner: R; startedAt: string };
export type FinishedLap<R = PublicRunner> = RunningLap<R> & { durationMs: number; points: number };
export type TeamStanding = { name: string; score: number; rank: number };

export type RaceInfo = {
  name: string;
  startsAt: string;
  endsAt: string;
  timezone: string;
  pointsMode: 'criteria' | 'time_of_day';
  raining: boolean;
  now: string;
  finished: boolean;
};

export type PublicStatistics = {
  race: RaceInfo;
  queueVersion: number;
  current: RunningLap | null;
  previous: FinishedLap | null;
  next: Ticket[];
  topRunners: { runner: PublicRunner; bestLapMs: number }[];
  topTeams: TeamStanding[];
  mostActive: { runner: PublicRunner; laps: number }[];
  lastLaps: FinishedLap[];
  recentLaps: { lapId: number; startedAt: string; durationMs: number }[];
};

export type PublicQueue = { queueVersion: number; tickets: Ticket[] };

export type CrewState = {
  race: RaceInfo;
  queueVersion: number;
  current: RunningLap<CrewRunner> | null;
  queue: Ticket<CrewRunner>[];
  lastLaps: FinishedLap<CrewRunner>[];
};

export type RaceOptions = {
  universities: { id: number; name: string }[];
  teams: { id: number; name: string }[];
  shifts?: { id: number; name: string; startsAt: string; endsAt: string }[];
};

export type KioskRunner = PublicRunner & { lapsRun: number; bestLapMs: number | null; inQueue: boolean };
export type KioskLookup = { known: boolean; runner?: KioskRunner };

export type RegistrationForm = {
  identification: string;
  firstName: string;
  lastName: string;
  university: number | null;
  team: number | null;
  firstYear: boolean;
};

/** Live events on `race:public` / `race:crew`; every one may carry the queue version it produced. */
export const RACE_EVENTS = ['queue:insert', 'queue:move', 'queue:delete', 'lap:update', 'lap:delete', 'score:update'] as const;
export type RaceEvent = (typeof RACE_EVENTS)[number];
export type RaceEventPayload = { queueVersion?: number; [key: string]: unknown };
/**
 * Several events produced by one action (an advance closes a lap, starts one and changes the scores),
 * in order, as one message: one socket write per client instead of one per event. An action that
 * produces a single event on a topic sends it on its own.
 */
export const RACE_CHANGES_EVENT = 'race:changes';
export type RaceChanges = { changes: Array<{ event: RaceEvent; payload: RaceEventPayload }> };

export const PUBLIC_TOPIC = 'race:public';
export const CREW_TOPIC = 'race:crew';
