/**
 * The MQTT side: one MQTT.js client with a fixed client id and a persistent session (clean: false),
 * QoS 1 subscriptions (shared with `$share/<group>/` on an external broker, so several Strapi
 * instances handle each message once), and manual acknowledgements:
 *
 * - samples are acknowledged only after the batch holding them has committed (sample-writer);
 * - heartbeats and status messages after their handler has finished;
 * - malformed messages at once (counted per station; redelivering them would not fix them).
 *
 * Memory is bounded: past maxPendingMessages held in memory the bridge stops reading from the broker
 * until batches commit. If the database fails, the bridge drops everything unacknowledged and
 * disconnects; the broker keeps the messages in the session and redelivers them when the bridge
 * reconnects after the database answers again. Storage is idempotent by
 * (experiment, seq), so redelivered samples are stored once.
 */
import mqtt, { type MqttClient, type IPublishPacket } from 'mqtt';
import type { Core } from '@strapi/strapi';
import type { SampleRow } from '../../../../../api/lab/services/lab-samples';
import {
  describeErrors, toEpochMs, validateHeartbeat, validateSamples, validateStatus,
} from '../schemas';
import { bridgeConfig, getService } from '../utils';
import type { Command, HeartbeatMessage, StatusMessage } from './stations';

export interface BridgeStats {
  connected: boolean;
  degraded: string | null;
  received: number;
  acked: number;
  malformed: number;
  pending: number;
  reconnects: number;
}

export interface BridgeService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once subscribed (tests, benches). */
  ready(): Promise<void>;
  publishCommand(stationName: string, payload: { command: Command; [key: string]: unknown }): Promise<void>;
  stats(): BridgeStats;
  brokerUrl(): string | null;
  /** Wait until nothing is held in memory (tests). */
  idle(): Promise<void>;
}

type Kind = 'heartbeat' | 'samples' | 'status';
const KINDS: Kind[] = ['heartbeat', 'samples', 'status'];

