/**
 * Lap points and team ranks. The rules are pure functions (computeLapPoints, rankTeams) over the
 * rules as plain data; `loadPointsRules` reads them from the database.
 *
 * - `criteria`: the points of the criterion with the smallest `max_lap_seconds` that is >= the lap
 *   time (none: 0), times the multiplier of a happy hour of the runner's team that contains the lap
 *   start, `starts_at <= start < ends_at` (none: 1); rounded to an integer.
 * - `time_of_day`: the points of the local-time band (in the race's IANA time zone, so daylight saving
 *   is honoured) that contains the lap start, `from <= t < to` (a band may wrap midnight), plus
 *   `rain_bonus` when the lap was run in the rain.
 */
import type { Core } from '@strapi/strapi';
import { DateTime } from 'luxon';
import type { TeamStanding } from '../../../contract';
import { badInput, raceTables, toMs, type Db } from '../utils';

export type PointsMode = 'criteria' | 'time_of_day';

export interface TimeBand {
  /** Local time of day the band starts, "HH:mm" (inclusive). */
  from: string;
  /** Local time of day the band ends, "HH:mm" (exclusive); may be <= from to wrap midnight. */
  to: string;
  points: number;
}

export const DEFAULT_TIME_BANDS: TimeBand[] = [
  { from: '20:00', to: '02:00', points: 1 },
  { from: '02:00', to: '04:00', points: 3 },
  { from: '04:00', to: '09:00', points: 10 },
  { from: '09:00', to: '12:00', points: 5 },
  { from: '12:00', to: '18:00', points: 1 },
  { from: '18:00', to: '20:00', points: 3 },
];
export const DEFAULT_RAIN_BONUS = 5;

export interface Criterion {
  maxLapSeconds: number;
  points: number;
}
export interface HappyHour {
  teamId: number;
  startsAt: number;
  endsAt: number;
  multiplier: number;
}

export interface PointsRules {
  mode: PointsMode;
  timezone: string;
  criteria: Criterion[];
  happyHours: HappyHour[];
  bands: TimeBand[];
  rainBonus: number;
}

export interface LapForPoints {
  startedAt: number;
  durationMs: number | null;
  raining: boolean;
  teamId: number | null;
}

const HHMM = /^([01]?\d|2[0-4]):([0-5]\d)$/;

const minutesOf = (hhmm: string): number => {
  const m = HHMM.exec(hhmm);
  if (!m) throw new Error(`bad time of day ${hhmm}`);
  return (Number(m[1]) * 60 + Number(m[2])) % (24 * 60);
};

/**
 * Validates a band table as stored in `time_bands` (null: the defaults). Accepts "HH:mm" strings or
 * whole hours as numbers for from/to.
 * @throws RaceError 400 naming `time_bands` when the table is malformed.
 */
