/**
 * Lab bridge test helpers: brokers (a private aedes on a random port, Mosquitto), fixtures, and
 * names unique per test file and process so parallel files and other engineers never share topics,
 * client ids or station names on a shared broker.
 */
import { spawn, type ChildProcess } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import type { Core } from '@strapi/strapi';
import mqtt from 'mqtt';
import { tcpReachable } from '../helpers/services';
import { nodeRequire } from '../../src/plugins/cycler-bridge/server/src/services/broker';

export const MOSQUITTO_URL = process.env.TEST_MQTT_URL || 'mqtt://127.0.0.1:1883';

export function mosquittoMissing(): string | null {
  return tcpReachable(MOSQUITTO_URL)
    ? null
    : `Mosquitto is not reachable at ${MOSQUITTO_URL}: install it with \`apt-get install -y mosquitto\` (or set TEST_MQTT_URL)`;
}

export function postgresMissing(): string | null {
  return process.env.TEST_DATABASE_URL ? null : 'needs PostgreSQL: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres';
}

/** Topic prefix, client ids and station names that no other test file or process uses. */
export function uniqueNames(testFile: string) {
  const tag = `${path.basename(testFile).replace(/\.test\.ts$/, '')}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  return {
    tag,
    topicPrefix: `tbtest/${tag}`,
    bridgeClientId: `tb-bridge-${tag}`,
    simClientPrefix: `tb-sim-${tag}`,
    station: (n: number | string) => `st-${tag}-${n}`,
  };
}

/** Environment for startStrapi: the bridge on an embedded broker with a random port, fast timers. */
export function bridgeEnv(names: ReturnType<typeof uniqueNames>, extra: Record<string, string> = {}): Record<string, string> {
  return {
    MQTT_URL: '',
    MQTT_EMBEDDED_PORT: '0',
    MQTT_TOPIC_PREFIX: names.topicPrefix,
    MQTT_CLIENT_ID: names.bridgeClientId,
    LAB_CHECK_INTERVAL_MS: '300',
    ...extra,
  };
}

/** A private aedes broker on a random port; restart() keeps its persistence (sessions, queued messages). */
export async function startAedes(): Promise<{ url: string; port: number; stop(): Promise<void>; restart(downMs?: number): Promise<void> }> {
  const { Aedes } = nodeRequire('aedes');
  const persistence = nodeRequire('aedes-persistence')();
  let broker: any;
  let server: net.Server;
  let port = 0;
  const open = async () => {
    broker = await Aedes.createBroker({ persistence });
    server = net.createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    port = (server.address() as net.AddressInfo).port;
  };
  const close = async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await open();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop: close,
    async restart(downMs = 500) {
      await close();
      await new Promise((r) => setTimeout(r, downMs));
      await open();
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as T;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A short profile: charge, rest, discharge (simulated seconds). */
export const SHORT_PROFILE = 'CC, 1.5, TIME, 30\nWAIT, 10\nCC, -1.5, TIME, 30';

export interface LabFixture {
  batteryId: number;
  batteryDocumentId: string;
  profileId: number;
  stationIds: Record<string, number>;
}

/** A battery, a profile and stations (offline until their first heartbeat). */
export async function createLabFixture(strapi: Core.Strapi, stationNames: string[], instructions = SHORT_PROFILE): Promise<LabFixture> {
  const tag = Math.random().toString(36).slice(2, 8);
  const battery: any = await strapi.documents('api::lab.battery').create({
    data: {
      name: `cell-${tag}`, technology: 'lithium', nominal_capacity_ah: 2.5, min_voltage_v: 2.5, max_voltage_v: 4.2,
      max_charge_current_a: 3, max_discharge_current_a: 5,
      specification: [{ __component: 'lab.lithium' }],
    } as any,
  });
  const profile: any = await strapi.documents('api::lab.profile').create({ data: { name: `profile-${tag}`, instructions } as any });
  const stationIds: Record<string, number> = {};
  for (const name of stationNames) {
    const station: any = await strapi.documents('api::lab.cycler-station').create({
      data: { name, state: 'offline', min_voltage_v: 0, max_voltage_v: 10, min_current_a: -10, max_current_a: 10 } as any,
    });
    stationIds[name] = station.id;
  }
  return { batteryId: battery.id, batteryDocumentId: battery.documentId, profileId: profile.id, stationIds };
}

export async function queueExperiment(strapi: Core.Strapi, fixture: LabFixture, station: string, name = `exp-${Math.random().toString(36).slice(2, 8)}`, queuedAt?: Date) {
  const experiment: any = await strapi.documents('api::lab.experiment').create({
    data: {
      name, state: 'queued', source: 'live', battery: fixture.batteryId, profile: fixture.profileId,
      cycler_station: fixture.stationIds[station], ...(queuedAt ? { queued_at: queuedAt } : {}),
    } as any,
  });
  return experiment.id as number;
}

export async function experimentRow(strapi: Core.Strapi, id: number) {
  return strapi.db.query('api::lab.experiment').findOne({ where: { id } });
}

export async function sampleCount(strapi: Core.Strapi, experimentId: number): Promise<number> {
  const row: any = await strapi.db.connection('lab_samples').where({ experiment_id: experimentId }).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export const bridge = (strapi: Core.Strapi) => strapi.plugin('cycler-bridge').service('bridge') as any;
export const embeddedUrl = (strapi: Core.Strapi) => (strapi.plugin('cycler-bridge').service('broker') as any).url() as string;

/** A plain MQTT client for publishing hand-made payloads. */
export async function rawClient(url: string, clientId: string) {
  const client = mqtt.connect(url, { clientId, clean: true, protocolVersion: 4, reconnectPeriod: 200 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

export const MOSQUITTO_BIN = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => fs.existsSync(p));

/**
 * A private Mosquitto (not the shared one on 1883) that can be killed and restarted with its persistence.
 * max_queued_messages 0: Mosquitto's default (1000) drops QoS 1 messages queued beyond it for a slow or
 * offline subscriber, which is loss for the bridge (docs/cycler-bridge.md).
 */
export async function privateMosquitto(options: { maxInflight?: number } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-mosquitto-'));
  // Started as root, Mosquitto drops to its own user: a 0700 root directory would leave it unable to
  // write its persistence, and every session would be gone after the restart.
  fs.chmodSync(dir, 0o777);
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`,
    'autosave_interval 1', 'max_queued_messages 0', `max_inflight_messages ${options.maxInflight ?? 20}`,
  ].join('\n'));
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(MOSQUITTO_BIN!, ['-c', conf], { stdio: 'ignore' });
    await waitFor('mosquitto listening', () => new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    }), 10_000);
  };
  const stop = () => new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM'); // Mosquitto writes its persistence file on SIGTERM
  });
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async restart(downMs: number) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async stop() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

