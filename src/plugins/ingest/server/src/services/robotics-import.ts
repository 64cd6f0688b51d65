/**
 * Import of Kibotics web server logs (issue 7, docs/robotics.md): parse both formats, drop lines
 * already imported (by line key), join starts with ends into simulations and logins with logouts into
 * sessions (in this import, then against open rows already in the database), create placeholder
 * users, exercises and hosts, write everything in bulk in one transaction, and keep a report per file.
 * Errors become log entries of the `robotics-web` log service through the ingest bulk path.
 */
import crypto from 'crypto';
import type { Knex } from 'knex';
import type { Core } from '@strapi/strapi';
import UAParser from 'ua-parser-js';
import {
  DEFAULT_PARSE_OPTIONS,
  parseRoboticsLog,
  type ErrorEvent,
  type MalformedLine,
  type ParsedLogFile,
  type SessionEvent,
  type SimulationEvent,
} from './robotics-parser';
import { createBulkWriter, dbTime, inJsonList, isoTime, linkTable, type Cell } from './robotics-bulk';
import { getService, isPostgres } from '../utils';
import type { LogServiceRow } from './log-tokens';
import type { NormalisedRecord } from './records';

export const SIMULATION_UID = 'api::robotics.simulation';
export const SESSION_UID = 'api::robotics.session';
export const REPORT_UID = 'api::robotics.import-report';
export const EXERCISE_UID = 'api::robotics.exercise';
export const HOST_UID = 'api::robotics.host';
export const USER_UID = 'plugin::users-permissions.user';
export const ROBOTICS_LOG_SERVICE = 'robotics-web';
/** Users-permissions provider of placeholder users: they cannot log in (no local password). */
export const PLACEHOLDER_PROVIDER = 'robotics-import';
/** Content-API action of POST /api/ingest/robotics/import (grantable to custom API tokens). */
export const ROBOTICS_IMPORT_ACTION = 'plugin::ingest.robotics.import';
/** Admin action of the upload page and its routes. */
export const ROBOTICS_UPLOAD_ACTION = 'plugin::ingest.robotics.upload';
export const ROBOTICS_ADMIN_ACTIONS = [
  { section: 'plugins', displayName: 'Upload robotics logs', uid: 'robotics.upload', pluginName: 'ingest' },
];
/** Malformed lines kept in full per report (the count is always exact). */
const MAX_MALFORMED_KEPT = 1000;

export interface RoboticsFile {
  name: string;
  content: Buffer;
}

export interface ImportOptions {
  source: 'admin' | 'api' | 'cli';
  timeZone?: string;
  onProgress?: (progress: { phase: 'parse' | 'write' | 'done'; done: number; total: number }) => void;
}

export interface FileReport {
  id: number;
  documentId: string;
  file_name: string;
  format: ParsedLogFile['format'];
  total_lines: number;
  blank_lines: number;
  already_imported_lines: number;
  malformed_count: number;
  reencoded_lines: number;
  sessions_created: number;
  sessions_completed: number;
  simulations_created: number;
  simulations_completed: number;
  errors_created: number;
  malformed_lines: MalformedLine[];
}

export interface ImportResult {
  reports: FileReport[];
  totals: {
    lines: number;
    alreadyImported: number;
    malformed: number;
    simulationsCreated: number;
    simulationsCompleted: number;
    sessionsCreated: number;
    sessionsCompleted: number;
    errorsCreated: number;
    placeholders: { users: number; exercises: number; hosts: number };
  };
}

interface SimulationRow {
  start: SimulationEvent | null;
  end: SimulationEvent | null;
}
interface SessionRow {
  login: SessionEvent | null;
  logout: SessionEvent | null;
}

const lower = (s: string) => s.toLowerCase();
const simulationKey = (e: SimulationEvent) => `${lower(e.username)}\u0001${e.exerciseId}\u0001${e.hostIp}`;
const sessionKey = (e: SessionEvent) => `${lower(e.username)}\u0001${e.clientIp}\u0001${e.userAgent}`;
const seconds = (from: number, to: number) => Math.max(0, Math.round((to - from) / 1000));
const toMs = (value: unknown): number | null =>
  value === null || value === undefined ? null : typeof value === 'number' ? value : value instanceof Date ? value.getTime() : /^\d+$/.test(String(value)) ? Number(value) : new Date(String(value).replace(' ', 'T') + (/[zZ+]/.test(String(value)) ? '' : 'Z')).getTime();