export function parseTimeBands(raw: unknown): TimeBand[] {
  if (raw == null) return DEFAULT_TIME_BANDS;
  const value = typeof raw === 'string' ? safeJson(raw) : raw;
  if (!Array.isArray(value) || value.length === 0) throw badInput('time_bands', 'must be a non-empty list of {from, to, points}');
  return value.map((band: any, index: number) => {
    const time = (v: unknown) => {
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 24) return `${String(v).padStart(2, '0')}:00`;
      if (typeof v === 'string' && HHMM.test(v)) return v;
      throw badInput(`time_bands[${index}]`, 'from and to must be "HH:mm" or a whole hour');
    };
    if (typeof band?.points !== 'number' || !Number.isFinite(band.points)) throw badInput(`time_bands[${index}].points`, 'must be a number');
    return { from: time(band.from), to: time(band.to), points: band.points };
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The band containing local time `minute` (minutes since local midnight, fractional). */
export function bandAt(bands: TimeBand[], minute: number): TimeBand | null {
  for (const band of bands) {
    const from = minutesOf(band.from);
    const to = minutesOf(band.to);
    const inside = from < to ? minute >= from && minute < to : minute >= from || minute < to;
    if (from === to || inside) return band;
  }
  return null;
}

/** Minutes since local midnight of an instant in an IANA zone (daylight saving included). */
export function localMinuteOfDay(at: number, timezone: string): number {
  const local = DateTime.fromMillis(at, { zone: timezone });
  if (!local.isValid) throw badInput('timezone', `"${timezone}" is not an IANA time zone`);
  return local.hour * 60 + local.minute + local.second / 60 + local.millisecond / 60000;
}

/** Points of one lap; a running lap (no duration) earns nothing yet. */
export function computeLapPoints(rules: PointsRules, lap: LapForPoints): number {
  if (lap.durationMs == null) return 0;
  if (rules.mode === 'time_of_day') {
    const band = bandAt(rules.bands, localMinuteOfDay(lap.startedAt, rules.timezone));
    return Math.round((band?.points ?? 0) + (lap.raining ? rules.rainBonus : 0));
  }
  // Smallest bound that is >= the lap time; criteria are sorted ascending.
  const criterion = rules.criteria.find((c) => lap.durationMs! <= Math.round(c.maxLapSeconds * 1000));
  if (!criterion) return 0;
  const happy =
    lap.teamId == null
      ? undefined
      : rules.happyHours.find((h) => h.teamId === lap.teamId && lap.startedAt >= h.startsAt && lap.startedAt < h.endsAt);
  return Math.round(criterion.points * (happy ? happy.multiplier : 1));
}

export type { TeamStanding };

/** Highest score first; equal scores share a rank (1, 1, 3), ties listed by name. */
export function rankTeams(teams: Array<{ name: string; score: number }>): TeamStanding[] {
  const sorted = [...teams].sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  let rank = 0;
  return sorted.map((team, index) => {
    if (index === 0 || team.score !== sorted[index - 1].score) rank = index + 1;
    return { name: team.name, score: team.score, rank };
  });
}

/** Criteria and happy hours change rarely; advance reads them from memory (see invalidateRules). */
const RULES_TTL_MS = 10000;

const createPointsService = ({ strapi }: { strapi: Core.Strapi }) => {
  let cached: { criteria: Criterion[]; happyHours: HappyHour[]; at: number } | null = null;

  async function criteriaAndHappyHours(db: Db) {
    if (cached && Date.now() - cached.at < RULES_TTL_MS) return cached;
    const t = raceTables(strapi);
    const criteria = await db(t.criteria).select('max_lap_seconds', 'points').orderBy('max_lap_seconds', 'asc');
    const happyHours = await db(`${t.happyHours} as h`)
      .join(`${t.happyHourTeam.name} as ht`, `ht.${t.happyHourTeam.own}`, 'h.id')
      .select('h.starts_at', 'h.ends_at', 'h.multiplier', `ht.${t.happyHourTeam.other} as team_id`);
    cached = {
      criteria: criteria
        .map((c: any) => ({ maxLapSeconds: Number(c.max_lap_seconds), points: Number(c.points ?? 0) }))
        .sort((a: Criterion, b: Criterion) => a.maxLapSeconds - b.maxLapSeconds),
      happyHours: happyHours.map((h: any) => ({
        teamId: Number(h.team_id),
        startsAt: toMs(h.starts_at)!,
        endsAt: toMs(h.ends_at)!,
        multiplier: h.multiplier == null ? 1 : Number(h.multiplier),
      })),
      at: Date.now(),
    };
    return cached;
  }

  return {
    computeLapPoints,
    rankTeams,
    parseTimeBands,

    /**
     * Forgets the cached criteria and happy hours. Called by a document middleware on every write to
     * those types (Content Manager, REST, seed); writes that bypass the Document Service, or another
     * instance's edits, are picked up within RULES_TTL_MS.
     */
    invalidateRules() {
      cached = null;
    },

    /** The points rules of the race as they are now (read inside `db` when given a transaction). */
    async loadPointsRules(db: Db = strapi.db.connection, raceRow?: Record<string, any>): Promise<PointsRules> {
      const t = raceTables(strapi);
      const race = raceRow ?? (await db(t.race).orderBy('id', 'asc').first());
      const { criteria, happyHours } = await criteriaAndHappyHours(db);
      return {
        mode: race?.points_mode === 'time_of_day' ? 'time_of_day' : 'criteria',
        timezone: race?.timezone || 'Europe/Brussels',
        criteria,
        happyHours,
        bands: parseTimeBands(race?.time_bands ?? null),
        rainBonus: race?.rain_bonus == null ? DEFAULT_RAIN_BONUS : Number(race.rain_bonus),
      };
    },
  };
};

export type PointsService = ReturnType<typeof createPointsService>;
export default createPointsService;
