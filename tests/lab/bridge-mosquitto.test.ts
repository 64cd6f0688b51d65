/**
 * Against Mosquitto (127.0.0.1:1883 in CI): two Strapi instances on one database share the bridge's
 * subscriptions (`$share/<group>/...`), so each MQTT message is handled by exactly one of them, and a
 * simulated cycler runs an experiment to the end with nothing lost or doubled.
 */
import supertest from 'supertest';
import type { MqttClient } from 'mqtt';
import { CyclerSimulator } from '../../scripts/cycler-simulator';
import { startChildInstance, type ChildInstance } from '../helpers/instances';
import { describeWhen } from '../helpers/services';
import { createAdminUser, startStrapi, type TestApp } from '../helpers/strapi';
import {
  bridge, bridgeEnv, createLabFixture, experimentRow, MOSQUITTO_URL, mosquittoMissing, queueExperiment, rawClient,
  sampleCount, uniqueNames, waitFor,
} from './helpers';

const names = uniqueNames(__filename);
const MESSAGES = 400;
const PER_MESSAGE = 3;

describeWhen(mosquittoMissing(), 'cycler bridge on Mosquitto with two instances', () => {
  let a: TestApp;
  let b: ChildInstance;
  let raw: MqttClient;
  let sim: CyclerSimulator;
  const env = (clientId: string) => ({ ...bridgeEnv(names), MQTT_URL: MOSQUITTO_URL, MQTT_SHARED_GROUP: `tb-${names.tag}`, MQTT_CLIENT_ID: clientId });

  beforeAll(async () => {
    a = await startStrapi({ env: env(`${names.bridgeClientId}-a`), keepDatabase: true });
    await bridge(a.strapi).ready();
    b = await startChildInstance({ ...a.db.env, ...env(`${names.bridgeClientId}-b`) });
    raw = await rawClient(MOSQUITTO_URL, `${names.simClientPrefix}-raw`);
  });
  afterAll(async () => {
    await sim?.stop();
    await raw?.endAsync();
    await b?.stop();
    await a?.stop();
    await a?.db.drop();
  });

  /** The child instance's bridge counters, through its admin route. */
  async function childStats() {
    const { email, password } = await createAdminUser(a.strapi, ['Super Admin']);
    const login = await supertest(b.url).post('/admin/login').send({ email, password });
    const res = await supertest(b.url).get('/cycler-bridge/monitor/stations').set('Authorization', `Bearer ${login.body.data.token}`);
    expect(res.status).toBe(200);
    return res.body.meta.bridge;
  }

  it('handles each message on exactly one instance (shared subscription)', async () => {
    const station = names.station('shared');
    const fixture = await createLabFixture(a.strapi, [station]);
    const experiment = await queueExperiment(a.strapi, fixture, station);
    await a.strapi.db.query('api::lab.experiment').update({ where: { id: experiment }, data: { state: 'running' } });
    const childBefore = (await childStats()).received;
    const before = bridge(a.strapi).stats().received;
    for (let i = 0; i < MESSAGES; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => {
        const seq = (i + k) * PER_MESSAGE;
        const samples = Array.from({ length: PER_MESSAGE }, (__, j) => ({ test_time_s: seq + j, voltage_v: 3.6, current_a: 1 }));
        return raw.publishAsync(`${names.topicPrefix}/stations/${station}/samples`, JSON.stringify({ experiment, seq, samples }), { qos: 1 });
      }));
    }
    await waitFor('all rows', async () => (await sampleCount(a.strapi, experiment)) === MESSAGES * PER_MESSAGE, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    const here = bridge(a.strapi).stats().received - before;
    const there = (await childStats()).received - childBefore;
    expect(here + there).toBe(MESSAGES);
    expect(here).toBeGreaterThan(0);
    expect(there).toBeGreaterThan(0);
    expect(await sampleCount(a.strapi, experiment)).toBe(MESSAGES * PER_MESSAGE);
  });

  it('runs a simulated experiment to the end across both instances with nothing lost or doubled', async () => {
    const station = names.station('sim');
    const fixture = await createLabFixture(a.strapi, [station]);
    const experiment = await queueExperiment(a.strapi, fixture, station);
    sim = new CyclerSimulator({ url: MOSQUITTO_URL, topicPrefix: names.topicPrefix, stations: [station], clientIdPrefix: names.simClientPrefix, hz: 50, speedup: 20, heartbeatMs: 300, duplicateRate: 0.1 });
    await sim.start();
    const run = await sim.station(station).nextRunEnd();
    expect(run.outcome).toBe('finished');
    const row = await waitFor('finished', async () => {
      const e = await experimentRow(a.strapi, experiment);
      return e.state === 'finished' ? e : null;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(await sampleCount(a.strapi, experiment)).toBe(run.sent);
    expect((await experimentRow(a.strapi, experiment)).sample_count).toBe(run.sent);
    expect(row.finished_at).toBeTruthy();
    // The end and the last samples may be handled on different instances: the summary holds every sample.
    const summary = (await experimentRow(a.strapi, experiment)).cycle_summary;
    const cycles = (typeof summary === 'string' ? JSON.parse(summary) : summary).cycles as Array<{ samples: number }>;
    expect(cycles.reduce((n, c) => n + c.samples, 0)).toBe(run.sent);
  });
});