/** FIFO queues of open items per key (simulations are joined "in order"). */
class Queues<T> {
  private map = new Map<string, T[]>();
  push(key: string, item: T) {
    const q = this.map.get(key);
    if (q) q.push(item);
    else this.map.set(key, [item]);
  }
  take(key: string, accept: (item: T) => boolean = () => true, last = false): T | undefined {
    const q = this.map.get(key);
    if (!q) return undefined;
    const order = last ? [...q.keys()].reverse() : q.keys();
    for (const i of order) {
      if (accept(q[i])) return q.splice(i, 1)[0];
    }
    return undefined;
  }
}

/** Parsed user agent, cached: a log holds few distinct browsers. */
function createUserAgentParser() {
  const cache = new Map<string, { browser: string | null; browser_version: string | null; os: string | null; os_version: string | null; device_type: string; device_vendor: string | null; device_model: string | null }>();
  return (ua: string | null) => {
    const key = ua ?? '';
    let parsed = cache.get(key);
    if (!parsed) {
      const r = new UAParser(key).getResult();
      parsed = {
        browser: r.browser.name ?? null,
        browser_version: r.browser.version ?? null,
        os: r.os.name ?? null,
        os_version: r.os.version ?? null,
        // ua-parser-js names mobile, tablet, console, smarttv, wearable, embedded; no type = a desktop.
        device_type: key ? r.device.type ?? 'desktop' : 'unknown',
        device_vendor: r.device.vendor ?? null,
        device_model: r.device.model ?? null,
      };
      cache.set(key, parsed);
    }
    return parsed;
  };
}

/** Sorted by time; stable, so lines of one second keep their file order. Skips sorting sorted input. */
function byTime<T extends { at: number; file: number; line: number }>(events: T[]): T[] {
  for (let i = 1; i < events.length; i++) {
    if (events[i].at < events[i - 1].at) return [...events].sort((a, b) => a.at - b.at || a.file - b.file || a.line - b.line);
  }
  return events;
}

