/**
 * Lap control: advance ("next lap"), reverse, and keeping runner points and team scores in step with
 * the laps.
 *
 * Every write to the queue or the running lap happens in one transaction that first takes the race
 * row's lock (`UPDATE race_settings SET queue_version = queue_version`): a row lock on PostgreSQL, the
 * write lock on SQLite. Writers are therefore serialised, and each one re-reads the running lap and
 * the queue after it holds the lock, so two crews pressing at once (or a double press) make exactly
 * one change and the other gets a 409 with the current state.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { createId } from '@paralleldrive/cuid2';
import { badInput, getService, raceTables, RaceError, toNumber, UID, type Db } from '../utils';
import { computeLapPoints, rankTeams, type TeamStanding } from './points';
import type { CrewRunner, CrewState, FinishedLap, LapRow, RaceRow, RunningLap } from './race-state';
import { emptyCrewRunner } from './race-state';

const NO_RACE = Symbol('no race settings row');

/** How far in the future a given `at` may be (clock skew between the crew's device and the server). */
const FUTURE_TOLERANCE_MS = 5000;

export interface AdvanceResult {
  closed: FinishedLap<CrewRunner> | null;
  started: RunningLap<CrewRunner> | null;
  state: CrewState;
}
export interface ReverseResult {
  /** The lap running again, or null when the reversed advance had not closed one. */
  reopened: RunningLap<CrewRunner> | null;
  /** The lap the reverse deleted (null when none was running). */
  deletedLapId: number | null;
  state: CrewState;
}

