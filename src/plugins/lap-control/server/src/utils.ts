import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { PointsService } from './services/points';
import type { RaceStateService } from './services/race-state';
import type { LapControlService } from './services/lap-control';
import type { QueueService } from './services/queue';
import type { StatisticsService } from './services/statistics';
import type { RunnerQueryService } from './services/runner-query';
import type { LapsExportService } from './services/laps-export';
import type { RaceEventsService } from './services/race-events';

type Services = {
  points: PointsService;
  raceState: RaceStateService;
  lapControl: LapControlService;
  queue: QueueService;
  statistics: StatisticsService;
  runnerQuery: RunnerQueryService;
  lapsExport: LapsExportService;
  raceEvents: RaceEventsService;
};

export const PLUGIN = 'lap-control';

export const getService = <K extends keyof Services>(name: K, strapiInstance: Core.Strapi = strapi): Services[K] =>
  strapiInstance.plugin(PLUGIN).service(name) as Services[K];

export const UID = {
  race: 'api::race.race',
  runner: 'api::race.runner',
  team: 'api::race.team',
  university: 'api::race.university',
  criterion: 'api::race.criterion',
  happyHour: 'api::race.happy-hour',
  shift: 'api::race.shift',
  ticket: 'api::race.queue-ticket',
  lap: 'api::race.lap',
} as const;

export const ACTIONS = {
  control: 'plugin::lap-control.control',
  queue: 'plugin::lap-control.queue',
  read: 'plugin::lap-control.read',
  lapsExport: 'plugin::lap-control.laps.export',
} as const;

export { CREW_TOPIC, PUBLIC_TOPIC } from '../../contract';

/** A 4xx the controllers turn into `{ error, ...extra }` with that status. */
export class RaceError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly field?: string,
  ) {
    super(message);
    this.name = 'RaceError';
  }
}

export const badInput = (field: string, message: string) => new RaceError(400, `${field}: ${message}`, { field }, field);

/** Names of a relation's link table (Strapi 5 keeps every relation in a `_lnk` table). */
export interface LinkTable {
  name: string;
  /** Column holding the id of the side that owns the attribute. */
  own: string;
  /** Column holding the id of the related row. */
  other: string;
}

export function linkTable(strapiInstance: Core.Strapi, uid: string, attribute: string): LinkTable {
  const attr = (strapiInstance.db.metadata.get(uid as any).attributes as any)[attribute];
  const joinTable = attr?.joinTable;
  if (!joinTable) throw new Error(`[lap-control] ${uid}.${attribute} has no link table`);
  return { name: joinTable.name, own: joinTable.joinColumn.name, other: joinTable.inverseJoinColumn.name };
}

export function tableName(strapiInstance: Core.Strapi, uid: string): string {
  return strapiInstance.db.metadata.get(uid as any).tableName;
}

/** Table and link-table names of the race domain, read from Strapi's metadata once. */
export function raceTables(strapiInstance: Core.Strapi) {
  return {
    race: tableName(strapiInstance, UID.race),
    runners: tableName(strapiInstance, UID.runner),
    teams: tableName(strapiInstance, UID.team),
    universities: tableName(strapiInstance, UID.university),
    criteria: tableName(strapiInstance, UID.criterion),
    happyHours: tableName(strapiInstance, UID.happyHour),
    shifts: tableName(strapiInstance, UID.shift),
    tickets: tableName(strapiInstance, UID.ticket),
    laps: tableName(strapiInstance, UID.lap),
    lapRunner: linkTable(strapiInstance, UID.lap, 'runner'),
    lapTicket: linkTable(strapiInstance, UID.lap, 'ticket'),
    ticketRunner: linkTable(strapiInstance, UID.ticket, 'runner'),
    runnerTeam: linkTable(strapiInstance, UID.runner, 'team'),
    runnerUniversity: linkTable(strapiInstance, UID.runner, 'university'),
    happyHourTeam: linkTable(strapiInstance, UID.happyHour, 'team'),
    shiftRunners: linkTable(strapiInstance, UID.shift, 'runners'),
  };
}
export type RaceTables = ReturnType<typeof raceTables>;

/** Knex or a transaction on it. */
export type Db = Knex | Knex.Transaction;

/**
 * A stored datetime as epoch milliseconds: PostgreSQL gives Date objects, SQLite gives what Strapi
 * wrote (epoch milliseconds, or an ISO / "YYYY-MM-DD HH:MM:SS" text for rows written elsewhere).
 */
export function toMs(value: unknown): number | null {
  if (value == null) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  const text = String(value);
  if (/^\d+$/.test(text)) return Number(text);
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

export const toIso = (value: unknown): string | null => {
  const ms = toMs(value);
  return ms == null ? null : new Date(ms).toISOString();
};

export const toNumber = (value: unknown): number | null => (value == null ? null : Number(value));

/** Parses an ISO 8601 instant from input; throws a 400 naming the field. */
export function parseInstant(field: string, value: unknown): number {
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT/.test(value)) throw badInput(field, 'must be an ISO 8601 date-time');
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw badInput(field, 'must be an ISO 8601 date-time');
  return ms;
}

export function parseId(field: string, value: unknown, { nullable = false } = {}): number | null {
  if (value === null && nullable) return null;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw badInput(field, nullable ? 'must be a positive integer id or null' : 'must be a positive integer id');
  }
  return n;
}

export function parseVersion(field: string, value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw badInput(field, 'must be a non-negative integer (the queue version)');
  return n;
}
