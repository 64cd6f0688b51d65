/**
 * Station side of the bridge: heartbeats (state, devices, last_heartbeat_at), the offline timeout,
 * automatic dispatch of the oldest queued experiment, experiment status from the cyclers, commands to
 * them, and the per-station counters of malformed messages shown in the admin.
 *
 * Safe with several instances: timeouts are idempotent updates, and dispatch claims an experiment
 * under the station row's lock, so a station gets one start command at a time.
 */
import type { Core } from '@strapi/strapi';
import {
  batteryLimits, intersectLimits, stationLimits, type ProfileStep,
} from '../../../../../api/lab/services/profile-instructions';
import { toEpochMs } from '../schemas';
import { bridgeConfig, EXPERIMENT_UID, experimentTopic, getService, realtime, STATION_UID, STATIONS_TOPIC } from '../utils';

export interface StationRow {
  id: number;
  documentId: string;
  name: string;
  state: 'available' | 'running' | 'offline' | 'deprecated';
  last_heartbeat_at: string | Date | null;
  devices?: unknown[];
}

export interface ExperimentRef {
  id: number;
  state: string;
  stationId: number | null;
  stationName: string | null;
}

export type StatusMessage = {
  experiment: number;
  kind: 'running' | 'paused' | 'finished' | 'error' | 'alarm';
  step?: number;
  cycle?: number;
  samples_sent?: number;
  alarm?: { code: string; message?: string; raised_at?: number | string };
};

export type HeartbeatMessage = {
  state: 'available' | 'running' | 'paused' | 'error';
  experiment?: number | null;
  devices?: Array<{ kind: string; model?: string; serial_number?: string; connected?: boolean }>;
};

export type Command = 'start' | 'pause' | 'resume' | 'stop';

export interface StationsService {
  station(name: string): Promise<StationRow | null>;
  experiment(id: number): Promise<ExperimentRef | null>;
  heartbeat(stationName: string, message: HeartbeatMessage): Promise<void>;
  status(station: StationRow, message: StatusMessage): Promise<void>;
  /** Marks stations without a heartbeat for stationTimeoutMs offline; returns their names. */
  markOffline(now?: Date): Promise<string[]>;
  /** Starts the oldest queued experiment of the station if it runs nothing; returns its id. */
  dispatch(station: StationRow): Promise<number | null>;
  dispatchAll(): Promise<number[]>;
  sendCommand(experimentId: number, command: Command): Promise<void>;
  /**
   * Recomputes the cycle summary of an experiment that ended: at its end, and again when a batch
   * of its samples commits later (another instance's, under a shared subscription). A failure is
   * logged; the experiment's state stays.
   */
  summarise(experimentId: number): Promise<void>;
  countMalformed(stationName: string, reason: string): void;
  malformedCounts(): Record<string, number>;
  persistCounters(): Promise<void>;
  startTimers(): void;
  stopTimers(): Promise<void>;
}

/** Known names only: a flood of random station names must not grow memory without bound. */
const MAX_COUNTED_NAMES = 1000;

