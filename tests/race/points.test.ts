/**
 * Lap points in both modes, with the boundaries: a lap time equal to a criterion, a lap starting
 * exactly at a happy hour's start and end, a lap across a band change, daylight-saving nights in
 * Europe/Brussels. First the rules alone, then through the real routes and database.
 */
import {
  computeLapPoints,
  DEFAULT_TIME_BANDS,
  parseTimeBands,
  rankTeams,
  type PointsRules,
} from '../../src/plugins/lap-control/server/src/services/points';
import { adminToken, startStrapi, type TestApp } from '../helpers/strapi';
import { createRaceFixture, crew, docs, queueUp, setRace, type Crew, type RaceFixture } from './helpers';

const at = (iso: string) => Date.parse(iso);

const criteriaRules = (over: Partial<PointsRules> = {}): PointsRules => ({
  mode: 'criteria',
  timezone: 'Europe/Brussels',
  criteria: [
    { maxLapSeconds: 60, points: 10 },
    { maxLapSeconds: 70, points: 6 },
    { maxLapSeconds: 100, points: 1 },
  ],
  happyHours: [{ teamId: 1, startsAt: at('2025-04-23T18:00:00Z'), endsAt: at('2025-04-23T19:00:00Z'), multiplier: 2 }],
  bands: DEFAULT_TIME_BANDS,
  rainBonus: 5,
  ...over,
});
const timeRules = (over: Partial<PointsRules> = {}): PointsRules => criteriaRules({ mode: 'time_of_day', ...over });
const lap = (startedAt: string, durationMs: number, teamId: number | null = 2, raining = false) => ({ startedAt: at(startedAt), durationMs, teamId, raining });