export default ({ strapi }: { strapi: Core.Strapi }): BridgeService => {
  let client: MqttClient | null = null;
  let url: string | null = null;
  /** Bumped whenever the connection changes: an ack of an older connection must never be sent. */
  let generation = 0;
  /** PUBACKs MQTT.js wanted to send at once, held until we release them. */
  const heldAcks = new Map<number, { generation: number; packet: any }>();
  const releaseAck = new Map<number, () => void>();
  let degraded: string | null = null;
  let stopping = false;
  let readyResolve: () => void = () => {};
  let readyPromise = new Promise<void>((r) => (readyResolve = r));
  /** Messages handed to a station's chain and not yet acknowledged or dropped. */
  let inMemory = 0;
  const chains = new Map<string, Promise<void>>();
  const counts = { received: 0, acked: 0, malformed: 0, reconnects: 0 };
  let probeTimer: NodeJS.Timeout | null = null;

  const config = () => bridgeConfig(strapi);
  const prefix = () => config().topicPrefix;

  function subscriptionTopics(): string[] {
    const { sharedGroup, mqttUrl } = config();
    // aedes (the embedded broker) has no shared subscriptions; it serves one instance anyway.
    const share = mqttUrl && sharedGroup ? `$share/${sharedGroup}/` : '';
    return KINDS.map((kind) => `${share}${prefix()}/stations/+/${kind}`);
  }

  function parseTopic(topic: string): { station: string; kind: Kind } | null {
    const base = `${prefix()}/stations/`;
    if (!topic.startsWith(base)) return null;
    const rest = topic.slice(base.length).split('/');
    if (rest.length !== 2 || !rest[0] || !KINDS.includes(rest[1] as Kind)) return null;
    return { station: rest[0], kind: rest[1] as Kind };
  }

  /**
   * Manual acknowledgements on MQTT.js: it sends a PUBACK as soon as handleMessage calls back, and it
   * parses the next packet only after that, so holding the callback would process one message at a
   * time. Instead handleMessage returns at once and the PUBACK it then sends is held here until the
   * message is stored. Relies on MQTT.js's `_sendPacket` (checked at start; pinned major 5).
   */
  function installManualAcks(c: MqttClient) {
    const anyClient = c as any;
    if (typeof anyClient._sendPacket !== 'function') throw new Error('cycler-bridge: this MQTT.js has no _sendPacket; manual acks need MQTT.js 5');
    const send = anyClient._sendPacket.bind(c);
    anyClient._sendPacket = (packet: any, cb?: (error?: Error) => void, ...rest: unknown[]) => {
      if (packet.cmd !== 'puback') return send(packet, cb, ...rest);
      // Every PUBACK goes through ackFor. One whose message was forgotten (the connection changed,
      // or the bridge degraded) is never sent: the broker redelivers that message.
      const release = releaseAck.get(packet.messageId);
      if (release) {
        heldAcks.set(packet.messageId, { generation, packet });
        releaseAck.delete(packet.messageId);
        release();
      }
      cb?.();
    };
    anyClient.__sendRaw = send;
  }

  /** An ack function for one received QoS 1 message; safe to call once, late, or never. */
  function ackFor(packet: IPublishPacket): () => void {
    if (packet.qos === 0 || packet.messageId === undefined) return () => {};
    const id = packet.messageId;
    const myGeneration = generation;
    let ready = false;
    let wanted = false;
    const sendNow = () => {
      const held = heldAcks.get(id);
      if (!held) return;
      heldAcks.delete(id);
      if (held.generation !== generation || myGeneration !== generation || !client?.connected) return;
      (client as any).__sendRaw(held.packet);
      counts.acked += 1;
    };
    // MQTT.js asks to send the PUBACK right after handleMessage returns; we may be done before or after.
    releaseAck.set(id, () => {
      ready = true;
      if (wanted) sendNow();
    });
    return () => {
      wanted = true;
      if (ready) sendNow();
    };
  }

  const held = () => inMemory + getService('sampleWriter', strapi).pendingMessages();
  const overLimit = () => held() >= config().maxPendingMessages;

  function malformed(station: string, reason: string, ack: () => void) {
    counts.malformed += 1;
    getService('stations', strapi).countMalformed(station, reason);
    ack();
  }

  function enterDegraded(reason: string) {
    if (degraded || stopping) return;
    degraded = reason;
    strapi.log.warn(`[cycler-bridge] ${reason}: disconnecting; the broker keeps unacknowledged messages until the bridge is back`);
    generation += 1;
    heldAcks.clear();
    releaseAck.clear();
    getService('sampleWriter', strapi).reset();
    chains.clear();
    inMemory = 0;
    client?.end(true);
    probe();
  }

  /** Back online when the database answers and memory has drained. */
  function probe() {
    probeTimer = setTimeout(async () => {
      probeTimer = null;
      if (stopping) return;
      try {
        await strapi.db.connection.raw('select 1');
        degraded = null;
        counts.reconnects += 1;
        strapi.log.info('[cycler-bridge] database answers again: reconnecting to the broker');
        client?.reconnect();
      } catch {
        probe();
      }
    }, 1000);
  }

  function handle(packet: IPublishPacket) {
    counts.received += 1;
    const ack = ackFor(packet);
    if (degraded) return; // not acknowledged: redelivered after reconnecting
    const where = parseTopic(packet.topic);
    if (!where) return malformed('(unknown topic)', `unexpected topic ${packet.topic.slice(0, 200)}`, ack);
    const { station, kind } = where;
    const payload = packet.payload as Buffer;
    if (payload.length > config().maxPayloadBytes) return malformed(station, `payload of ${payload.length} bytes is over ${config().maxPayloadBytes}`, ack);
    let message: unknown;
    try {
      message = JSON.parse(payload.toString('utf8'));
    } catch {
      return malformed(station, `${kind}: not JSON`, ack);
    }
    const validate = kind === 'samples' ? validateSamples : kind === 'status' ? validateStatus : validateHeartbeat;
    if (!validate(message)) return malformed(station, `${kind}: ${describeErrors(validate.errors)}`, ack);

    inMemory += 1;
    // One chain per station keeps its messages in order (samples before the status that follows them).
    const myGeneration = generation;
    const previous = chains.get(station) ?? Promise.resolve();
    const next = previous.then(async () => {
      if (myGeneration !== generation) return;
      try {
        await processMessage(station, kind, message, ack);
      } catch (error) {
        enterDegraded(`database error while handling ${kind} of ${station}: ${(error as Error).message}`);
      } finally {
        if (myGeneration === generation) inMemory -= 1;
      }
    });
    chains.set(station, next);
    void next.then(() => {
      if (chains.get(station) === next) chains.delete(station);
    });
  }

  async function processMessage(stationName: string, kind: Kind, message: any, ack: () => void) {
    const stations = getService('stations', strapi);
    if (kind === 'heartbeat') {
      await stations.heartbeat(stationName, message as HeartbeatMessage);
      return ack();
    }
    const experiment = await stations.experiment(message.experiment);
    if (!experiment) return malformed(stationName, `${kind}: unknown experiment ${message.experiment}`, ack);
    if (experiment.stationName !== stationName) {
      return malformed(stationName, `${kind}: experiment ${message.experiment} is not assigned to station ${stationName}`, ack);
    }
    if (kind === 'status') {
      const station = await stations.station(stationName);
      await stations.status(station!, message as StatusMessage);
      return ack();
    }
    if (experiment.state === 'queued') return malformed(stationName, `samples: experiment ${message.experiment} has not been started`, ack);
    const receivedAt = Date.now();
    const rows: SampleRow[] = [];
    for (let k = 0; k < message.samples.length; k++) {
      const s = message.samples[k];
      const at = toEpochMs(s.recorded_at, receivedAt);
      if (at === null) return malformed(stationName, `samples: /samples/${k}/recorded_at is not a date`, ack);
      rows.push({
        experiment_id: message.experiment,
        seq: message.seq + k,
        recorded_at: new Date(at),
        test_time_s: s.test_time_s,
        voltage_v: s.voltage_v,
        current_a: s.current_a,
        power_w: s.power_w ?? (s.voltage_v * s.current_a),
        temperature_c: s.temperature_c ?? null,
        cycle_index: s.cycle_index ?? null,
        step_index: s.step_index ?? null,
        charge_capacity_ah: s.charge_capacity_ah ?? null,
        discharge_capacity_ah: s.discharge_capacity_ah ?? null,
        charge_energy_wh: s.charge_energy_wh ?? null,
        discharge_energy_wh: s.discharge_energy_wh ?? null,
        extra: s.extra ? JSON.stringify(s.extra) : null,
      });
    }
    // The ack leaves with the batch's commit; `inMemory` counts the message until then via the writer.
    getService('sampleWriter', strapi).enqueue({ experimentId: message.experiment, rows, ack });
  }

  return {
    async start() {
      stopping = false;
      const cfg = config();
      url = cfg.mqttUrl ?? getService('broker', strapi).url();
      if (!url) throw new Error('cycler-bridge: no MQTT_URL and no embedded broker');
      getService('sampleWriter', strapi).onFailure((error) => enterDegraded(`writing samples failed: ${(error as Error).message}`));
      client = mqtt.connect(url, {
        clientId: cfg.clientId,
        clean: false, // persistent session: the broker queues QoS 1 messages while we are away
        protocolVersion: 4,
        username: cfg.username,
        password: cfg.password,
        reconnectPeriod: 1000,
        connectTimeout: 10_000,
        keepalive: 30,
        resubscribe: false, // we subscribe on every connect ourselves
      });
      installManualAcks(client);
      // Backpressure: past maxPendingMessages MQTT.js reads no further packet until the writer has
      // caught up, so TCP holds the rest at the broker and memory stays bounded.
      (client as any).handleMessage = (packet: IPublishPacket, callback: () => void) => {
        handle(packet);
        if (!overLimit()) return callback();
        const wait = setInterval(() => {
          if (overLimit() && !degraded && !stopping) return;
          clearInterval(wait);
          callback();
        }, 5);
      };
      client.on('connect', () => {
        generation += 1;
        heldAcks.clear();
        releaseAck.clear();
        const topics = subscriptionTopics();
        client!.subscribe(topics, { qos: 1 }, (error) => {
          if (error) strapi.log.error(`[cycler-bridge] subscribe failed: ${error.message}`);
          else readyResolve();
        });
      });
      client.on('close', () => {
        generation += 1;
        heldAcks.clear();
        releaseAck.clear();
      });
      client.on('error', (error) => strapi.log.warn(`[cycler-bridge] MQTT: ${error.message}`));
      getService('stations', strapi).startTimers();
    },

    async stop() {
      if (!client && !url) return; // never started
      stopping = true;
      if (probeTimer) clearTimeout(probeTimer);
      probeTimer = null;
      await getService('stations', strapi).stopTimers();
      const c = client;
      client = null;
      // Let acks of batches being committed go out before closing.
      await getService('sampleWriter', strapi).drain().catch(() => undefined);
      await Promise.all([...chains.values()]).catch(() => undefined);
      await getService('sampleWriter', strapi).drain().catch(() => undefined);
      await getService('sampleWriter', strapi).stop();
      if (c) await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
      readyPromise = new Promise<void>((r) => (readyResolve = r));
    },

    ready: () => readyPromise,

    async publishCommand(stationName, payload) {
      if (!client) throw new Error('cycler-bridge: not started');
      const body = JSON.stringify({ ...payload, sent_at: new Date().toISOString() });
      // Not awaited to the PUBACK: while disconnected MQTT.js keeps the command and sends it on reconnect.
      client.publish(`${prefix()}/stations/${stationName}/commands`, body, { qos: 1 }, (error) => {
        if (error) strapi.log.warn(`[cycler-bridge] command ${payload.command} to ${stationName} failed: ${error.message}`);
      });
    },

    stats: () => ({
      connected: !!client?.connected,
      degraded,
      received: counts.received,
      acked: counts.acked,
      malformed: counts.malformed,
      pending: held(),
      reconnects: counts.reconnects,
    }),

    brokerUrl: () => url,

    async idle() {
      for (;;) {
        await Promise.all([...chains.values()]);
        await getService('sampleWriter', strapi).drain();
        if (!chains.size && !getService('sampleWriter', strapi).pendingMessages()) return;
      }
    },
  };
};