export default ({ strapi }: { strapi: Core.Strapi }): StationsService => {
  const experiments = () => strapi.db.query(EXPERIMENT_UID);
  const stations = () => strapi.db.query(STATION_UID);
  const experimentCache = new Map<number, { ref: ExperimentRef; until: number }>();
  const devicesSeen = new Map<number, string>();
  const malformed = new Map<string, { total: number; unsaved: number; reason: string; at: Date }>();
  let timer: NodeJS.Timeout | null = null;
  let tick: Promise<void> | null = null;

  const publishStation = (station: Pick<StationRow, 'id' | 'name'>, state: string, extra: object = {}) =>
    realtime(strapi)?.publish(STATIONS_TOPIC, 'lab:station', { id: station.id, name: station.name, state, ...extra });
  const publishExperiment = (id: number, data: object) =>
    realtime(strapi)?.publish(experimentTopic(id), 'lab:experiment', { id, ...data });

  /** The station's own alarm time when it sent one (validated by the schema), else now. */
  const alarmTime = (alarm: NonNullable<StatusMessage['alarm']>, now: Date) => {
    const ms = alarm.raised_at === undefined ? null : toEpochMs(alarm.raised_at, now.getTime());
    return ms === null ? null : new Date(ms);
  };

  const sampleCount = async (id: number): Promise<number> =>
    Number((await experiments().findOne({ where: { id }, select: ['sample_count'] }))?.sample_count ?? 0);

  async function summarise(experimentId: number) {
    try {
      await (strapi.service('api::lab.cycle-summary') as any).refresh(experimentId);
    } catch (error) {
      strapi.log.warn(`[cycler-bridge] cycle summary of experiment ${experimentId} failed: ${(error as Error).message}`);
    }
  }

  async function createAlarm(experimentId: number, code: string, message: string | undefined, raisedAt: Date = new Date()) {
    await strapi.db.query('api::lab.alarm').create({ data: { experiment: experimentId, code, message: message ?? null, raised_at: raisedAt } });
  }

  /**
   * A QoS 1 redelivery (after a crash before the PUBACK) repeats the payload: the same experiment,
   * code, message and station time `raised_at`. Without `raised_at` an alarm with the code and
   * message of one already stored for the experiment is taken for a redelivery.
   */
  async function alarmStored(experimentId: number, alarm: NonNullable<StatusMessage['alarm']>, stationTime: Date | null) {
    const found = await strapi.db.query('api::lab.alarm').findOne({
      where: {
        experiment: { id: experimentId },
        code: alarm.code,
        message: alarm.message === undefined ? { $null: true } : alarm.message,
        ...(stationTime ? { raised_at: stationTime } : {}),
      },
      select: ['id'],
    });
    return !!found;
  }

  const service: StationsService = {
    async station(name) {
      const row = await stations().findOne({ where: { name }, select: ['id', 'documentId', 'name', 'state', 'last_heartbeat_at', 'virtual'] });
      // A virtual station holds imported experiments: a cycler publishing under its name is not one of ours.
      return row && !row.virtual ? (row as StationRow) : null;
    },

    async experiment(id) {
      const cached = experimentCache.get(id);
      if (cached && cached.until > Date.now()) return cached.ref;
      const row = await experiments().findOne({ where: { id }, select: ['id', 'state'], populate: { cycler_station: { select: ['id', 'name'] } } });
      if (!row) return null;
      const ref: ExperimentRef = { id: row.id, state: row.state, stationId: row.cycler_station?.id ?? null, stationName: row.cycler_station?.name ?? null };
      // A queued experiment is about to change state (maybe on another instance): never cached.
      if (ref.state !== 'queued') experimentCache.set(id, { ref, until: Date.now() + 5_000 });
      return ref;
    },

    async heartbeat(stationName, message) {
      const station = await service.station(stationName);
      if (!station) {
        service.countMalformed(stationName, `heartbeat from unknown station "${stationName}"`);
        return;
      }
      const state = station.state === 'deprecated' ? 'deprecated' : message.state === 'available' ? 'available' : 'running';
      await stations().update({ where: { id: station.id }, data: { state, last_heartbeat_at: new Date() } });
      if (message.devices) {
        // Devices are a component: written through the Document Service, and only when they change.
        const key = JSON.stringify(message.devices);
        if (devicesSeen.get(station.id) !== key) {
          await strapi.documents(STATION_UID as any).update({ documentId: station.documentId, data: { devices: message.devices } as any });
          devicesSeen.set(station.id, key);
        }
      }
      if (state !== station.state) publishStation(station, state);
      if (state === 'available') await service.dispatch({ ...station, state });
    },

    async status(station, message) {
      const id = message.experiment;
      const now = new Date();
      const writer = getService('sampleWriter', strapi);
      experimentCache.delete(id);
      switch (message.kind) {
        case 'running':
        case 'paused':
          await experiments().update({
            where: { id },
            data: { state: message.kind, ...(message.step !== undefined ? { current_step: message.step } : {}) },
          });
          publishExperiment(id, { state: message.kind, current_step: message.step ?? null });
          break;
        case 'finished': {
          // Samples of this experiment still in this instance's batch are written first. sample_count
          // is not recounted here: each batch adds its new rows in its own transaction, and a count
          // taken now would overwrite the rows another instance commits meanwhile.
          await writer.drain();
          await experiments().update({ where: { id }, data: { state: 'finished', finished_at: now } });
          publishExperiment(id, { state: 'finished', sample_count: await sampleCount(id) });
          await summarise(id);
          break;
        }
        case 'error': {
          await writer.drain();
          const current = await experiments().findOne({ where: { id }, select: ['state'] });
          const reason = `${message.alarm!.code}${message.alarm!.message ? `: ${message.alarm!.message}` : ''}`;
          // A redelivered error must not raise its alarm twice.
          if (current?.state !== 'error') await createAlarm(id, message.alarm!.code, message.alarm!.message, alarmTime(message.alarm!, now) ?? now);
          await experiments().update({ where: { id }, data: { state: 'error', state_reason: reason, finished_at: now } });
          publishExperiment(id, { state: 'error', state_reason: reason, sample_count: await sampleCount(id) });
          await summarise(id);
          break;
        }
        case 'alarm': {
          const stationTime = alarmTime(message.alarm!, now);
          if (await alarmStored(id, message.alarm!, stationTime)) break; // redelivered
          await createAlarm(id, message.alarm!.code, message.alarm!.message, stationTime ?? now);
          publishExperiment(id, { alarm: message.alarm });
          break;
        }
      }
    },

    async markOffline(now = new Date()) {
      const cutoff = new Date(now.getTime() - bridgeConfig(strapi).stationTimeoutMs);
      const stale = await stations().findMany({
        where: {
          state: { $in: ['available', 'running'] },
          $or: [{ last_heartbeat_at: { $null: true } }, { last_heartbeat_at: { $lt: cutoff } }],
        },
        select: ['id', 'name'],
      });
      if (!stale.length) return [];
      // The condition is repeated: a heartbeat that arrived meanwhile keeps its station online.
      await stations().updateMany({
        where: { id: { $in: stale.map((s: any) => s.id) }, $or: [{ last_heartbeat_at: { $null: true } }, { last_heartbeat_at: { $lt: cutoff } }] },
        data: { state: 'offline' },
      });
      for (const s of stale) publishStation(s as StationRow, 'offline');
      return stale.map((s: any) => s.name as string);
    },

    async dispatch(station) {
      if (station.state !== 'available') return null;
      // The busy check, the choice of the oldest and the claim hold the station row's lock (a row lock
      // on PostgreSQL, the write lock on SQLite): a heartbeat and the timer dispatching at once, here or
      // on another instance, would otherwise each start a different experiment on the same station.
      const next = await strapi.db.transaction(async ({ trx }) => {
        const locked = await trx(strapi.db.metadata.get(STATION_UID).tableName)
          .where({ id: station.id, state: 'available' })
          .update({ state: trx.raw('??', ['state']) });
        if (!locked) return null;
        const busy = await experiments().findOne({ where: { state: { $in: ['running', 'paused'] }, cycler_station: { id: station.id } }, select: ['id'] });
        if (busy) return null;
        const oldest = await experiments().findOne({
          where: { state: 'queued', cycler_station: { id: station.id } },
          orderBy: [{ queued_at: 'asc' }, { id: 'asc' }],
          populate: { profile: true, battery: true, cycler_station: true },
        });
        if (!oldest) return null;
        const claimed = await experiments().updateMany({
          where: { id: oldest.id, state: 'queued' },
          data: { state: 'running', started_at: new Date(), current_step: 0 },
        });
        if (!claimed.count) return null;
        await stations().update({ where: { id: station.id }, data: { state: 'running' } });
        return oldest;
      });
      if (!next) return null;
      const limits = intersectLimits(batteryLimits(next.battery ?? {}), stationLimits(next.cycler_station ?? {}));
      await getService('bridge', strapi).publishCommand(station.name, {
        command: 'start',
        experiment: { id: next.id, documentId: next.documentId, name: next.name },
        profile: { name: next.profile?.name ?? null, instructions: next.profile?.instructions ?? '', steps: (next.profile?.steps ?? []) as ProfileStep[] },
        limits,
        battery: next.battery
          ? { name: next.battery.name, technology: next.battery.technology, nominal_capacity_ah: next.battery.nominal_capacity_ah === null ? null : Number(next.battery.nominal_capacity_ah) }
          : null,
      });
      publishExperiment(next.id, { state: 'running' });
      publishStation(station, 'running', { experiment: next.id });
      strapi.log.info(`[cycler-bridge] dispatched experiment ${next.id} to station ${station.name}`);
      return next.id;
    },

    async dispatchAll() {
      const available = (await stations().findMany({ where: { state: 'available' }, select: ['id', 'documentId', 'name', 'state', 'last_heartbeat_at'] })) as StationRow[];
      const started: number[] = [];
      for (const station of available) {
        const id = await service.dispatch(station);
        if (id) started.push(id);
      }
      return started;
    },

    async sendCommand(experimentId, command) {
      const experiment = await experiments().findOne({ where: { id: experimentId }, populate: { cycler_station: { select: ['name'] } } });
      if (!experiment?.cycler_station) throw new Error(`experiment ${experimentId} has no station`);
      await getService('bridge', strapi).publishCommand(experiment.cycler_station.name, {
        command,
        experiment: { id: experiment.id, documentId: experiment.documentId, name: experiment.name },
      });
    },

    summarise,

    countMalformed(stationName, reason) {
      const entry = malformed.get(stationName);
      if (entry) {
        entry.total += 1;
        entry.unsaved += 1;
        entry.reason = reason;
        entry.at = new Date();
      } else if (malformed.size < MAX_COUNTED_NAMES) {
        malformed.set(stationName, { total: 1, unsaved: 1, reason, at: new Date() });
      }
    },

    malformedCounts() {
      return Object.fromEntries([...malformed].map(([name, e]) => [name, e.total]));
    },

    /** Adds the counts since the last call to the stations' `malformed_messages` (visible in the admin). */
    async persistCounters() {
      const table = strapi.db.metadata.get(STATION_UID).tableName;
      for (const [name, entry] of malformed) {
        if (!entry.unsaved) continue;
        const n = entry.unsaved;
        entry.unsaved = 0;
        // One transaction: a reader never sees the new count without its reason and time.
        await strapi.db.transaction(async ({ trx }) => {
          await trx(table).where({ name }).update({
            malformed_messages: trx.raw('coalesce(malformed_messages, 0) + ?', [n]),
            last_malformed_reason: entry.reason.slice(0, 255),
          });
          // Dates through the query engine: it stores them the way each database expects.
          await stations().updateMany({ where: { name }, data: { last_malformed_at: entry.at } });
        });
      }
    },

    startTimers() {
      if (timer) return;
      timer = setInterval(() => {
        if (tick) return;
        tick = (async () => {
          try {
            await service.markOffline();
            await service.dispatchAll();
            await service.persistCounters();
          } catch (error) {
            strapi.log.warn(`[cycler-bridge] station check failed: ${(error as Error).message}`);
          } finally {
            tick = null;
          }
        })();
      }, bridgeConfig(strapi).checkIntervalMs);
    },

    async stopTimers() {
      if (timer) clearInterval(timer);
      timer = null;
      // A check still running would otherwise query a database Strapi is about to close.
      await tick;
    },
  };
  return service;
};