const createLapControlService = ({ strapi }: { strapi: Core.Strapi }) => {
  const t = () => raceTables(strapi);
  const raceState = () => getService('raceState', strapi);
  const events = () => getService('raceEvents', strapi);

  /**
   * Runs `work` in a transaction holding the race lock. A RaceError with status 409 thrown inside
   * rolls back, and is rethrown with the state as it is after the rollback.
   */
  async function withRaceLock<T>(work: (trx: Knex.Transaction, race: RaceRow) => Promise<T>, conflictShape: 'state' | 'queue' = 'state'): Promise<T> {
    try {
      for (let attempt = 0; ; attempt++) {
        const result = await strapi.db.transaction(async ({ trx }) => {
          // The race settings are a single type: one row, locked as a whole.
          const race = await raceState().lockRace(trx);
          if (!race) return NO_RACE;
          return work(trx, race);
        });
        if (result !== NO_RACE) return result as T;
        if (attempt > 0) throw new Error('[lap-control] the race settings row could not be created');
        await raceState().ensureRace();
      }
    } catch (error) {
      if (error instanceof RaceError && error.status === 409) {
        const state = await raceState().crewState();
        const extra = conflictShape === 'state' ? { state } : { queue: state.queue, queueVersion: state.queueVersion };
        throw new RaceError(409, error.message, { ...error.extra, ...extra });
      }
      throw error;
    }
  }

  async function ticketOfLap(lapId: number, db: Db): Promise<number | null> {
    const link = t().lapTicket;
    const row = await db(link.name).where(link.own, lapId).first(link.other);
    return row ? toNumber(row[link.other]) : null;
  }

  /**
   * Inserts a running lap and its runner and ticket links in plain SQL (the hot path of advance), filling
   * what the Document Service would: document_id, timestamps, the runner's lap order (the lap id).
   */
  async function insertLap(
    trx: Knex.Transaction,
    lap: { runnerId: number; ticketId: number; startedAt: number; raining: boolean; now: number },
  ): Promise<number> {
    const tb = t();
    const at = new Date(lap.now);
    const [row] = await trx(tb.laps)
      .insert({ document_id: createId(), started_at: new Date(lap.startedAt), duration_ms: null, raining: lap.raining, points: 0, created_at: at, updated_at: at, published_at: at })
      .returning('id');
    const id = Number(typeof row === 'object' ? row.id : row);
    const runnerOrder = linkOrderColumn(UID.lap, 'runner');
    await trx(tb.lapRunner.name).insert({ [tb.lapRunner.own]: id, [tb.lapRunner.other]: lap.runnerId, ...(runnerOrder ? { [runnerOrder]: id } : {}) });
    await trx(tb.lapTicket.name).insert({ [tb.lapTicket.own]: id, [tb.lapTicket.other]: lap.ticketId });
    return id;
  }

  const linkOrderColumn = (uid: string, attribute: string): string | null =>
    ((strapi.db.metadata.get(uid as any).attributes as any)[attribute]?.joinTable?.inverseOrderColumnName as string | undefined) ?? null;

  async function bumpVersion(trx: Knex.Transaction, race: RaceRow): Promise<number> {
    const version = race.queueVersion + 1;
    await trx(t().race).where('id', race.id).update({ queue_version: version });
    race.queueVersion = version;
    return version;
  }

  const stale = (running: LapRow | null, expected: number | null) =>
    new RaceError(
      409,
      running
        ? `Lap ${running.id} is running, not ${expected ?? 'none'}: someone else changed it; here is the current state`
        : `No lap is running (you expected lap ${expected}); here is the current state`,
    );

  const service = {
    withRaceLock,

    /**
     * Closes the running lap at `at` (default now) and starts a lap for the head of the queue at the
     * same instant. `expectedLapId` is the lap the operator saw running (null: none).
     */
    async advanceLap({ expectedLapId, at }: { expectedLapId: number | null; at?: number }): Promise<AdvanceResult> {
      const now = Date.now();
      const instant = at ?? now;
      if (instant > now + FUTURE_TOLERANCE_MS) throw badInput('at', 'is in the future');
      const outcome = await withRaceLock(async (trx, race) => {
        const running = await raceState().runningLap(trx);
        if ((running?.id ?? null) !== expectedLapId) throw stale(running, expectedLapId);
        const [head] = await raceState().queueTickets(trx);
        if (!running && !head) throw new RaceError(400, 'The queue is empty and no lap is running: nothing to advance');
        if (running && instant < running.startedAt) throw badInput('at', 'is before the running lap started');
        if (!running) {
          const [last] = await raceState().finishedLaps(1, trx);
          if (last && instant < last.startedAt + (last.durationMs ?? 0)) throw badInput('at', 'is before the last lap ended');
        }

        let closed: LapRow | null = null;
        if (running) {
          const rules = await getService('points', strapi).loadPointsRules(trx, race.row);
          const durationMs = instant - running.startedAt;
          const points = computeLapPoints(rules, {
            startedAt: running.startedAt,
            durationMs,
            raining: running.raining,
            teamId: running.teamId ?? null,
          });
          const changed = await trx(t().laps)
            .where('id', running.id)
            .whereNull('duration_ms')
            .update({ duration_ms: durationMs, points, updated_at: new Date(now) });
          if (changed !== 1) throw stale(null, expectedLapId);
          closed = { ...running, durationMs, points };
        }

        let started: LapRow | null = null;
        if (head) {
          await trx(t().tickets).where('id', head.id).update({ ran: true, updated_at: new Date(now) });
          const lapId = await insertLap(trx, { runnerId: head.runnerId, ticketId: head.id, startedAt: instant, raining: race.raining, now });
          started = { id: lapId, runnerId: head.runnerId, startedAt: instant, durationMs: null, points: 0, raining: race.raining };
          await bumpVersion(trx, race);
        }

        const teams = closed ? await service.recomputeScores(trx, [closed.runnerId]) : null;
        return { closed, started, teams, queueVersion: race.queueVersion };
      });

      // Audience events first (names only, one query), then the crew's, then the state for the answer.
      const ids = [outcome.closed?.runnerId, outcome.started?.runnerId].filter((id): id is number => id != null);
      const names = await raceState().publicRunners(ids);
      const pub = (id: number | null) => names.get(id!) ?? raceState().toPublic(undefined, id);
      const audience = events().batch();
      if (outcome.closed) audience.publicLapUpdate(outcome.queueVersion, raceState().finished(outcome.closed, pub(outcome.closed.runnerId)));
      if (outcome.started) audience.publicLapUpdate(outcome.queueVersion, raceState().running(outcome.started, pub(outcome.started.runnerId)));
      if (outcome.teams) audience.scoreUpdate(outcome.teams);
      audience.send();

      const runners = await raceState().crewRunners(ids);
      const crew = (id: number | null) => runners.get(id!) ?? emptyCrewRunner(id);
      const closed = outcome.closed ? raceState().finished(outcome.closed, crew(outcome.closed.runnerId)) : null;
      const started = outcome.started ? raceState().running(outcome.started, crew(outcome.started.runnerId)) : null;
      const crewEvents = events().batch();
      if (closed) crewEvents.crewLapUpdate(outcome.queueVersion, closed);
      if (started) crewEvents.crewLapUpdate(outcome.queueVersion, started);
      crewEvents.send();
      return { closed, started, state: await raceState().crewState() };
    },

    /**
     * Undoes the last advance: deletes the running lap, puts its runner back at the head of the queue
     * and re-opens the lap that advance closed (the finished lap that ended exactly when the deleted
     * one started). With no lap running (the last advance found an empty queue), re-opens the last
     * finished lap.
     */
    async reverseLap({ expectedLapId }: { expectedLapId: number | null }): Promise<ReverseResult> {
      const now = Date.now();
      const outcome = await withRaceLock(async (trx, race) => {
        const running = await raceState().runningLap(trx);
        if ((running?.id ?? null) !== expectedLapId) throw stale(running, expectedLapId);

        let previous: LapRow | null;
        let requeued: { ticketId: number; created: boolean } | null = null;
        if (running) {
          const candidate = await raceState().lapBefore(running.startedAt, trx);
          previous = candidate && candidate.startedAt + (candidate.durationMs ?? 0) === running.startedAt ? candidate : null;
          const tickets = await raceState().queueTickets(trx);
          const headPosition = tickets.length ? tickets[0].position - 1 : 0;
          const ticketId = await ticketOfLap(running.id, trx);
          await strapi.db.query(UID.lap as any).delete({ where: { id: running.id } });
          if (ticketId != null) {
            await trx(t().tickets).where('id', ticketId).update({ ran: false, removed: false, position: headPosition, updated_at: new Date(now) });
            requeued = { ticketId, created: false };
          } else if (running.runnerId != null) {
            const ticket = await strapi.db.query(UID.ticket as any).create({
              data: { runner: running.runnerId, position: headPosition, registered_at: new Date(now), removed: false, ran: false },
            });
            requeued = { ticketId: ticket.id, created: true };
          }
          await bumpVersion(trx, race);
        } else {
          [previous] = await raceState().finishedLaps(1, trx);
          if (!previous) throw new RaceError(400, 'No lap to reverse');
        }

        let teams: TeamStanding[] | null = null;
        if (previous) {
          await trx(t().laps).where('id', previous.id).update({ duration_ms: null, points: 0, updated_at: new Date(now) });
          previous = { ...previous, durationMs: null, points: 0 };
          teams = await service.recomputeScores(trx, [previous.runnerId]);
        }
        return { deleted: running, previous, requeued, teams, queueVersion: race.queueVersion };
      });

      const state = await raceState().crewState();
      const reopenedRunner = outcome.previous?.runnerId != null ? (await raceState().crewRunners([outcome.previous.runnerId])).get(outcome.previous.runnerId) : undefined;
      const reopened = outcome.previous ? raceState().running(outcome.previous, reopenedRunner ?? emptyCrewRunner(outcome.previous.runnerId)) : null;
      const changes = events().batch();
      if (outcome.deleted) changes.lapDelete(outcome.queueVersion, outcome.deleted.id);
      if (outcome.requeued) {
        const ticket = state.queue.find((q) => q.ticketId === outcome.requeued!.ticketId);
        if (ticket) changes.queueInsert(outcome.queueVersion, ticket);
      }
      if (reopened) changes.lapUpdate(outcome.queueVersion, reopened);
      if (outcome.teams) changes.scoreUpdate(outcome.teams);
      changes.send();
      return { reopened, deletedLapId: outcome.deleted?.id ?? null, state };
    },

    /**
     * Runner points (sum of their finished laps) for `runnerIds` (all runners when omitted), then every
     * team's score (sum of its runners' points). Returns the standings.
     */
    async recomputeScores(db: Db = strapi.db.connection, runnerIds?: Array<number | null>): Promise<TeamStanding[]> {
      const tb = t();
      const ids = runnerIds?.filter((id): id is number => id != null);
      const where = ids ? (ids.length ? ` WHERE id IN (${ids.map(() => '?').join(', ')})` : ' WHERE 1 = 0') : '';
      await db.raw(
        `UPDATE ?? SET points = COALESCE((SELECT SUM(l.points) FROM ?? l JOIN ?? lr ON lr.?? = l.id ` +
          `WHERE lr.?? = ??.id AND l.duration_ms IS NOT NULL), 0)${where}`,
        [tb.runners, tb.laps, tb.lapRunner.name, tb.lapRunner.own, tb.lapRunner.other, tb.runners, ...(ids ?? [])],
      );
      // Only the teams of those runners (all teams when recomputing everything).
      const teamWhere = ids
        ? ids.length
          ? ` WHERE id IN (SELECT ?? FROM ?? WHERE ?? IN (${ids.map(() => '?').join(', ')}))`
          : ' WHERE 1 = 0'
        : '';
      await db.raw(
        `UPDATE ?? SET score = COALESCE((SELECT SUM(r.points) FROM ?? r JOIN ?? rt ON rt.?? = r.id WHERE rt.?? = ??.id), 0)${teamWhere}`,
        [
          tb.teams, tb.runners, tb.runnerTeam.name, tb.runnerTeam.own, tb.runnerTeam.other, tb.teams,
          ...(ids?.length ? [tb.runnerTeam.other, tb.runnerTeam.name, tb.runnerTeam.own, ...ids] : []),
        ],
      );
      return service.teamStandings(db);
    },

    async teamStandings(db: Db = strapi.db.connection): Promise<TeamStanding[]> {
      const rows = await db(t().teams).select('name', 'score');
      return rankTeams(rows.map((r: any) => ({ name: r.name, score: Number(r.score ?? 0) })));
    },

    /**
     * After an admin edit of a lap (Content Manager / REST): recompute that lap's points from its
     * duration, start, rain flag and runner, then the points of the runners involved and the team
     * scores, and tell the screens. `formerRunnerId` is the runner before the edit.
     */
    async lapEdited(lapId: number, formerRunnerId: number | null = null): Promise<void> {
      const outcome = await strapi.db.transaction(async ({ trx }) => {
        const lap = await raceState().lapById(lapId, trx);
        if (!lap) return null;
        const rules = await getService('points', strapi).loadPointsRules(trx);
        const points = computeLapPoints(rules, { ...lap, teamId: lap.teamId ?? null });
        if (points !== lap.points) await trx(t().laps).where('id', lap.id).update({ points });
        const teams = await service.recomputeScores(trx, [lap.runnerId, formerRunnerId]);
        const race = await raceState().ensureRace(trx);
        return { lap: { ...lap, points }, teams, queueVersion: race.queueVersion };
      });
      if (!outcome) return;
      const runner = outcome.lap.runnerId != null ? (await raceState().crewRunners([outcome.lap.runnerId])).get(outcome.lap.runnerId) : undefined;
      const crew = runner ?? emptyCrewRunner(outcome.lap.runnerId);
      const lap = outcome.lap.durationMs == null ? raceState().running(outcome.lap, crew) : raceState().finished(outcome.lap, crew);
      const changes = events().batch();
      changes.lapUpdate(outcome.queueVersion, lap);
      changes.scoreUpdate(outcome.teams);
      changes.send();
    },

    /** After an admin deleted a lap: the former runner's points and the team scores. */
    async lapDeleted(lapId: number, formerRunnerId: number | null): Promise<void> {
      const teams = await strapi.db.transaction(({ trx }) => service.recomputeScores(trx, [formerRunnerId]));
      const race = await raceState().ensureRace();
      const changes = events().batch();
      changes.lapDelete(race.queueVersion, lapId);
      changes.scoreUpdate(teams);
      changes.send();
    },
  };
  return service;
};

export type LapControlService = ReturnType<typeof createLapControlService>;
export default createLapControlService;
