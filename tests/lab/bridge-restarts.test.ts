/**
 * Zero loss across restarts while simulated cyclers keep publishing: Strapi stopped and started again
 * mid-run (the broker keeps the bridge's persistent session), and the broker restarted mid-run (a
 * private aedes keeping its persistence; a private Mosquitto with its persistence file when installed).
 * The stored count must equal the simulator's sent count, each (experiment, seq) once.
 */
import { spawnSync } from 'child_process';
import { CyclerSimulator } from '../../scripts/cycler-simulator';
import { describeWhen } from '../helpers/services';
import { startStrapi, type TestApp } from '../helpers/strapi';
import {
  bridge, bridgeEnv, createLabFixture, experimentRow, MOSQUITTO_BIN, privateMosquitto, queueExperiment, sampleCount,
  startAedes, uniqueNames, waitFor, type LabFixture,
} from './helpers';

const names = uniqueNames(__filename);
/** Long enough to restart in the middle: 70 simulated s at 5x, 40 samples/s real: ~560 samples. */
const SIM = { hz: 40, speedup: 5, heartbeatMs: 500 };

async function assertZeroLoss(app: TestApp, sim: CyclerSimulator, station: string, experiment: number) {
  const run = await sim.station(station).nextRunEnd();
  expect(run).toMatchObject({ experiment, outcome: 'finished' });
  const row = await waitFor('finished', async () => {
    const e = await experimentRow(app.strapi, experiment);
    return e.state === 'finished' ? e : null;
  }, 60_000);
  await bridge(app.strapi).idle();
  expect(await sampleCount(app.strapi, experiment)).toBe(run.sent);
  expect(row.sample_count).toBe(run.sent);
  const seqs = await app.strapi.db.connection('lab_samples').where({ experiment_id: experiment }).countDistinct({ n: 'seq' }).first();
  expect(Number((seqs as any).n)).toBe(run.sent);
  return run.sent;
}

describe('cycler bridge restarts (private aedes broker)', () => {
  let broker: Awaited<ReturnType<typeof startAedes>>;
  let app: TestApp;
  let fixture: LabFixture;
  const sims: CyclerSimulator[] = [];
  const env = () => ({ ...bridgeEnv(names), MQTT_URL: broker.url, MQTT_SHARED_GROUP: '' });

  beforeAll(async () => {
    broker = await startAedes();
    app = await startStrapi({ env: env(), keepDatabase: true });
    await bridge(app.strapi).ready();
    fixture = await createLabFixture(app.strapi, [names.station('a'), names.station('b')]);
  });
  afterAll(async () => {
    for (const sim of sims) await sim.stop();
    await app?.stop();
    await app?.db.drop();
    await broker?.stop();
  });

  it('loses nothing when Strapi restarts mid-run while the cycler keeps publishing', async () => {
    const station = names.station('a');
    const experiment = await queueExperiment(app.strapi, fixture, station);
    const sim = new CyclerSimulator({ url: broker.url, topicPrefix: names.topicPrefix, stations: [station], clientIdPrefix: names.simClientPrefix, ...SIM });
    sims.push(sim);
    await sim.start();
    await waitFor('samples flowing', async () => (await sampleCount(app.strapi, experiment)) > 60);
    const database = app.db;
    await app.stop();
    const sentWhileDown = sim.sentBy(experiment);
    await new Promise((r) => setTimeout(r, 1500));
    expect(sim.sentBy(experiment)).toBeGreaterThan(sentWhileDown); // it really kept publishing
    app = await startStrapi({ env: env(), database, keepDatabase: true });
    const sent = await assertZeroLoss(app, sim, station, experiment);
    expect(sent).toBeGreaterThan(300);
  });

  it('loses nothing when the broker restarts mid-run', async () => {
    const station = names.station('b');
    const experiment = await queueExperiment(app.strapi, fixture, station);
    const sim = new CyclerSimulator({ url: broker.url, topicPrefix: names.topicPrefix, stations: [station], clientIdPrefix: `${names.simClientPrefix}-2`, ...SIM });
    sims.push(sim);
    await sim.start();
    await waitFor('samples flowing', async () => (await sampleCount(app.strapi, experiment)) > 60);
    await broker.restart(1500);
    expect(bridge(app.strapi).stats().reconnects).toBeGreaterThanOrEqual(0);
    await assertZeroLoss(app, sim, station, experiment);
  });
});

const mosquittoBinaryMissing = MOSQUITTO_BIN && spawnSync(MOSQUITTO_BIN, ['-h']).status !== null
  ? null
  : 'no mosquitto binary: install it with `apt-get install -y mosquitto`';

describeWhen(mosquittoBinaryMissing, 'cycler bridge restarts (private Mosquitto with persistence)', () => {
  const mNames = uniqueNames(`${__filename}-mosquitto`);
  let broker: Awaited<ReturnType<typeof privateMosquitto>>;
  let app: TestApp;
  let sim: CyclerSimulator;

  beforeAll(async () => {
    broker = await privateMosquitto();
    // A plain subscription: Mosquitto does not restore shared ones after a restart (docs/cycler-bridge.md).
    app = await startStrapi({ env: { ...bridgeEnv(mNames), MQTT_URL: broker.url, MQTT_SHARED_GROUP: '' } });
    await bridge(app.strapi).ready();
  });
  afterAll(async () => {
    await sim?.stop();
    await app?.stop();
    await broker?.stop();
  });

  it('loses nothing when Mosquitto is killed and restarted mid-run (persistent session, persistence on disk)', async () => {
    const station = mNames.station('m');
    const fixture = await createLabFixture(app.strapi, [station]);
    const experiment = await queueExperiment(app.strapi, fixture, station);
    sim = new CyclerSimulator({ url: broker.url, topicPrefix: mNames.topicPrefix, stations: [station], clientIdPrefix: mNames.simClientPrefix, ...SIM });
    await sim.start();
    await waitFor('samples flowing', async () => (await sampleCount(app.strapi, experiment)) > 60);
    await broker.restart(1500);
    await assertZeroLoss(app, sim, station, experiment);
  });
});
