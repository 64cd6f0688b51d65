/**
 * Reading the race: settings, runners as the crew and the public see them, the live queue, the running
 * lap and the last laps. Plain knex over the race tables (both SQLite and PostgreSQL); every reader
 * takes an optional transaction so the writers can answer with the state they just committed.
 */
import type { Core } from '@strapi/strapi';
import { raceTables, toIso, toMs, toNumber, UID, type Db } from '../utils';

import type { CrewRunner, CrewState, FinishedLap, PublicRunner, RaceInfo, RunningLap, Ticket } from '../../../contract';

export type { CrewRunner, CrewState, FinishedLap, PublicRunner, RaceInfo, RunningLap, Ticket };

/** The race settings row as stored. */
export interface RaceRow {
  id: number;
  name: string | null;
  startsAt: number | null;
  endsAt: number | null;
  timezone: string;
  pointsMode: 'criteria' | 'time_of_day';
  raining: boolean;
  queueVersion: number;
  /** The stored row as read (for the points rules: time_bands, rain_bonus). */
  row: Record<string, unknown>;
}

/** A lap row with its runner id. */
export interface LapRow {
  id: number;
  runnerId: number | null;
  /** The runner's team now (not stored on the lap). */
  teamId?: number | null;
  startedAt: number;
  durationMs: number | null;
  points: number;
  raining: boolean;
}

/** A live ticket with its runner id. */
export interface TicketRow {
  id: number;
  runnerId: number;
  position: number;
}

const truthy = (v: unknown) => v === true || v === 1 || v === '1' || v === 't' || v === 'true';

