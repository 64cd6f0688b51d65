/**
 * 24-hour relay run demo (VTK 24urenloop): the race settings, two universities, three teams with a
 * happy hour, the points criteria, an opening shift, ten runners, the first laps of the race and the
 * queue waiting behind them. Points and scores are computed here from the criteria, so the demo is
 * consistent with the rules the race services apply.
 */
import type { DemoSeeder, DocumentData } from './seeder';
import { demoRandom, round, secondsAfter } from './random';

const RACE = 'api::race.race';
const UNIVERSITY = 'api::race.university';
const TEAM = 'api::race.team';
const CRITERION = 'api::race.criterion';
const HAPPY_HOUR = 'api::race.happy-hour';
const SHIFT = 'api::race.shift';
const RUNNER = 'api::race.runner';
const QUEUE_TICKET = 'api::race.queue-ticket';
const LAP = 'api::race.lap';

const RACE_START = '2025-04-23T18:00:00.000Z';

const UNIVERSITIES = [
  { full_name: 'KU Leuven', abbreviation: 'KUL' },
  { full_name: 'UHasselt', abbreviation: 'UH' },
];

const TEAMS = ['VTK', 'Apolloon', 'Ekonomika'];

/** A lap earns the points of the strictest criterion it beats (lowest upper bound). */
const CRITERIA = [
  { max_lap_seconds: 60, points: 10 },
  { max_lap_seconds: 70, points: 6 },
  { max_lap_seconds: 80, points: 3 },
  { max_lap_seconds: 100, points: 1 },
];

const HAPPY_HOUR_DATA = {
  name: 'VTK opening hour',
  team: 'VTK',
  starts_at: RACE_START,
  ends_at: secondsAfter(RACE_START, 3600),
  multiplier: 2,
};

interface RunnerSpec {
  first_name: string;
  last_name: string;
  university: string;
  team: string | null;
  first_year: boolean;
}

const RUNNERS: RunnerSpec[] = [
  { first_name: 'Lotte', last_name: 'Peeters', university: 'KU Leuven', team: 'VTK', first_year: false },
  { first_name: 'Arne', last_name: 'Janssens', university: 'KU Leuven', team: 'VTK', first_year: true },
  { first_name: 'Noor', last_name: 'Maes', university: 'KU Leuven', team: 'Apolloon', first_year: false },
  { first_name: 'Wout', last_name: 'Jacobs', university: 'KU Leuven', team: 'Ekonomika', first_year: false },
  { first_name: 'Fien', last_name: 'Willems', university: 'UHasselt', team: 'Apolloon', first_year: true },
  { first_name: 'Senne', last_name: 'Claes', university: 'KU Leuven', team: 'VTK', first_year: false },
  { first_name: 'Marie', last_name: 'Goossens', university: 'UHasselt', team: null, first_year: false },
  { first_name: 'Jonas', last_name: 'Wouters', university: 'KU Leuven', team: 'Ekonomika', first_year: true },
  { first_name: 'Elise', last_name: 'De Smet', university: 'KU Leuven', team: 'Apolloon', first_year: false },
  { first_name: 'Robbe', last_name: 'Mertens', university: 'UHasselt', team: null, first_year: false },
];

/** Runners in queue order; the first LAPS_RUN of them have finished their lap. */
const LAPS_RUN = 6;
/** Runners on the opening shift. */
const SHIFT_SIZE = 5;

function lapPoints(durationMs: number, team: string | null, startedAt: string): number {
  const criterion = CRITERIA.find((c) => durationMs <= c.max_lap_seconds * 1000);
  if (!criterion) return 0;
  const t = Date.parse(startedAt);
  const happy =
    team === HAPPY_HOUR_DATA.team && t >= Date.parse(HAPPY_HOUR_DATA.starts_at) && t < Date.parse(HAPPY_HOUR_DATA.ends_at);
  return Math.round(criterion.points * (happy ? HAPPY_HOUR_DATA.multiplier : 1));
}

/** The whole demo race as plain data, before anything is stored. */
function planRace() {
  const random = demoRandom(0x24);
  const runners = RUNNERS.map((spec, index) => {
    const testTime = round(random.between(56, 88), 1);
    return {
      ...spec,
      identification: `r0${String(random.int(100000, 999999))}`,
      email: `${spec.first_name}.${spec.last_name.replace(/\s+/g, '')}@student.example.be`.toLowerCase(),
      test_time_seconds: testTime,
      registered_at: secondsAfter(RACE_START, -3600 + index * 240),
      points: 0,
    };
  });

  let clock = RACE_START;
  const laps = runners.slice(0, LAPS_RUN).map((runner, index) => {
    const durationMs = Math.round((runner.test_time_seconds + random.between(-3, 5)) * 1000);
    const lap = { runner: index, started_at: clock, duration_ms: durationMs, points: lapPoints(durationMs, runner.team, clock) };
    runner.points += lap.points;
    clock = secondsAfter(clock, durationMs / 1000);
    return lap;
  });

  const score = (team: string) => runners.filter((r) => r.team === team).reduce((sum, r) => sum + r.points, 0);
  return { runners, laps, teams: TEAMS.map((name) => ({ name, score: score(name) })) };
}

export async function seedRace(seeder: DemoSeeder): Promise<void> {
  const plan = planRace();

  await seeder.ensure(RACE, [], {
    name: '24-hour run (demo)',
    starts_at: RACE_START,
    ends_at: secondsAfter(RACE_START, 24 * 3600),
    timezone: 'Europe/Brussels',
    raining: false,
    points_mode: 'criteria',
  });
  await seeder.ensureAll(CRITERION, ['max_lap_seconds'], CRITERIA);

  const universities = new Map<string, string>();
  for (const university of UNIVERSITIES) {
    universities.set(university.full_name, (await seeder.ensure(UNIVERSITY, ['full_name'], university)).documentId);
  }
  const teams = new Map<string, string>();
  for (const team of plan.teams) teams.set(team.name, (await seeder.ensure(TEAM, ['name'], team)).documentId);
  await seeder.ensure(HAPPY_HOUR, ['name'], { ...HAPPY_HOUR_DATA, team: teams.get(HAPPY_HOUR_DATA.team) });

  const runners = await seeder.ensureAll(
    RUNNER,
    ['identification'],
    plan.runners.map(
      (runner): DocumentData => ({
        ...runner,
        university: universities.get(runner.university),
        team: runner.team ? teams.get(runner.team) : null,
      }),
    ),
  );

  await seeder.ensure(SHIFT, ['name'], {
    name: 'Opening shift',
    starts_at: RACE_START,
    ends_at: secondsAfter(RACE_START, 2 * 3600),
    runners: runners.slice(0, SHIFT_SIZE).map((runner) => runner.documentId),
  });

  // Every runner queued once, in order; the first ones ran and their tickets carry a lap.
  const tickets = await seeder.ensureAll(
    QUEUE_TICKET,
    ['runner', 'position'],
    runners.map((runner, index) => ({
      runner: runner.documentId,
      position: index + 1,
      registered_at: plan.runners[index].registered_at,
      removed: false,
      ran: index < LAPS_RUN,
    })),
  );
  await seeder.ensureAll(
    LAP,
    ['ticket'],
    plan.laps.map((lap) => ({
      runner: runners[lap.runner].documentId,
      ticket: tickets[lap.runner].documentId,
      started_at: lap.started_at,
      duration_ms: lap.duration_ms,
      raining: false,
      points: lap.points,
    })),
  );
}
