/**
 * The crew's Query page and the quick info of a runner: runners without an upcoming shift, runners in a
 * shift (optionally not queued), name / identification search, and the kiosk's lookup.
 */
import type { Core } from '@strapi/strapi';
import { getService, raceTables, toIso } from '../utils';
import type { CrewRunner, KioskRunner, PublicRunner } from '../../../contract';

const SEARCH_LIMIT = 50;

export type { KioskRunner };

const createRunnerQueryService = ({ strapi }: { strapi: Core.Strapi }) => {
  const t = () => raceTables(strapi);
  const knex = () => strapi.db.connection;
  const raceState = () => getService('raceState', strapi);

  /** Crew views in the order of `ids`. */
  const views = async (ids: number[]): Promise<CrewRunner[]> => {
    const map = await raceState().crewRunners(ids);
    return ids.map((id) => map.get(id)).filter((r): r is CrewRunner => r != null);
  };

  const ordered = (q: any) => q.orderBy('r.last_name', 'asc').orderBy('r.first_name', 'asc').orderBy('r.id', 'asc');

  const service = {
    async quickInfo(runnerId: number): Promise<CrewRunner | null> {
      return (await raceState().crewRunners([runnerId])).get(runnerId) ?? null;
    },

    /** Runners with no shift starting after `after` (epoch ms). */
    async withoutShiftAfter(after: number): Promise<CrewRunner[]> {
      const tb = t();
      const rows = await ordered(
        knex()(`${tb.runners} as r`)
          .whereNotExists((sub) =>
            sub
              .select(knex().raw('1'))
              .from(`${tb.shiftRunners.name} as sr`)
              .join(`${tb.shifts} as s`, 's.id', `sr.${tb.shiftRunners.own}`)
              .whereRaw('?? = ??', [`sr.${tb.shiftRunners.other}`, 'r.id'])
              .where('s.starts_at', '>', new Date(after)),
          )
          .select('r.id'),
      );
      return views(rows.map((r: any) => Number(r.id)));
    },

    /** Runners in a shift; without those waiting in the queue when `excludeQueued`. */
    async inShift(shiftId: number, excludeQueued: boolean): Promise<CrewRunner[]> {
      const tb = t();
      const q = knex()(`${tb.runners} as r`)
        .join(`${tb.shiftRunners.name} as sr`, `sr.${tb.shiftRunners.other}`, 'r.id')
        .where(`sr.${tb.shiftRunners.own}`, shiftId)
        .select('r.id');
      const rows = await ordered(q);
      let ids = rows.map((r: any) => Number(r.id));
      if (excludeQueued) {
        const queued = new Set((await raceState().queueTickets()).map((q) => q.runnerId));
        ids = ids.filter((id) => !queued.has(id));
      }
      return views(ids);
    },

    /** First name, last name, "first last" or identification containing `text` (any case). */
    async search(text: string): Promise<CrewRunner[]> {
      const tb = t();
      const needle = `%${text.trim().toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const rows = await ordered(
        knex()(`${tb.runners} as r`)
          .where((w) =>
            w
              .whereRaw(`LOWER(r.first_name || ' ' || r.last_name) LIKE ? ESCAPE '\\'`, [needle])
              .orWhereRaw(`LOWER(r.identification) LIKE ? ESCAPE '\\'`, [needle]),
          )
          .select('r.id')
          .limit(SEARCH_LIMIT),
      );
      return views(rows.map((r: any) => Number(r.id)));
    },

    /** Universities, teams and (for the crew) shifts for the registration form and the Query page. */
    async options(withShifts: boolean) {
      const tb = t();
      const universities = await knex()(tb.universities).select('id', 'full_name').orderBy('full_name', 'asc');
      const teams = await knex()(tb.teams).select('id', 'name').orderBy('name', 'asc');
      const result: {
        universities: { id: number; name: string }[];
        teams: { id: number; name: string }[];
        shifts?: { id: number; name: string; startsAt: string; endsAt: string }[];
      } = {
        universities: universities.map((u: any) => ({ id: Number(u.id), name: u.full_name })),
        teams: teams.map((team: any) => ({ id: Number(team.id), name: team.name })),
      };
      if (withShifts) {
        const shifts = await knex()(tb.shifts).select('id', 'name', 'starts_at', 'ends_at').orderBy('starts_at', 'asc');
        result.shifts = shifts.map((s: any) => ({ id: Number(s.id), name: s.name ?? '', startsAt: toIso(s.starts_at) ?? '', endsAt: toIso(s.ends_at) ?? '' }));
      }
      return result;
    },

    /** What the kiosk shows after a scan: names, laps and best lap, whether already queued. */
    async kioskLookup(identification: string): Promise<{ known: boolean; runner?: KioskRunner }> {
      const id = await getService('queue', strapi).runnerIdByIdentification(identification);
      if (id == null) return { known: false };
      const runner = await service.quickInfo(id);
      if (!runner) return { known: false };
      return { known: true, runner: await service.kioskRunner(runner) };
    },

    async kioskRunner(runner: CrewRunner): Promise<KioskRunner> {
      const inQueue = (await raceState().queueTickets()).some((q) => q.runnerId === runner.id);
      return { id: runner.id, name: runner.name, team: runner.team, lapsRun: runner.lapsRun, bestLapMs: runner.bestLapMs, inQueue };
    },
  };
  return service;
};

export type RunnerQueryService = ReturnType<typeof createRunnerQueryService>;
export default createRunnerQueryService;