const createRaceStateService = ({ strapi }: { strapi: Core.Strapi }) => {
  const t = () => raceTables(strapi);
  const knex = () => strapi.db.connection;

  const toRace = (row: any): RaceRow => ({
    id: row.id,
    name: row.name ?? null,
    startsAt: toMs(row.starts_at),
    endsAt: toMs(row.ends_at),
    timezone: row.timezone || 'Europe/Brussels',
    pointsMode: row.points_mode === 'time_of_day' ? 'time_of_day' : 'criteria',
    raining: truthy(row.raining),
    queueVersion: Number(row.queue_version ?? 0),
    row,
  });

  const lapQuery = (db: Db) =>
    db(`${t().laps} as l`)
      .leftJoin(`${t().lapRunner.name} as lr`, `lr.${t().lapRunner.own}`, 'l.id')
      .leftJoin(`${t().runnerTeam.name} as rt`, `rt.${t().runnerTeam.own}`, `lr.${t().lapRunner.other}`)
      .select('l.id', 'l.started_at', 'l.duration_ms', 'l.points', 'l.raining', `lr.${t().lapRunner.other} as runner_id`, `rt.${t().runnerTeam.other} as team_id`);

  const toLap = (row: any): LapRow => ({
    id: Number(row.id),
    runnerId: toNumber(row.runner_id),
    teamId: toNumber(row.team_id),
    startedAt: toMs(row.started_at)!,
    durationMs: toNumber(row.duration_ms),
    points: Number(row.points ?? 0),
    raining: truthy(row.raining),
  });

  const service = {
    /** The race settings row; created with defaults (a 24-hour race from now) when there is none. */
    async ensureRace(db: Db = knex()): Promise<RaceRow> {
      const row = await db(t().race).orderBy('id', 'asc').first();
      if (row) return toRace(row);
      const now = Date.now();
      strapi.log.warn('[lap-control] no race settings yet: creating a 24-hour race starting now (edit it in Content Manager > Race)');
      await (strapi.documents(UID.race as any) as any).create({
        data: {
          name: '24-hour run',
          starts_at: new Date(now).toISOString(),
          ends_at: new Date(now + 24 * 3600 * 1000).toISOString(),
          timezone: 'Europe/Brussels',
          points_mode: 'criteria',
          raining: false,
          queue_version: 0,
        },
      });
      return toRace(await db(t().race).orderBy('id', 'asc').first());
    },

    /**
     * Locks the single race settings row for the rest of `trx` and returns it (null when there is none):
     * a row lock on PostgreSQL, the database write lock on SQLite.
     */
    async lockRace(trx: Db): Promise<RaceRow | null> {
      const rows = await trx(t().race).update({ queue_version: trx.raw('??', ['queue_version']) }).returning('*');
      return rows.length ? toRace([...rows].sort((a: any, b: any) => a.id - b.id)[0]) : null;
    },

    raceInfo(race: RaceRow, now: number = Date.now()): RaceInfo {
      return {
        name: race.name ?? '',
        startsAt: race.startsAt == null ? '' : new Date(race.startsAt).toISOString(),
        endsAt: race.endsAt == null ? '' : new Date(race.endsAt).toISOString(),
        timezone: race.timezone,
        pointsMode: race.pointsMode,
        raining: race.raining,
        now: new Date(now).toISOString(),
        finished: race.endsAt != null && now >= race.endsAt,
      };
    },

    /** The running lap (no duration yet); the latest one if data were ever inconsistent. */
    async runningLap(db: Db = knex()): Promise<LapRow | null> {
      const row = await lapQuery(db).whereNull('l.duration_ms').orderBy('l.started_at', 'desc').orderBy('l.id', 'desc').first();
      return row ? toLap(row) : null;
    },

    async lapById(id: number, db: Db = knex()): Promise<LapRow | null> {
      const row = await lapQuery(db).where('l.id', id).first();
      return row ? toLap(row) : null;
    },

    /** Finished laps, newest first; `before` (epoch ms) keeps laps started before it. */
    async finishedLaps(limit: number, db: Db = knex(), before?: number): Promise<LapRow[]> {
      const q = lapQuery(db).whereNotNull('l.duration_ms');
      if (before != null) q.where('l.started_at', '<', new Date(before));
      const rows = await q.orderBy('l.started_at', 'desc').orderBy('l.id', 'desc').limit(limit);
      return rows.map(toLap);
    },

    /** The finished lap started last before `startedAt` (epoch ms). */
    async lapBefore(startedAt: number, db: Db = knex()): Promise<LapRow | null> {
      const row = await lapQuery(db)
        .whereNotNull('l.duration_ms')
        .where('l.started_at', '<', new Date(startedAt))
        .orderBy('l.started_at', 'desc')
        .orderBy('l.id', 'desc')
        .first();
      return row ? toLap(row) : null;
    },

    /** Live tickets (not removed, not run) in queue order. */
    async queueTickets(db: Db = knex()): Promise<TicketRow[]> {
      const rows = await db(`${t().tickets} as q`)
        .join(`${t().ticketRunner.name} as qr`, `qr.${t().ticketRunner.own}`, 'q.id')
        .where((w) => w.where('q.removed', false).orWhereNull('q.removed'))
        .andWhere((w) => w.where('q.ran', false).orWhereNull('q.ran'))
        .select('q.id', 'q.position', `qr.${t().ticketRunner.other} as runner_id`)
        .orderBy('q.position', 'asc')
        .orderBy('q.id', 'asc');
      return rows.map((r: any) => ({ id: Number(r.id), runnerId: Number(r.runner_id), position: Number(r.position ?? 0) }));
    },

    /** Runners by id as the crew sees them (personal fields included). */
    async crewRunners(ids: number[], db: Db = knex()): Promise<Map<number, CrewRunner>> {
      const unique = [...new Set(ids.filter((id) => id != null))];
      const result = new Map<number, CrewRunner>();
      if (unique.length === 0) return result;
      const tb = t();
      const rows = await db(`${tb.runners} as r`)
        .leftJoin(`${tb.runnerTeam.name} as rt`, `rt.${tb.runnerTeam.own}`, 'r.id')
        .leftJoin(`${tb.teams} as tm`, 'tm.id', `rt.${tb.runnerTeam.other}`)
        .leftJoin(`${tb.runnerUniversity.name} as ru`, `ru.${tb.runnerUniversity.own}`, 'r.id')
        .leftJoin(`${tb.universities} as u`, 'u.id', `ru.${tb.runnerUniversity.other}`)
        .whereIn('r.id', unique)
        .select(
          'r.id',
          'r.first_name',
          'r.last_name',
          'r.identification',
          'r.test_time_seconds',
          'r.points',
          'tm.name as team',
          'u.full_name as university',
        );
      const stats = await service.lapStats(unique, db);
      for (const r of rows as any[]) {
        const s = stats.get(Number(r.id));
        result.set(Number(r.id), {
          id: Number(r.id),
          name: `${r.first_name ?? ''} ${r.last_name ?? ''}`.trim(),
          team: r.team ?? null,
          identification: r.identification,
          university: r.university ?? null,
          testTimeSeconds: toNumber(r.test_time_seconds),
          lapsRun: s?.laps ?? 0,
          bestLapMs: s?.bestLapMs ?? null,
          points: Number(r.points ?? 0),
        });
      }
      return result;
    },

    /** Finished laps and best lap per runner. */
    async lapStats(runnerIds: number[], db: Db = knex()): Promise<Map<number, { laps: number; bestLapMs: number | null }>> {
      const tb = t();
      const rows = await db(`${tb.laps} as l`)
        .join(`${tb.lapRunner.name} as lr`, `lr.${tb.lapRunner.own}`, 'l.id')
        .whereIn(`lr.${tb.lapRunner.other}`, runnerIds)
        .whereNotNull('l.duration_ms')
        .groupBy(`lr.${tb.lapRunner.other}`)
        .select(`lr.${tb.lapRunner.other} as runner_id`)
        .count({ laps: '*' })
        .min({ best: 'l.duration_ms' });
      return new Map(
        (rows as any[]).map((r) => [Number(r.runner_id), { laps: Number(r.laps), bestLapMs: toNumber(r.best) }]),
      );
    },

    /** Names and teams only (the public events), one query. */
    async publicRunners(ids: number[], db: Db = knex()): Promise<Map<number, PublicRunner>> {
      const unique = [...new Set(ids)];
      if (!unique.length) return new Map();
      const tb = t();
      const rows = await db(`${tb.runners} as r`)
        .leftJoin(`${tb.runnerTeam.name} as rt`, `rt.${tb.runnerTeam.own}`, 'r.id')
        .leftJoin(`${tb.teams} as tm`, 'tm.id', `rt.${tb.runnerTeam.other}`)
        .whereIn('r.id', unique)
        .select('r.id', 'r.first_name', 'r.last_name', 'tm.name as team');
      return new Map(
        rows.map((r: any) => [Number(r.id), { id: Number(r.id), name: `${r.first_name ?? ''} ${r.last_name ?? ''}`.trim(), team: r.team ?? null }]),
      );
    },

    toPublic(runner: CrewRunner | PublicRunner | undefined, id: number | null): PublicRunner {
      if (!runner) return { id: id ?? 0, name: '', team: null };
      return { id: runner.id, name: runner.name, team: runner.team };
    },

    running<R>(lap: LapRow, runner: R): RunningLap<R> {
      return { lapId: lap.id, runner, startedAt: new Date(lap.startedAt).toISOString() };
    },

    finished<R>(lap: LapRow, runner: R): FinishedLap<R> {
      return { lapId: lap.id, runner, startedAt: new Date(lap.startedAt).toISOString(), durationMs: lap.durationMs ?? 0, points: lap.points };
    },

    /** What the Control and Queue pages show. */
    async crewState(db: Db = knex(), now: number = Date.now()): Promise<CrewState> {
      const race = await service.ensureRace(db);
      const [current, tickets, lastLaps] = [await service.runningLap(db), await service.queueTickets(db), await service.finishedLaps(10, db)];
      const runners = await service.crewRunners(
        [current?.runnerId, ...tickets.map((q) => q.runnerId), ...lastLaps.map((l) => l.runnerId)].filter((id): id is number => id != null),
        db,
      );
      const crew = (id: number | null) => runners.get(id!) ?? emptyCrewRunner(id);
      return {
        race: service.raceInfo(race, now),
        queueVersion: race.queueVersion,
        current: current ? service.running(current, crew(current.runnerId)) : null,
        queue: tickets.map((q, index) => ({ ticketId: q.id, position: index, runner: crew(q.runnerId) })),
        lastLaps: lastLaps.map((l) => service.finished(l, crew(l.runnerId))),
      };
    },

    /** The live queue as the public sees it. */
    async publicQueue(db: Db = knex(), now: number = Date.now()): Promise<{ race: RaceInfo; queueVersion: number; tickets: Ticket[] }> {
      const race = await service.ensureRace(db);
      const tickets = await service.queueTickets(db);
      const runners = await service.crewRunners(tickets.map((q) => q.runnerId), db);
      return {
        race: service.raceInfo(race, now),
        queueVersion: race.queueVersion,
        tickets: tickets.map((q, index) => ({ ticketId: q.id, position: index, runner: service.toPublic(runners.get(q.runnerId), q.runnerId) })),
      };
    },

    toIso,
  };
  return service;
};

export function emptyCrewRunner(id: number | null): CrewRunner {
  return { id: id ?? 0, name: '', team: null, identification: '', university: null, testTimeSeconds: null, lapsRun: 0, bestLapMs: null, points: 0 };
}

export type RaceStateService = ReturnType<typeof createRaceStateService>;
export default createRaceStateService;
