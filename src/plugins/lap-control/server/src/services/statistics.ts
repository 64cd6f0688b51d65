/**
 * The audience's Statistics page: names only (never identification, e-mail or test time). After the
 * race's end the figures are computed from the laps started before `ends_at`, the queue and the
 * running lap are no longer shown, and `race.finished` is true.
 */
import type { Core } from '@strapi/strapi';
import { getService, raceTables, toNumber } from '../utils';
import type { FinishedLap, PublicRunner, PublicStatistics, RaceInfo, RunningLap, Ticket } from '../../../contract';
import { rankTeams } from './points';

export type { PublicStatistics };

const TOP = 3;
const RECENT = 100;
const CACHE_MS = 1000;

const createStatisticsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const t = () => raceTables(strapi);
  const raceState = () => getService('raceState', strapi);

  /** Finished laps per runner, started before `cutoff` when given. */
  const perRunner = (cutoff: number | undefined) => {
    const tb = t();
    const q = strapi.db
      .connection(`${tb.laps} as l`)
      .join(`${tb.lapRunner.name} as lr`, `lr.${tb.lapRunner.own}`, 'l.id')
      .whereNotNull('l.duration_ms')
      .groupBy(`lr.${tb.lapRunner.other}`)
      .select(`lr.${tb.lapRunner.other} as runner_id`);
    if (cutoff != null) q.where('l.started_at', '<', new Date(cutoff));
    return q;
  };

  // Every audience screen refetches after an event: one computation serves them all. A result is reused
  // for up to CACHE_MS and dropped whenever the race changes (invalidate(): any lap-control event, any
  // Document Service write to a race type).
  let generation = 0;
  let cached: { generation: number; at: number; value: Promise<PublicStatistics> } | null = null;

  const service = {
    invalidate() {
      generation++;
      cached = null;
    },

    /** The statistics as of now, shared by the requests of the same moment. */
    publicStatistics(): Promise<PublicStatistics> {
      const now = Date.now();
      if (cached && cached.generation === generation && now - cached.at < CACHE_MS) return cached.value;
      const entry = { generation, at: now, value: service.computeStatistics(now) };
      cached = entry;
      entry.value.catch(() => {
        if (cached === entry) cached = null;
      });
      return entry.value;
    },

    async computeStatistics(now: number = Date.now()): Promise<PublicStatistics> {
      const tb = t();
      const race = await raceState().ensureRace();
      const info = raceState().raceInfo(race, now);
      const cutoff = info.finished ? race.endsAt! : undefined;

      const current = info.finished ? null : await raceState().runningLap();
      const next = info.finished ? [] : (await raceState().queueTickets()).slice(0, TOP);
      const recent = await raceState().finishedLaps(RECENT, undefined, cutoff);
      const fastest = await perRunner(cutoff).min({ best: 'l.duration_ms' }).orderBy('best', 'asc').orderBy('runner_id', 'asc').limit(TOP);
      const active = await perRunner(cutoff).count({ laps: '*' }).orderBy('laps', 'desc').orderBy('runner_id', 'asc').limit(TOP);

      const teamQuery = strapi.db
        .connection(`${tb.laps} as l`)
        .join(`${tb.lapRunner.name} as lr`, `lr.${tb.lapRunner.own}`, 'l.id')
        .join(`${tb.runnerTeam.name} as rt`, `rt.${tb.runnerTeam.own}`, `lr.${tb.lapRunner.other}`)
        .whereNotNull('l.duration_ms')
        .groupBy(`rt.${tb.runnerTeam.other}`)
        .select(`rt.${tb.runnerTeam.other} as team_id`)
        .sum({ score: 'l.points' });
      if (cutoff != null) teamQuery.where('l.started_at', '<', new Date(cutoff));
      const sums = new Map((await teamQuery).map((r: any) => [Number(r.team_id), Number(r.score ?? 0)]));
      const teams = await strapi.db.connection(tb.teams).select('id', 'name');
      const topTeams = rankTeams(teams.map((team: any) => ({ name: team.name, score: sums.get(Number(team.id)) ?? 0 }))).slice(0, TOP);

      const runners = await raceState().crewRunners([
        ...(current?.runnerId != null ? [current.runnerId] : []),
        ...next.map((q) => q.runnerId),
        ...recent.slice(0, 2).map((l) => l.runnerId).filter((id): id is number => id != null),
        ...fastest.map((r: any) => Number(r.runner_id)),
        ...active.map((r: any) => Number(r.runner_id)),
      ]);
      const pub = (id: number | null) => raceState().toPublic(runners.get(id!), id);

      const lastLaps = recent.slice(0, 2).map((l) => raceState().finished(l, pub(l.runnerId)));
      return {
        race: info,
        queueVersion: race.queueVersion,
        current: current ? raceState().running(current, pub(current.runnerId)) : null,
        previous: lastLaps[0] ?? null,
        next: next.map((q, index) => ({ ticketId: q.id, position: index, runner: pub(q.runnerId) })),
        topRunners: fastest.map((r: any) => ({ runner: pub(Number(r.runner_id)), bestLapMs: toNumber(r.best) ?? 0 })),
        topTeams,
        mostActive: active.map((r: any) => ({ runner: pub(Number(r.runner_id)), laps: Number(r.laps) })),
        lastLaps,
        recentLaps: recent
          .slice()
          .reverse()
          .map((l) => ({ lapId: l.id, startedAt: new Date(l.startedAt).toISOString(), durationMs: l.durationMs ?? 0 })),
      };
    },
  };
  return service;
};

export type StatisticsService = ReturnType<typeof createStatisticsService>;
export default createStatisticsService;
