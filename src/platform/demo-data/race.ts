/**
 * 24-hour relay run demo (VTK 24urenloop): the race settings, three universities, four teams with
 * happy hours, the points criteria, four shifts, 40 runners, the first ~8 hours of the race (a few
 * hundred laps, one after the other as the lap control makes them) and the queue waiting behind
 * them. Lap points come from the lap-control plugin's own rule (computeLapPoints), so the demo agrees
 * with what the plugin recomputes after every lap write.
 */
import type { DemoSeeder, DocumentData } from './seeder';
import { demoRandom, round, secondsAfter } from './random';
import { computeLapPoints, DEFAULT_RAIN_BONUS, DEFAULT_TIME_BANDS, type PointsRules } from '../../plugins/lap-control/server/src/services/points';

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
  { full_name: 'Thomas More', abbreviation: 'TM' },
];

const TEAMS = ['VTK', 'Apolloon', 'Ekonomika', 'Medica'];

/** A lap earns the points of the strictest criterion it beats (lowest upper bound). */
const CRITERIA = [
  { max_lap_seconds: 60, points: 10 },
  { max_lap_seconds: 70, points: 6 },
  { max_lap_seconds: 80, points: 3 },
  { max_lap_seconds: 100, points: 1 },
];

const HAPPY_HOURS = [
  { name: 'VTK opening hour', team: 'VTK', starts_at: RACE_START, ends_at: secondsAfter(RACE_START, 3600), multiplier: 2 },
  { name: 'Apolloon night hour', team: 'Apolloon', starts_at: secondsAfter(RACE_START, 6 * 3600), ends_at: secondsAfter(RACE_START, 7 * 3600), multiplier: 2 },
  { name: 'Ekonomika breakfast', team: 'Ekonomika', starts_at: secondsAfter(RACE_START, 12 * 3600), ends_at: secondsAfter(RACE_START, 13 * 3600), multiplier: 3 },
  { name: 'Medica evening', team: 'Medica', starts_at: secondsAfter(RACE_START, 2 * 3600), ends_at: secondsAfter(RACE_START, 3 * 3600), multiplier: 2 },
];

const SHIFTS = [
  { name: 'Opening shift', from: 0, hours: 2 },
  { name: 'Evening shift', from: 2, hours: 3 },
  { name: 'Night shift', from: 5, hours: 4 },
  { name: 'Morning shift', from: 12, hours: 3 },
];

interface RunnerSpec {
  first_name: string;
  last_name: string;
  university: string;
  team: string | null;
  first_year: boolean;
}