const createRoboticsImportService = ({ strapi }: { strapi: Core.Strapi }) => {
  const simulations = () =>
    createBulkWriter(strapi, {
      uid: SIMULATION_UID,
      columns: [
        { name: 'username', type: 'varchar' },
        { name: 'anonymous', type: 'boolean' },
        { name: 'started_at', type: 'timestamptz' },
        { name: 'ended_at', type: 'timestamptz' },
        { name: 'duration_seconds', type: 'int' },
        { name: 'simulation_type', type: 'varchar' },
        { name: 'exercise_code', type: 'varchar' },
        { name: 'host_ip', type: 'varchar' },
        { name: 'container_id', type: 'varchar' },
        { name: 'container_placeholder', type: 'varchar' },
        { name: 'client_ip', type: 'varchar' },
        { name: 'user_agent', type: 'text' },
        { name: 'source_file', type: 'varchar' },
        { name: 'start_line_key', type: 'varchar' },
        { name: 'end_line_key', type: 'varchar' },
        { name: 'active', type: 'boolean' },
        { name: 'anomaly', type: 'varchar' },
      ],
      // The user, exercise and host relations are filled after the commit from username,
      // exercise_code and host_ip (linkSimulations): three link rows per simulation, each with its
      // indexes and foreign keys, cost the database three times the simulation row itself.
      links: [],
    });
  const sessions = () =>
    createBulkWriter(strapi, {
      uid: SESSION_UID,
      columns: [
        { name: 'username', type: 'varchar' },
        { name: 'anonymous', type: 'boolean' },
        { name: 'login_at', type: 'timestamptz' },
        { name: 'logout_at', type: 'timestamptz' },
        { name: 'duration_seconds', type: 'int' },
        { name: 'anomaly', type: 'varchar' },
        { name: 'client_ip', type: 'varchar' },
        { name: 'user_agent', type: 'text' },
        { name: 'browser', type: 'varchar' },
        { name: 'browser_version', type: 'varchar' },
        { name: 'os', type: 'varchar' },
        { name: 'os_version', type: 'varchar' },
        { name: 'device_type', type: 'varchar' },
        { name: 'device_vendor', type: 'varchar' },
        { name: 'device_model', type: 'varchar' },
        { name: 'source_file', type: 'varchar' },
        { name: 'login_line_key', type: 'varchar' },
        { name: 'logout_line_key', type: 'varchar' },
      ],
      links: [{ attribute: 'user', field: 'user_ref' }],
    });
  const table = (uid: string) => strapi.db.metadata.get(uid as any).tableName;
  const time = (ms: number | null) => dbTime(strapi, ms);
  /** `time` with the database's kind read once (per-row calls of isPostgres add up over a million rows). */
  const timer = () => (isPostgres(strapi) ? (ms: number | null) => (ms === null ? null : isoTime(ms)) : (ms: number | null) => ms);

  /** Keys of lines already stored whose time falls in [from, to] (a line's key carries its time). */
  async function knownKeys(trx: Knex.Transaction, uid: string, timeColumns: [string, string], keyColumns: [string, string], from: number, to: number) {
    const keys = new Set<string>();
    if (from > to) return keys;
    const rows = await trx(table(uid))
      .select(keyColumns)
      .whereBetween(timeColumns[0], [time(from - 1000), time(to + 1000)])
      .orWhereBetween(timeColumns[1], [time(from - 1000), time(to + 1000)]);
    for (const row of rows) for (const c of keyColumns) if (row[c]) keys.add(row[c]);
    return keys;
  }

  async function knownErrorKeys(trx: Knex.Transaction, from: number, to: number) {
    const keys = new Set<string>();
    if (from > to) return keys;
    const rows = await trx(table('api::logs.log-entry'))
      .select('attributes')
      .where('service_name', ROBOTICS_LOG_SERVICE)
      .whereBetween('timestamp', [time(from - 1000), time(to + 1000)]);
    for (const row of rows) {
      const attributes = typeof row.attributes === 'string' ? JSON.parse(row.attributes) : row.attributes;
      if (attributes?.line_key) keys.add(attributes.line_key);
    }
    return keys;
  }

  async function robotsLogService(): Promise<LogServiceRow> {
    const query = strapi.db.query('api::logs.log-service');
    const select = ['id', 'documentId', 'name', 'active', 'retention_days'];
    const found = await query.findOne({ where: { name: ROBOTICS_LOG_SERVICE }, select });
    if (found) return found as LogServiceRow;
    // No retention: the robotics logs are history (years old), the daily purge must not drop them.
    await query.create({
      data: { name: ROBOTICS_LOG_SERVICE, active: true, retention_days: null, description: 'Errors of the Kibotics web server, from its imported logs (robotics import)' },
    });
    return (await query.findOne({ where: { name: ROBOTICS_LOG_SERVICE }, select })) as LogServiceRow;
  }

  /**
   * Ids of the users, exercises and hosts the events name; missing ones are created as placeholders
   * (so charts and links work before the platform's database is imported). Users match by user name
   * ignoring case, exercises by exercise_id, hosts by ip.
   */
  async function placeholders(trx: Knex.Transaction, users: Map<string, string>, exercises: Set<string>, hosts: Set<string>) {
    const resolve = async (uid: string, column: string, wanted: string[], caseless: boolean, make: (value: string) => Record<string, unknown>) => {
      const ids = new Map<string, number>();
      if (!wanted.length) return { ids, created: 0 };
      const t = table(uid);
      const read = async () => {
        const rows = await trx(t).select('id', column).whereRaw(inJsonList(strapi, caseless ? `lower(${column})` : column), [JSON.stringify(wanted)]).orderBy('id');
        for (const r of rows) {
          const k = caseless ? lower(r[column]) : r[column];
          if (!ids.has(k)) ids.set(k, Number(r.id));
        }
      };
      await read();
      const missing = wanted.filter((w) => !ids.has(w));
      if (missing.length) {
        await strapi.db.query(uid as any).createMany({ data: missing.map(make) });
        await read();
      }
      return { ids, created: missing.length };
    };
    const mu = await resolve(USER_UID, 'username', [...users.keys()], true, (name) => ({
      username: users.get(name),
      email: `${users.get(name)!.replace(/[^A-Za-z0-9._-]/g, '_')}@placeholder.invalid`.toLowerCase(),
      provider: PLACEHOLDER_PROVIDER,
      confirmed: false,
      blocked: true,
      observations: 'Placeholder created by the robotics log import: the user appears in the logs, not yet in the platform database.',
    }));
    const me = await resolve(EXERCISE_UID, 'exercise_id', [...exercises], false, (id) => ({ exercise_id: id, name: id, state: 'testing', placeholder: true, observations: 'Placeholder created by the robotics log import.' }));
    const mh = await resolve(HOST_UID, 'ip', [...hosts], false, (ip) => ({ host: ip, ip, active: true, placeholder: true }));
    const created = { users: mu.created, exercises: me.created, hosts: mh.created };
    return { users: mu.ids, exercises: me.ids, hosts: mh.ids, created };
  }

  /** The link fill started after the latest import's commit (see linkSimulations). */
  let linking: Promise<number> = Promise.resolve(0);

  const service = {
    parse(file: RoboticsFile, index: number, timeZone?: string): ParsedLogFile {
      return parseRoboticsLog(file.content, file.name, index, { ...DEFAULT_PARSE_OPTIONS, timeZone: timeZone ?? service.timeZone() });
    },

    timeZone(): string {
      return process.env.ROBOTICS_LOG_TIMEZONE || DEFAULT_PARSE_OPTIONS.timeZone;
    },

    async importFiles(files: RoboticsFile[], options: ImportOptions): Promise<ImportResult> {
      const progress = options.onProgress ?? (() => {});
      // One link fill at a time, and never behind an import that wants to read what it links.
      await linking.catch(() => undefined);
      let inserted: { fromId: number; toId: number } | null = null;
      const parsed: ParsedLogFile[] = [];
      files.forEach((f, i) => {
        parsed.push(service.parse(f, i, options.timeZone));
        progress({ phase: 'parse', done: i + 1, total: files.length });
      });
      const perFile = parsed.map((p) => ({
        already: 0, sessionsCreated: 0, sessionsCompleted: 0, simulationsCreated: 0, simulationsCompleted: 0, errorsCreated: 0,
      }));
      const names = files.map((f) => f.name.slice(0, 255));

      const sessionEvents: SessionEvent[] = [];
      const simEvents: SimulationEvent[] = [];
      const errors: ErrorEvent[] = [];
      for (const p of parsed) {
        for (const e of p.events) {
          if (e.kind === 'start' || e.kind === 'end') simEvents.push(e);
          else if (e.kind === 'login' || e.kind === 'logout') sessionEvents.push(e);
          else if (e.kind === 'error') errors.push(e);
        }
      }
      const range = (events: Array<{ at: number }>) => {
        let from = Infinity;
        let to = -Infinity;
        for (const e of events) {
          if (e.at < from) from = e.at;
          if (e.at > to) to = e.at;
        }
        return [from, to] as const;
      };

      const totals: ImportResult['totals'] = {
        lines: parsed.reduce((n, p) => n + p.totalLines, 0),
        alreadyImported: 0,
        malformed: parsed.reduce((n, p) => n + p.malformed.length, 0),
        simulationsCreated: 0, simulationsCompleted: 0, sessionsCreated: 0, sessionsCompleted: 0, errorsCreated: 0,
        placeholders: { users: 0, exercises: 0, hosts: 0 },
      };
      const reports: FileReport[] = [];

      await strapi.db.transaction(async ({ trx }) => {
        // One robotics import at a time across instances: two imports of one file must not both
        // decide its lines are new. SQLite serialises writers already.
        if (isPostgres(strapi)) await trx.raw('select pg_advisory_xact_lock(?)', [7_007_007]);

        // 1. Lines already stored (or twice in this import) are skipped.
        const [sFrom, sTo] = range(simEvents);
        const [lFrom, lTo] = range(sessionEvents);
        const [eFrom, eTo] = range(errors);
        const known = await knownKeys(trx, SIMULATION_UID, ['started_at', 'ended_at'], ['start_line_key', 'end_line_key'], sFrom, sTo);
        for (const k of await knownKeys(trx, SESSION_UID, ['login_at', 'logout_at'], ['login_line_key', 'logout_line_key'], lFrom, lTo)) known.add(k);
        for (const k of await knownErrorKeys(trx, eFrom, eTo)) known.add(k);
        // Events in time order: a line's key starts with its second, so a line twice in this import
        // (overlapping files) has its twin within the same second — a set of one second's keys finds
        // it (a set of a million keys cost more than a second of a large import).
        const checkStored = known.size > 0;
        const fresh = <T extends { key: string; file: number; at: number }>(events: T[]) => {
          const out: T[] = [];
          let second = NaN;
          const sameSecond = new Set<string>();
          for (const e of events) {
            const s = Math.floor(e.at / 1000);
            if (s !== second) {
              second = s;
              sameSecond.clear();
            }
            if ((checkStored && known.has(e.key)) || sameSecond.has(e.key)) {
              perFile[e.file].already++;
              continue;
            }
            sameSecond.add(e.key);
            out.push(e);
          }
          return out;
        };
        const newSims = fresh(byTime(simEvents));
        const newSessions = fresh(byTime(sessionEvents));
        const newErrors = fresh(byTime(errors));
        totals.alreadyImported = perFile.reduce((n, f) => n + f.already, 0);

        // 2. Join within this import: an end closes the open start of its container, else the oldest
        // open start of the same user, exercise and host (without a container of its own).
        const simRows: SimulationRow[] = [];
        const openByContainer = new Map<string, SimulationRow>();
        const openByUser = new Queues<SimulationRow>();
        const unmatchedEnds: SimulationRow[] = [];
        for (const e of newSims) {
          if (e.kind === 'start') {
            const row: SimulationRow = { start: e, end: null };
            simRows.push(row);
            if (e.container) openByContainer.set(e.container, row);
            openByUser.push(simulationKey(e), row);
            continue;
          }
          let row = e.container ? openByContainer.get(e.container) : undefined;
          if (row) {
            openByContainer.delete(e.container!);
            openByUser.take(simulationKey(e), (r) => r === row);
          } else {
            row = openByUser.take(simulationKey(e), (r) => r.end === null && (r.start!.container === null || r.start!.container === e.container));
            if (row?.start?.container) openByContainer.delete(row.start.container);
          }
          if (row) row.end = e;
          else {
            const orphan: SimulationRow = { start: null, end: e };
            simRows.push(orphan);
            unmatchedEnds.push(orphan);
          }
        }
        // Logins and logouts: a logout closes the latest open login of the same user, ip and browser,
        // else the latest open login of the same user.
        const sessionRows: SessionRow[] = [];
        const openSessions = new Queues<SessionRow>();
        const openSessionsByUser = new Queues<SessionRow>();
        const unmatchedLogouts: SessionRow[] = [];
        for (const e of newSessions) {
          if (e.kind === 'login') {
            const row: SessionRow = { login: e, logout: null };
            sessionRows.push(row);
            openSessions.push(sessionKey(e), row);
            openSessionsByUser.push(lower(e.username), row);
            continue;
          }
          let row = openSessions.take(sessionKey(e), () => true, true);
          if (row) openSessionsByUser.take(lower(e.username), (r) => r === row);
          else {
            row = openSessionsByUser.take(lower(e.username), () => true, true);
            if (row) openSessions.take(sessionKey(row.login!), (r) => r === row);
          }
          if (row) row.logout = e;
          else {
            const orphan: SessionRow = { login: null, logout: e };
            sessionRows.push(orphan);
            unmatchedLogouts.push(orphan);
          }
        }

        // 3. Join against the database: ends and logouts of this import may close rows left open by an
        // earlier import, and starts and logins may complete rows that had only their end.
        const updates = await service.joinStored(trx, simRows, sessionRows, unmatchedEnds, unmatchedLogouts);

        // 4. Placeholders, then the rows.
        const users = new Map<string, string>();
        const exercises = new Set<string>();
        const hosts = new Set<string>();
        for (const e of [...newSims, ...newSessions]) {
          if (!e.anonymous && !users.has(lower(e.username))) users.set(lower(e.username), e.username);
          if (e.kind === 'start' || e.kind === 'end') {
            exercises.add(e.exerciseId);
            hosts.add(e.hostIp);
          }
        }
        const refs = await placeholders(trx, users, exercises, hosts);
        totals.placeholders = refs.created;

        const total = simRows.length + sessionRows.length + newErrors.length;
        let written = 0;
        progress({ phase: 'write', done: 0, total });

        const rowTime = timer();
        const simRowsToInsert = simRows.filter((r) => !updates.simulations.has(r));
        // Built slice by slice as they are written: half a million row objects alive at once made
        // garbage collection a large share of a big import.
        const simRecord = (r: SimulationRow): Record<string, Cell> => {
          const first = (r.start ?? r.end)!;
          const file = r.start ?? r.end!;
          perFile[file.file].simulationsCreated++;
          if (r.start && r.end) perFile[r.end.file].simulationsCompleted++;
          return {
            username: first.username,
            anonymous: first.anonymous,
            started_at: rowTime(r.start?.at ?? null),
            ended_at: rowTime(r.end?.at ?? null),
            duration_seconds: r.start && r.end ? seconds(r.start.at, r.end.at) : null,
            simulation_type: first.simulationType,
            exercise_code: first.exerciseId,
            host_ip: first.hostIp,
            container_id: first.container,
            container_placeholder: first.containerPlaceholder,
            client_ip: first.clientIp,
            user_agent: first.userAgent ?? r.end?.userAgent ?? null,
            source_file: names[file.file],
            start_line_key: r.start?.key ?? null,
            end_line_key: r.end?.key ?? null,
            active: r.end === null,
            anomaly: r.start === null ? 'missing_start' : r.end === null ? 'missing_end' : null,
          };
        };
        const simWriter = simulations();
        const maxId = async () => Number((await trx(simWriter.table).max('id as m'))[0].m ?? 0);
        const fromId = simRowsToInsert.length ? await maxId() : 0;
        const SLICE = 50_000;
        for (let i = 0; i < simRowsToInsert.length; i += SLICE) {
          written += await simWriter.insert(trx, simRowsToInsert.slice(i, i + SLICE).map(simRecord));
          progress({ phase: 'write', done: written, total });
        }
        if (simRowsToInsert.length) inserted = { fromId, toId: await maxId() };
        totals.simulationsCreated = simRowsToInsert.length;

        const ua = createUserAgentParser();
        const sessionRecords = sessionRows
          .filter((r) => !updates.sessions.has(r))
          .map((r): Record<string, Cell> => {
            const first = (r.login ?? r.logout)!;
            perFile[first.file].sessionsCreated++;
            if (r.login && r.logout) perFile[r.logout.file].sessionsCompleted++;
            return {
              username: first.username,
              anonymous: first.anonymous,
              login_at: time(r.login?.at ?? null),
              logout_at: time(r.logout?.at ?? null),
              duration_seconds: r.login && r.logout ? seconds(r.login.at, r.logout.at) : null,
              anomaly: r.login === null ? 'missing_login' : r.logout === null ? 'missing_logout' : null,
              client_ip: first.clientIp,
              user_agent: first.userAgent,
              ...ua(first.userAgent),
              source_file: names[first.file],
              login_line_key: r.login?.key ?? null,
              logout_line_key: r.logout?.key ?? null,
              user_ref: first.anonymous ? null : refs.users.get(lower(first.username)) ?? null,
            };
          });
        written += await sessions().insert(trx, sessionRecords);
        totals.sessionsCreated = sessionRecords.length;
        for (const r of updates.simulations) perFile[(r.start ?? r.end)!.file].simulationsCompleted++;
        for (const r of updates.sessions) perFile[(r.login ?? r.logout)!.file].sessionsCompleted++;
        totals.simulationsCompleted = perFile.reduce((n, f) => n + f.simulationsCompleted, 0);
        totals.sessionsCompleted = perFile.reduce((n, f) => n + f.sessionsCompleted, 0);

        if (newErrors.length) {
          const logService = await robotsLogService();
          const records: NormalisedRecord[] = newErrors.map((e) => {
            perFile[e.file].errorsCreated++;
            return {
              timestamp: new Date(e.at),
              severity: 'ERROR',
              message: e.message,
              attributes: JSON.stringify({ status: e.code, line_key: e.key, file: names[e.file], line: e.line, format: e.format, time_from: e.timeFrom }),
              host: null,
              service: ROBOTICS_LOG_SERVICE,
            };
          });
          await getService('logIngest', strapi).ingestLogEntries(logService, records, trx);
          written += records.length;
          totals.errorsCreated = records.length;
        }
        progress({ phase: 'write', done: written, total });

        // 5. One report per file.
        for (let i = 0; i < parsed.length; i++) {
          const p = parsed[i];
          const f = perFile[i];
          const data = {
            file_name: names[i],
            format: p.format,
            source: options.source,
            file_sha256: crypto.createHash('sha256').update(files[i].content).digest('hex'),
            imported_at: new Date(),
            total_lines: p.totalLines,
            blank_lines: p.blankLines,
            already_imported_lines: f.already,
            malformed_count: p.malformed.length,
            reencoded_lines: p.reencodedLines,
            sessions_created: f.sessionsCreated,
            sessions_completed: f.sessionsCompleted,
            simulations_created: f.simulationsCreated,
            simulations_completed: f.simulationsCompleted,
            errors_created: f.errorsCreated,
            placeholders_created: i === 0 ? refs.created : { users: 0, exercises: 0, hosts: 0 },
            malformed_lines: p.malformed.slice(0, MAX_MALFORMED_KEPT),
          };
          const row = (await strapi.db.query(REPORT_UID as any).create({ data })) as { id: number; documentId: string };
          reports.push({ id: row.id, documentId: row.documentId, ...data } as FileReport);
        }
      });
      // After the commit: the rows and charts are complete; the relations follow within seconds.
      if (inserted) {
        const range = inserted;
        linking = service.linkSimulations(range.fromId, range.toId);
        linking.catch((error) => strapi.log.error(`[robotics import] linking simulations ${range.fromId + 1}-${range.toId} failed: ${error?.message ?? error}`));
      }
      progress({ phase: 'done', done: 1, total: 1 });
      return { reports, totals };
    },

    /** Resolves when the relations of the latest import are filled (rejects if that failed). */
    relationsSettled(): Promise<number> {
      return linking;
    },

    /**
     * Fills the user, exercise and host relations (link rows) of the simulations with ids in
     * (fromId, toId] from their columns — user by user name ignoring case (never for anonymous
     * users), exercise by exercise_id, host by ip, the oldest row when several match — one INSERT ...
     * SELECT per relation and 100,000 ids, each in its own short transaction. Simulations that already
     * have a link row of that relation are left alone, so it can be run again (e.g. after a crash
     * between an import's commit and its link fill). Returns the link rows written.
     */
    async linkSimulations(fromId: number, toId: number): Promise<number> {
      const knex = strapi.db.connection;
      const simTable = table(SIMULATION_UID);
      const targets: Array<{ attribute: string; source: string; key: string; match: string; where?: string }> = [
        { attribute: 'user', source: table(USER_UID), key: 'lower(username)', match: 'lower(s.username)', where: '(s.anonymous is null or s.anonymous = false)' },
        { attribute: 'exercise', source: table(EXERCISE_UID), key: 'exercise_id', match: 's.exercise_code' },
        { attribute: 'host', source: table(HOST_UID), key: 'ip', match: 's.host_ip' },
      ];
      const STEP = 100_000;
      let written = 0;
      for (let lo = fromId; lo < toId; lo += STEP) {
        const hi = Math.min(toId, lo + STEP);
        await knex.transaction(async (trx) => {
          for (const t of targets) {
            const l = linkTable(strapi, SIMULATION_UID, t.attribute);
            const columns = [l.ownColumn, l.targetColumn, l.order, l.inverseOrder].filter(Boolean).map((c) => `"${c}"`).join(', ');
            const values = ['s.id', 't.id', l.order && '1', l.inverseOrder && 's.id'].filter(Boolean).join(', ');
            const result: any = await trx.raw(
              `insert into "${l.table}" (${columns})
               select ${values} from "${simTable}" s
               join (select ${t.key} as k, min(id) as id from "${t.source}" group by ${t.key}) t on t.k = ${t.match}
               where s.id > ? and s.id <= ?${t.where ? ` and ${t.where}` : ''}
                 and not exists (select 1 from "${l.table}" x where x."${l.ownColumn}" = s.id)`,
              [lo, hi],
            );
            written += Number(result?.rowCount ?? result?.changes ?? 0);
          }
        });
      }
      return written;
    },

    /**
     * Rows this import completes instead of inserting: an end (or logout) of this import whose start
     * is stored open, and a start (or login) whose end is stored without one. Updates them in place.
     */
    async joinStored(
      trx: Knex.Transaction,
      simRows: SimulationRow[],
      sessionRows: SessionRow[],
      unmatchedEnds: SimulationRow[],
      unmatchedLogouts: SessionRow[],
    ): Promise<{ simulations: Set<SimulationRow>; sessions: Set<SessionRow> }> {
      const done = { simulations: new Set<SimulationRow>(), sessions: new Set<SessionRow>() };
      const simTable = table(SIMULATION_UID);
      const sessionTable = table(SESSION_UID);
      const now = time(Date.now());
      const openStarts = simRows.filter((r) => r.start && !r.end);
      const openLogins = sessionRows.filter((r) => r.login && !r.logout);

      /** Stored rows still missing `missing`, of these containers or users (ignoring case). */
      const candidates = async (tbl: string, containers: string[], usernames: string[], missing: string): Promise<any[]> =>
        trx(tbl)
          .select('*')
          .whereNull(missing)
          .andWhere((w) => {
            w.whereRaw(inJsonList(strapi, 'lower(username)'), [JSON.stringify(usernames)]);
            if (containers.length) w.orWhereRaw(inJsonList(strapi, 'container_id'), [JSON.stringify(containers)]);
          })
          .orderBy('id');

      // Simulations: ends of this import against stored open starts.
      if (unmatchedEnds.length) {
        const ends = unmatchedEnds.map((r) => r.end!);
        const stored = (await candidates(simTable, ends.map((e) => e.container).filter((c): c is string => !!c), ends.map((e) => lower(e.username)), 'ended_at'))
          .filter((s: any) => s.started_at !== null);
        const used = new Set<number>();
        for (const row of unmatchedEnds) {
          const e = row.end!;
          const match = stored.find((s: any) => !used.has(s.id) && toMs(s.started_at)! <= e.at && (e.container ? s.container_id === e.container : false))
            ?? stored.find((s: any) => !used.has(s.id) && toMs(s.started_at)! <= e.at && !s.container_id && lower(s.username) === lower(e.username) && s.exercise_code === e.exerciseId && s.host_ip === e.hostIp);
          if (!match) continue;
          used.add(match.id);
          await trx(simTable).where({ id: match.id }).update({
            ended_at: time(e.at), duration_seconds: seconds(toMs(match.started_at)!, e.at), end_line_key: e.key, active: isPostgres(strapi) ? false : 0, anomaly: null, updated_at: now,
          });
          done.simulations.add(row);
        }
      }
      // Simulations: starts of this import against stored ends without a start.
      if (openStarts.length) {
        const starts = openStarts.map((r) => r.start!);
        const stored = await candidates(simTable, starts.map((e) => e.container).filter((c): c is string => !!c), starts.map((e) => lower(e.username)), 'started_at');
        const used = new Set<number>();
        for (const row of openStarts) {
          const e = row.start!;
          const after = (s: any) => !used.has(s.id) && s.ended_at !== null && toMs(s.ended_at)! >= e.at;
          const match = stored.find((s: any) => after(s) && e.container !== null && s.container_id === e.container)
            ?? stored.find((s: any) => after(s) && !s.container_id && lower(s.username) === lower(e.username) && s.exercise_code === e.exerciseId && s.host_ip === e.hostIp);
          if (!match) continue;
          used.add(match.id);
          await trx(simTable).where({ id: match.id }).update({
            started_at: time(e.at), duration_seconds: seconds(e.at, toMs(match.ended_at)!), start_line_key: e.key, anomaly: null, client_ip: e.clientIp, user_agent: e.userAgent, updated_at: now,
          });
          done.simulations.add(row);
        }
      }
      // Sessions, the same both ways (by user; the latest open login first).
      if (unmatchedLogouts.length) {
        const stored = (await candidates(sessionTable, [], unmatchedLogouts.map((r) => lower(r.logout!.username)), 'logout_at')).filter((s: any) => s.login_at !== null);
        const used = new Set<number>();
        for (const row of unmatchedLogouts) {
          const e = row.logout!;
          const match = [...stored].reverse().find((s: any) => !used.has(s.id) && lower(s.username) === lower(e.username) && toMs(s.login_at)! <= e.at);
          if (!match) continue;
          used.add(match.id);
          await trx(sessionTable).where({ id: match.id }).update({
            logout_at: time(e.at), duration_seconds: seconds(toMs(match.login_at)!, e.at), logout_line_key: e.key, anomaly: null, updated_at: now,
          });
          done.sessions.add(row);
        }
      }
      if (openLogins.length) {
        const stored = await candidates(sessionTable, [], openLogins.map((r) => lower(r.login!.username)), 'login_at');
        const used = new Set<number>();
        for (const row of openLogins) {
          const e = row.login!;
          const match = stored.find((s: any) => !used.has(s.id) && s.logout_at !== null && lower(s.username) === lower(e.username) && toMs(s.logout_at)! >= e.at);
          if (!match) continue;
          used.add(match.id);
          await trx(sessionTable).where({ id: match.id }).update({
            login_at: time(e.at), duration_seconds: seconds(e.at, toMs(match.logout_at)!), login_line_key: e.key, anomaly: null, updated_at: now,
          });
          done.sessions.add(row);
        }
      }
      return done;
    },
  };
  return service;
};

export type RoboticsImportService = ReturnType<typeof createRoboticsImportService>;
export default createRoboticsImportService;