describe('points rules', () => {
  describe('mode criteria', () => {
    it('takes the smallest bound that is >= the lap time, a time equal to a bound included', () => {
      const r = criteriaRules();
      expect(computeLapPoints(r, lap('2025-04-23T12:00:00Z', 59999))).toBe(10);
      expect(computeLapPoints(r, lap('2025-04-23T12:00:00Z', 60000))).toBe(10);
      expect(computeLapPoints(r, lap('2025-04-23T12:00:00Z', 60001))).toBe(6);
      expect(computeLapPoints(r, lap('2025-04-23T12:00:00Z', 70000))).toBe(6);
      expect(computeLapPoints(r, lap('2025-04-23T12:00:00Z', 100000))).toBe(1);
      expect(computeLapPoints(r, lap('2025-04-23T12:00:00Z', 100001))).toBe(0);
      expect(computeLapPoints(criteriaRules({ criteria: [] }), lap('2025-04-23T12:00:00Z', 1000))).toBe(0);
    });

    it('multiplies by the team happy hour containing the lap start: start included, end excluded', () => {
      const r = criteriaRules();
      expect(computeLapPoints(r, lap('2025-04-23T17:59:59.999Z', 50000, 1))).toBe(10);
      expect(computeLapPoints(r, lap('2025-04-23T18:00:00.000Z', 50000, 1))).toBe(20);
      expect(computeLapPoints(r, lap('2025-04-23T18:59:59.999Z', 50000, 1))).toBe(20);
      expect(computeLapPoints(r, lap('2025-04-23T19:00:00.000Z', 50000, 1))).toBe(10);
      // A lap that starts before the happy hour and ends inside it gets no multiplier.
      expect(computeLapPoints(r, lap('2025-04-23T17:59:30.000Z', 50000, 1))).toBe(10);
      // Another team's happy hour, or no team, changes nothing.
      expect(computeLapPoints(r, lap('2025-04-23T18:30:00.000Z', 50000, 2))).toBe(10);
      expect(computeLapPoints(r, lap('2025-04-23T18:30:00.000Z', 50000, null))).toBe(10);
      // Fractional multipliers round to whole points.
      const half = criteriaRules({ happyHours: [{ teamId: 1, startsAt: 0, endsAt: at('2030-01-01T00:00:00Z'), multiplier: 1.5 }] });
      expect(computeLapPoints(half, lap('2025-04-23T18:30:00.000Z', 65000, 1))).toBe(9);
    });

    it('gives a running lap nothing', () => {
      expect(computeLapPoints(criteriaRules(), { startedAt: 0, durationMs: null, teamId: 1, raining: false })).toBe(0);
    });
  });

  describe('mode time_of_day', () => {
    it('uses the default bands in local time, from included, to excluded, wrapping midnight', () => {
      const r = timeRules();
      // April: Brussels is UTC+2.
      const local = (hhmm: string) => computeLapPoints(r, lap(`2025-04-23T${hhmm}:00+02:00`, 70000));
      expect(['19:59', '20:00', '23:59', '00:00', '01:59', '02:00', '03:59', '04:00', '08:59', '09:00', '11:59', '12:00', '17:59', '18:00'].map(local)).toEqual([
        3, 1, 1, 1, 1, 3, 3, 10, 10, 5, 5, 1, 1, 3,
      ]);
    });

    it('scores a lap across a band change by its start, and adds the rain bonus', () => {
      const r = timeRules();
      expect(computeLapPoints(r, lap('2025-04-24T03:59:30+02:00', 90000))).toBe(3); // ends at 04:01
      expect(computeLapPoints(r, lap('2025-04-24T04:00:00+02:00', 90000))).toBe(10);
      expect(computeLapPoints(r, lap('2025-04-24T03:59:30+02:00', 90000, 2, true))).toBe(8);
      expect(computeLapPoints(timeRules({ rainBonus: 2 }), lap('2025-04-24T10:00:00+02:00', 1, 2, true))).toBe(7);
    });

    it('follows the time zone through the spring daylight-saving night (Brussels, 30 March 2025)', () => {
      const r = timeRules();
      // 02:00 CET does not exist: 00:59:59Z is 01:59:59 CET, 01:00Z is 03:00 CEST.
      expect(computeLapPoints(r, lap('2025-03-30T00:59:59Z', 60000))).toBe(1);
      expect(computeLapPoints(r, lap('2025-03-30T01:00:00Z', 60000))).toBe(3);
      // 02:00Z is 04:00 CEST (a fixed +01:00 would say 03:00, band 3).
      expect(computeLapPoints(r, lap('2025-03-30T01:59:59Z', 60000))).toBe(3);
      expect(computeLapPoints(r, lap('2025-03-30T02:00:00Z', 60000))).toBe(10);
    });

    it('follows the time zone through the autumn daylight-saving night (Brussels, 26 October 2025)', () => {
      const r = timeRules();
      // 02:00-03:00 local happens twice: 00:00Z (02:00 CEST) and 01:00Z (02:00 CET).
      expect(computeLapPoints(r, lap('2025-10-25T23:59:59Z', 60000))).toBe(1); // 01:59:59 CEST
      expect(computeLapPoints(r, lap('2025-10-26T00:30:00Z', 60000))).toBe(3); // 02:30 CEST
      expect(computeLapPoints(r, lap('2025-10-26T01:30:00Z', 60000))).toBe(3); // 02:30 CET
      // 02:00Z is 03:00 CET (a fixed +02:00 would say 04:00, band 10); 03:00Z is 04:00 CET.
      expect(computeLapPoints(r, lap('2025-10-26T02:00:00Z', 60000))).toBe(3);
      expect(computeLapPoints(r, lap('2025-10-26T03:00:00Z', 60000))).toBe(10);
    });

    it('accepts a configured band table and refuses a malformed one naming time_bands', () => {
      const bands = parseTimeBands([{ from: 0, to: 12, points: 2 }, { from: '12:00', to: '00:00', points: 7 }]);
      expect(computeLapPoints(timeRules({ bands, timezone: 'America/New_York' }), lap('2025-04-23T15:00:00Z', 1))).toBe(2); // 11:00 EDT
      expect(computeLapPoints(timeRules({ bands, timezone: 'America/New_York' }), lap('2025-04-23T16:00:00Z', 1))).toBe(7);
      expect(parseTimeBands(null)).toEqual(DEFAULT_TIME_BANDS);
      for (const bad of [[], [{ from: '25:00', to: '02:00', points: 1 }], [{ from: '01:00', to: '02:00' }], 'nope']) {
        expect(() => parseTimeBands(bad)).toThrow(/time_bands/);
      }
    });
  });

  it('ranks teams with equal scores on one rank', () => {
    expect(rankTeams([{ name: 'B', score: 10 }, { name: 'A', score: 10 }, { name: 'C', score: 5 }, { name: 'D', score: 0 }])).toEqual([
      { name: 'A', score: 10, rank: 1 },
      { name: 'B', score: 10, rank: 1 },
      { name: 'C', score: 5, rank: 3 },
      { name: 'D', score: 0, rank: 4 },
    ]);
  });
});