/** The first ten runners of the demo since it began; thirty more are generated below. */
const NAMED_RUNNERS: RunnerSpec[] = [
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
const FIRST_NAMES = ['Lucas', 'Emma', 'Louis', 'Olivia', 'Arthur', 'Mila', 'Jules', 'Lina', 'Victor', 'Julie', 'Finn', 'Hanne', 'Warre', 'Lore', 'Mats'];
const LAST_NAMES = ['Dubois', 'Lambert', 'Dupont', 'Vermeulen', 'Hermans', 'Aerts', 'Michiels', 'Segers', 'Coppens', 'Lemmens', 'Verstraeten', 'Stevens'];
const RUNNER_COUNT = 40;
/** Laps run in the demo (about eight hours of the race). */
const LAP_COUNT = 320;
/** Runners waiting in the queue after the last demo lap. */
const WAITING = 5;

const RULES: PointsRules = {
  mode: 'criteria',
  timezone: 'Europe/Brussels',
  criteria: CRITERIA.map((c) => ({ maxLapSeconds: c.max_lap_seconds, points: c.points })),
  // Team ids are not known before storing: the plan keys happy hours by team index + 1.
  happyHours: HAPPY_HOURS.map((h) => ({
    teamId: TEAMS.indexOf(h.team) + 1,
    startsAt: Date.parse(h.starts_at),
    endsAt: Date.parse(h.ends_at),
    multiplier: h.multiplier,
  })),
  bands: DEFAULT_TIME_BANDS,
  rainBonus: DEFAULT_RAIN_BONUS,
};

function lapPoints(durationMs: number, team: string | null, startedAt: string): number {
  const teamId = team == null ? null : TEAMS.indexOf(team) + 1;
  return computeLapPoints(RULES, { startedAt: Date.parse(startedAt), durationMs, raining: false, teamId });
}

function runnerSpecs(random: ReturnType<typeof demoRandom>): RunnerSpec[] {
  const specs = [...NAMED_RUNNERS];
  const taken = new Set(specs.map((s) => `${s.first_name} ${s.last_name}`));
  while (specs.length < RUNNER_COUNT) {
    const first_name = random.pick(FIRST_NAMES);
    const last_name = random.pick(LAST_NAMES);
    if (taken.has(`${first_name} ${last_name}`)) continue;
    taken.add(`${first_name} ${last_name}`);
    const team = random.next() < 0.1 ? null : random.pick(TEAMS);
    specs.push({ first_name, last_name, university: random.pick(UNIVERSITIES).full_name, team, first_year: random.next() < 0.3 });
  }
  return specs;
}

/** The whole demo race as plain data, before anything is stored. */
function planRace() {
  const random = demoRandom(0x24);
  const specs = runnerSpecs(demoRandom(0x2440));
  const identifications = new Set<string>();
  const runners = specs.map((spec, index) => {
    const testTime = round(random.between(56, 88), 1);
    let identification = `r0${String(random.int(100000, 999999))}`;
    while (identifications.has(identification)) identification = `r0${String(random.int(100000, 999999))}`;
    identifications.add(identification);
    return {
      ...spec,
      identification,
      email: `${spec.first_name}.${spec.last_name.replace(/\s+/g, '')}${index >= NAMED_RUNNERS.length ? index : ''}@student.example.be`.toLowerCase(),
      test_time_seconds: testTime,
      registered_at: secondsAfter(RACE_START, -3600 + index * 120),
      points: 0,
    };
  });

  // Queue order: rounds through the runners, each round in a shuffled order, some skipping a round.
  const order: number[] = [];
  while (order.length < LAP_COUNT + WAITING) {
    const round = runners.map((_, i) => i).filter(() => random.next() < 0.85);
    for (let i = round.length - 1; i > 0; i--) {
      const j = Math.floor(random.next() * (i + 1));
      [round[i], round[j]] = [round[j], round[i]];
    }
    // Nobody runs twice in a row across rounds.
    if (order.length && round[0] === order[order.length - 1]) round.push(round.shift()!);
    order.push(...round);
  }
  order.length = LAP_COUNT + WAITING;

  let clock = RACE_START;
  const laps = order.slice(0, LAP_COUNT).map((runnerIndex, position) => {
    const runner = runners[runnerIndex];
    const slow = random.next() < 0.08 ? random.between(10, 40) : 0;
    const durationMs = Math.round((runner.test_time_seconds + random.between(-3, 6) + slow) * 1000);
    const lap = { runner: runnerIndex, position: position + 1, started_at: clock, duration_ms: durationMs, points: lapPoints(durationMs, runner.team, clock) };
    runner.points += lap.points;
    clock = new Date(Date.parse(clock) + durationMs).toISOString();
    return lap;
  });
  const waiting = order.slice(LAP_COUNT).map((runnerIndex, i) => ({ runner: runnerIndex, position: LAP_COUNT + i + 1, registered_at: secondsAfter(clock, -600 + i * 60) }));

  const score = (team: string) => runners.filter((r) => r.team === team).reduce((sum, r) => sum + r.points, 0);
  return { runners, laps, waiting, teams: TEAMS.map((name) => ({ name, score: score(name) })) };
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
    queue_version: 0,
    rain_bonus: DEFAULT_RAIN_BONUS,
  });
  await seeder.ensureAll(CRITERION, ['max_lap_seconds'], CRITERIA);

  const universities = new Map<string, string>();
  for (const university of UNIVERSITIES) {
    universities.set(university.full_name, (await seeder.ensure(UNIVERSITY, ['full_name'], university)).documentId);
  }
  const teams = new Map<string, string>();
  for (const team of plan.teams) teams.set(team.name, (await seeder.ensure(TEAM, ['name'], team)).documentId);
  for (const happyHour of HAPPY_HOURS) {
    await seeder.ensure(HAPPY_HOUR, ['name'], { ...happyHour, team: teams.get(happyHour.team) });
  }

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

  for (const [index, shift] of SHIFTS.entries()) {
    await seeder.ensure(SHIFT, ['name'], {
      name: shift.name,
      starts_at: secondsAfter(RACE_START, shift.from * 3600),
      ends_at: secondsAfter(RACE_START, (shift.from + shift.hours) * 3600),
      runners: runners.filter((_, i) => i % SHIFTS.length === index).map((runner) => runner.documentId),
    });
  }

  // One ticket per lap (ran), in queue order, then the runners still waiting.
  const tickets = await seeder.ensureAll(QUEUE_TICKET, ['runner', 'position'], [
    ...plan.laps.map((lap) => ({
      runner: runners[lap.runner].documentId,
      position: lap.position,
      registered_at: secondsAfter(lap.started_at, -900),
      removed: false,
      ran: true,
    })),
    ...plan.waiting.map((ticket) => ({
      runner: runners[ticket.runner].documentId,
      position: ticket.position,
      registered_at: ticket.registered_at,
      removed: false,
      ran: false,
    })),
  ]);
  // Written through the Document Service: the lap-control middleware recomputes points and scores.
  await seeder.ensureAll(
    LAP,
    ['ticket'],
    plan.laps.map((lap, index) => ({
      runner: runners[lap.runner].documentId,
      ticket: tickets[index].documentId,
      started_at: lap.started_at,
      duration_ms: lap.duration_ms,
      raining: false,
      points: lap.points,
    })),
  );
}
