/**
 * The queue: join by identification (registering unknown runners first), drag reorder, soft-delete.
 * Every operation runs under the race lock (lap-control service) and is checked against the queue
 * version it was made against; the kiosk passes no version and always appends.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import {
  DEFAULT_IDENTIFICATION_PATTERN,
  InvalidIdentificationError,
  normalizeRunnerIdentification,
} from '../../../../../api/race/services/runner-identification';
import { badInput, getService, raceTables, RaceError, UID } from '../utils';
import type { CrewRunner, RegistrationForm, Ticket } from '../../../contract';
import type { RaceRow } from './race-state';
import { emptyCrewRunner } from './race-state';

export type { RegistrationForm };

export interface QueueAnswer {
  queue: Ticket<CrewRunner>[];
  queueVersion: number;
}

const NAME_MAX = 100;

const createQueueService = ({ strapi }: { strapi: Core.Strapi }) => {
  const t = () => raceTables(strapi);
  const raceState = () => getService('raceState', strapi);
  const lapControl = () => getService('lapControl', strapi);
  const events = () => getService('raceEvents', strapi);

  const checkVersion = (race: RaceRow, expectedVersion: number | undefined) => {
    if (expectedVersion !== undefined && expectedVersion !== race.queueVersion) {
      throw new RaceError(409, `The queue changed (version ${race.queueVersion}, you had ${expectedVersion}); here is the current queue`);
    }
  };

  const answer = async (): Promise<QueueAnswer> => {
    const state = await raceState().crewState();
    return { queue: state.queue, queueVersion: state.queueVersion };
  };

  const service = {
    /** Trimmed, lower-cased and checked against `race.identificationPattern`; 400 naming the field. */
    normalizeIdentification(raw: unknown): string {
      const pattern = strapi.config.get<string>('race.identificationPattern', DEFAULT_IDENTIFICATION_PATTERN);
      try {
        return normalizeRunnerIdentification(raw, pattern);
      } catch (error) {
        if (error instanceof InvalidIdentificationError) throw badInput('identification', error.message);
        throw error;
      }
    },

    async runnerIdByIdentification(identification: string): Promise<number | null> {
      const row = await strapi.db.connection(t().runners).where('identification', identification).first('id');
      return row ? Number(row.id) : null;
    },

    /**
     * Appends the runner with this identification to the queue.
     * 404 `needsRegistration` for an unknown identification; 400 when already waiting in the queue.
     */
    async joinQueue(rawIdentification: unknown, expectedVersion?: number): Promise<{ ticket: Ticket<CrewRunner>; queueVersion: number }> {
      const identification = service.normalizeIdentification(rawIdentification);
      const runnerId = await service.runnerIdByIdentification(identification);
      if (runnerId == null) {
        throw new RaceError(404, `No runner with identification "${identification}": register first`, { needsRegistration: true });
      }
      const outcome = await lapControl().withRaceLock(async (trx, race) => {
        checkVersion(race, expectedVersion);
        const tickets = await raceState().queueTickets(trx);
        if (tickets.some((q) => q.runnerId === runnerId)) {
          throw badInput('identification', 'this runner is already waiting in the queue');
        }
        const position = tickets.length ? tickets[tickets.length - 1].position + 1 : 0;
        const ticket = await strapi.db.query(UID.ticket as any).create({
          data: { runner: runnerId, position, registered_at: new Date(), removed: false, ran: false },
        });
        race.queueVersion += 1;
        await trx(t().race).where('id', race.id).update({ queue_version: race.queueVersion });
        return { ticketId: Number(ticket.id), position: tickets.length, queueVersion: race.queueVersion };
      }, 'queue');
      const runner = (await raceState().crewRunners([runnerId])).get(runnerId) ?? emptyCrewRunner(runnerId);
      const ticket: Ticket<CrewRunner> = { ticketId: outcome.ticketId, position: outcome.position, runner };
      events().queueInsert(outcome.queueVersion, ticket);
      return { ticket, queueVersion: outcome.queueVersion };
    },

    /** Validates a registration form; every problem is a 400 naming its field. */
    async parseRegistration(body: Record<string, unknown>): Promise<RegistrationForm> {
      const identification = service.normalizeIdentification(body.identification);
      const name = (field: string) => {
        const value = body[field];
        if (typeof value !== 'string' || !value.trim()) throw badInput(field, 'is required');
        if (value.trim().length > NAME_MAX) throw badInput(field, `must be at most ${NAME_MAX} characters`);
        return value.trim();
      };
      const firstName = name('firstName');
      const lastName = name('lastName');
      const reference = async (field: 'university' | 'team', table: string) => {
        const value = body[field];
        if (value === null || value === undefined || value === '') return null;
        const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
        if (typeof id !== 'number' || !Number.isInteger(id) || id < 1) throw badInput(field, 'must be the id of an existing ' + field);
        if (!(await strapi.db.connection(table).where('id', id).first('id'))) throw badInput(field, `no ${field} with id ${id}`);
        return id;
      };
      const university = await reference('university', t().universities);
      const team = await reference('team', t().teams);
      const firstYear = body.firstYear ?? false;
      if (typeof firstYear !== 'boolean') throw badInput('firstYear', 'must be true or false');
      if ((await service.runnerIdByIdentification(identification)) != null) {
        throw badInput('identification', 'is already registered: join the queue with it');
      }
      return { identification, firstName, lastName, university, team, firstYear };
    },

    /** Registers a new runner (through the Document Service, so the runner rules apply) and queues them. */
    async registerAndJoin(body: Record<string, unknown>, expectedVersion?: number) {
      const form = await service.parseRegistration(body);
      const documentIdOf = async (table: string, id: number | null) =>
        id == null ? null : ((await strapi.db.connection(table).where('id', id).first('document_id'))?.document_id as string);
      try {
        await (strapi.documents(UID.runner as any) as any).create({
          data: {
            identification: form.identification,
            first_name: form.firstName,
            last_name: form.lastName,
            university: await documentIdOf(t().universities, form.university),
            team: await documentIdOf(t().teams, form.team),
            first_year: form.firstYear,
            registered_at: new Date().toISOString(),
            points: 0,
          },
        });
      } catch (error) {
        if (error instanceof errors.ValidationError) {
          const path = (error.details as any)?.errors?.[0]?.path?.[0] ?? 'identification';
          throw badInput(String(path), error.message);
        }
        throw error;
      }
      return service.joinQueue(form.identification, expectedVersion);
    },

    /** Moves a ticket to `toPosition` (0-based) and renumbers the queue. */
    async moveTicket(ticketId: number, toPosition: number, expectedVersion: number): Promise<QueueAnswer> {
      const version = await lapControl().withRaceLock(async (trx, race) => {
        checkVersion(race, expectedVersion);
        const tickets = await raceState().queueTickets(trx);
        const from = tickets.findIndex((q) => q.id === ticketId);
        if (from < 0) throw new RaceError(404, `ticketId: ticket ${ticketId} is not in the queue`, { field: 'ticketId' }, 'ticketId');
        if (toPosition >= tickets.length) throw badInput('toPosition', `must be below ${tickets.length} (the queue length)`);
        const [moved] = tickets.splice(from, 1);
        tickets.splice(toPosition, 0, moved);
        for (const [index, q] of tickets.entries()) {
          if (q.position !== index) await trx(t().tickets).where('id', q.id).update({ position: index });
        }
        race.queueVersion += 1;
        await trx(t().race).where('id', race.id).update({ queue_version: race.queueVersion });
        return race.queueVersion;
      }, 'queue');
      events().queueMove(version, ticketId, toPosition);
      return answer();
    },

    /** Takes a ticket out of the queue (soft delete: `removed = true`). */
    async removeTicket(ticketId: number, expectedVersion: number): Promise<QueueAnswer> {
      const version = await lapControl().withRaceLock(async (trx, race) => {
        checkVersion(race, expectedVersion);
        const tickets = await raceState().queueTickets(trx);
        if (!tickets.some((q) => q.id === ticketId)) {
          throw new RaceError(404, `ticketId: ticket ${ticketId} is not in the queue`, { field: 'ticketId' }, 'ticketId');
        }
        await trx(t().tickets).where('id', ticketId).update({ removed: true, updated_at: new Date() });
        race.queueVersion += 1;
        await trx(t().race).where('id', race.id).update({ queue_version: race.queueVersion });
        return race.queueVersion;
      }, 'queue');
      events().queueDelete(version, ticketId);
      return answer();
    },
  };
  return service;
};

export type QueueService = ReturnType<typeof createQueueService>;
export default createQueueService;