describe('points through the routes and the database', () => {
  let app: TestApp;
  let c: Crew;
  let race: RaceFixture;
  beforeAll(async () => {
    app = await startStrapi();
    race = await createRaceFixture(app.strapi, { count: 4 });
    c = crew(app, await adminToken(app, ['Race crew']));
    for (const [max, points] of [[60, 10], [70, 6], [100, 1]]) {
      await docs(app.strapi, 'api::race.criterion').create({ data: { max_lap_seconds: max, points } });
    }
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('criteria: a lap of exactly a bound, started exactly at a happy hour start, then one starting at its end', async () => {
    const t0 = Math.floor((Date.now() - 3600e3) / 1000) * 1000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const [a, b, cc] = race.runners; // a and cc in Alpha, b in Bravo
    const alpha = race.teams.find((t) => t.name === 'Alpha')!;
    await docs(app.strapi, 'api::race.happy-hour').create({
      data: { name: 'Alpha hour', team: alpha.documentId, starts_at: iso(t0), ends_at: iso(t0 + 60000), multiplier: 2 },
    });
    await queueUp(c, [a, cc, b].map((r) => r.identification));
    let res = await c.advance(null, iso(t0));
    res = await c.advance(res.body.started.lapId, iso(t0 + 60000)); // a: 60.000 s, starts at the happy hour start
    expect(res.body.closed).toMatchObject({ durationMs: 60000, points: 20 });
    res = await c.advance(res.body.started.lapId, iso(t0 + 60000 + 60001)); // cc: starts at the happy hour end, 60.001 s
    expect(res.body.closed).toMatchObject({ durationMs: 60001, points: 6 });
    const scores = await app.strapi.db.query('api::race.team').findMany({ orderBy: { name: 'asc' } });
    expect(scores.map((t) => [t.name, t.score])).toEqual([['Alpha', 26], ['Bravo', 0]]);
    const stats = (await app.http().get('/api/lap-control/public/statistics')).body;
    expect(stats.topTeams).toEqual([{ name: 'Alpha', score: 26, rank: 1 }, { name: 'Bravo', score: 0, rank: 2 }]);
  });

  it('time_of_day: laps on daylight-saving nights, scored in the race time zone, rain bonus from the settings', async () => {
    await setRace(app.strapi, { points_mode: 'time_of_day', timezone: 'Europe/Brussels', rain_bonus: 4 });
    const runner = race.runners[3];
    const make = async (startedAt: string, raining = false) => {
      const created = await docs(app.strapi, 'api::race.lap').create({ data: { runner: runner.documentId, started_at: startedAt, duration_ms: 90000, raining } });
      return (await app.strapi.db.query('api::race.lap').findOne({ where: { id: created.id } })).points;
    };
    expect(await make('2025-03-30T01:59:59.000Z')).toBe(3); // 03:59:59 CEST
    expect(await make('2025-03-30T02:00:00.000Z')).toBe(10); // 04:00 CEST
    expect(await make('2025-10-26T02:00:00.000Z')).toBe(3); // 03:00 CET
    expect(await make('2025-10-26T03:00:00.000Z')).toBe(10); // 04:00 CET
    expect(await make('2025-10-26T03:00:00.000Z', true)).toBe(14);
    const stored = await app.strapi.db.query('api::race.runner').findOne({ where: { id: runner.id } });
    expect(stored.points).toBe(3 + 10 + 3 + 10 + 14);

    // A configured band table applies to the next computation.
    await setRace(app.strapi, { time_bands: [{ from: '00:00', to: '00:00', points: 42 }] });
    expect(await make('2025-10-26T05:00:00.000Z')).toBe(42);
  });
});
