/**
 * Lab sample ingestion, in one run on PostgreSQL:
 *   1. the broker's own QoS 1 rate: one publisher, one subscriber that discards (auto-acks) every message;
 *   2. samples stored per second through the bridge (Strapi in its own process), one sample per message;
 *   3. the same with 100 samples per message;
 *   4. the database's own limit: raw COPY of the same rows into lab_samples.
 * 1 and 4 run before and after 2 and 3, and the better of each pair is the reference; the broker and
 * the bridge each get an uncounted warm-up round first (steady state, not JIT warm-up). Prints the
 * ratios (targets: >= 60 % of the broker rate for single samples, >= 45 % of COPY for batched
 * messages) and `lost`, from a count query, for each bridge case.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:lab-ingest
 *     [-- --messages 100000 --batched 2000]   [BENCH_MQTT_URL=mqtt://127.0.0.1:1883]
 * The broker is BENCH_MQTT_URL, else a private Mosquitto on a random port (max_queued_messages 0:
 * with Mosquitto's default of 1000 a burst overflows the subscriber's queue and QoS 1 messages are
 * dropped), else a private aedes.
 */
import '../tests/setup/env';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import mqtt, { type MqttClient } from 'mqtt';
import { compileStrapi } from '@strapi/strapi';
import { startStrapi } from '../tests/helpers/strapi';
import { createLabFixture, MOSQUITTO_BIN, privateMosquitto, queueExperiment, startAedes } from '../tests/lab/helpers';
import { benchPostgres, flag, root, startStrapiProcess } from './strapi-process';

/**
 * The broker's window of unacknowledged messages per subscriber (Mosquitto max_inflight_messages).
 * The bridge acknowledges only after commit, so a commit covers at most this many messages; its batch
 * is half the window, so the broker keeps sending the next batch while one commits (a batch as large
 * as the window stalls the stream at every commit: 52 % instead of 70 % of the broker rate in one
 * pair of runs). BENCH_BATCH_MESSAGES overrides it.
 */
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 1000);
const BATCH_MESSAGES = Number(process.env.BENCH_BATCH_MESSAGES ?? Math.max(1, Math.floor(INFLIGHT / 2)));
/** Single-sample messages through the bridge before anything is measured (and one uncounted broker round). */
const WARM_UP_MESSAGES = 5_000;

async function connect(url: string, clientId: string, clean = true): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId, clean, protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

const sample = (i: number) => ({ recorded_at: 1_764_000_000_000 + i * 100, test_time_s: i / 10, voltage_v: 3.7 + (i % 100) / 1000, current_a: 1.25, temperature_c: 25.5, cycle_index: 0, step_index: 1, charge_capacity_ah: i / 36000 });

/**
 * Publishes every body at QoS 1 without waiting for each PUBACK, at most PUBLISH_WINDOW at a time:
 * QoS 1 message ids are 16-bit, and with more than 65,535 in flight MQTT.js reuses ids whose callbacks
 * then never fire (a 100,000-message run hung in its first phase).
 */
const PUBLISH_WINDOW = 20_000;
function publishAll(client: MqttClient, topic: string, bodies: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let left = bodies.length;
    const publishNext = () => {
      const body = bodies[next++];
      client.publish(topic, body, { qos: 1 }, (error) => {
        if (error) return reject(error);
        if (--left === 0) return resolve();
        if (next < bodies.length) publishNext();
      });
    };
    while (next < Math.min(PUBLISH_WINDOW, bodies.length)) publishNext();
  });
}

async function main() {
  const messages = flag('messages', 100_000);
  const batchedMessages = flag('batched', 2_000);
  benchPostgres();

  let ownBroker: { url: string; stop(): Promise<void> } | null = null;
  let brokerUrl = process.env.BENCH_MQTT_URL;
  if (!brokerUrl) {
    ownBroker = MOSQUITTO_BIN ? await privateMosquitto({ maxInflight: INFLIGHT }) : await startAedes();
    brokerUrl = ownBroker.url;
  }
  const brokerName = process.env.BENCH_MQTT_URL ? brokerUrl : MOSQUITTO_BIN ? `private Mosquitto ${brokerUrl}` : `private aedes ${brokerUrl}`;
  const step = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const tag = `bench-${process.pid}`;
  const prefix = `tbbench/${tag}`;
  step(`broker: ${brokerName}; compiling...`);
  await compileStrapi({ appDir: root, ignoreDiagnostics: false });

  // Fixtures from an instance without the bridge; the bridge runs in its own process.
  const setup = await startStrapi({ env: { CYCLER_BRIDGE_ENABLED: 'false' }, keepDatabase: true });
  const station = `st-${tag}`;
  const fixture = await createLabFixture(setup.strapi, [station]);
  const single = await queueExperiment(setup.strapi, fixture, station, 'bench single');
  const batched = await queueExperiment(setup.strapi, fixture, station, 'bench batched');
  const warmUp = await queueExperiment(setup.strapi, fixture, station, 'bench warm-up');
  await setup.strapi.db.query('api::lab.experiment').updateMany({ where: { id: { $in: [single, batched, warmUp] } }, data: { state: 'running' } });
  const db = setup.db;
  const databaseUrl = db.env.DATABASE_URL;
  await setup.stop();

  const pg = new Client({ connectionString: databaseUrl });
  await pg.connect();
  const count = async (experiment: number) => Number((await pg.query('select count(*)::int as n from lab_samples where experiment_id = $1', [experiment])).rows[0].n);
  // Progress is polled from the experiment's sample_count, which the bridge raises in the transaction
  // that stores the rows: a count(*) of a table growing to 200k rows every 20 ms kept one of the two
  // cores' database busy counting. `lost` still comes from count(*), once, at the end.
  // Each database phase starts with the previous one's background work done (vacuum of the rows just
  // loaded, dirty pages written), so it does not fall into the next phase's time.
  const settle = async () => {
    await pg.query('vacuum analyze lab_samples');
    await pg.query('checkpoint');
  };
  const committed = async (experiment: number) => Number((await pg.query('select coalesce(sample_count, 0)::int as n from lab_experiments where id = $1', [experiment])).rows[0].n);

  const results: Record<string, number> = {};
  const references = { broker: [] as number[], copy: [] as number[] };
  const rows = batchedMessages * 100;
  const lost: Record<string, number> = {};
  let bridgeProcess: Awaited<ReturnType<typeof startStrapiProcess>> | null = null;
  try {
    // 1. The broker alone.
    const brokerRate = async (round: number) => {
      const topic = `${prefix}/broker-only`;
      const sub = await connect(brokerUrl!, `${tag}-sub-${round}`);
      await sub.subscribeAsync(topic, { qos: 1 });
      const pub = await connect(brokerUrl!, `${tag}-pub-${round}`);
      const bodies = Array.from({ length: messages }, (_, i) => JSON.stringify({ experiment: single, seq: i, samples: [sample(i)] }));
      let received = 0;
      const done = new Promise<void>((resolve) => sub.on('message', () => { if (++received === messages) resolve(); }));
      const started = performance.now();
      await publishAll(pub, topic, bodies);
      await done;
      const rate = messages / ((performance.now() - started) / 1000);
      await sub.endAsync();
      await pub.endAsync();
      return rate;
    };

    // 4. COPY of the same rows, straight into lab_samples (another experiment id each time).
    const copyRate = async (copyExperiment: number) => {
      const lines: string[] = [];
      for (let i = 0; i < rows; i++) {
        const s = sample(i);
        lines.push(`${copyExperiment}\t${i}\t${new Date(s.recorded_at).toISOString()}\t${s.test_time_s}\t${s.voltage_v}\t${s.current_a}\t\\N\t${s.temperature_c}\t${s.charge_capacity_ah}\t\\N\t\\N\t\\N\t${s.cycle_index}\t${s.step_index}\t\\N\n`);
      }
      const started = performance.now();
      await pg.query('begin');
      const stream = pg.query(copyFrom('copy lab_samples (experiment_id, seq, recorded_at, test_time_s, voltage_v, current_a, power_w, temperature_c, charge_capacity_ah, discharge_capacity_ah, charge_energy_wh, discharge_energy_wh, cycle_index, step_index, extra) from stdin'));
      await new Promise<void>((resolve, reject) => {
        stream.on('finish', () => resolve());
        stream.on('error', reject);
        for (let i = 0; i < lines.length; i += 10_000) stream.write(lines.slice(i, i + 10_000).join(''));
        stream.end();
      });
      await pg.query('commit');
      return rows / ((performance.now() - started) / 1000);
    };

    // The references are measured before and after the bridge and the better of the two is used: on
    // a shared machine the load moves between phases, and the higher reference is the harder target.
    step('broker alone...');
    await brokerRate(0); // warm-up, not counted: the publisher's and subscriber's code paths compiled
    references.broker.push(await brokerRate(1));
    step('raw COPY...');
    await settle();
    references.copy.push(await copyRate(2_000_000_000));

    bridgeProcess = await startStrapiProcess({
      ...db.env,
      MQTT_URL: brokerUrl,
      MQTT_TOPIC_PREFIX: prefix,
      MQTT_CLIENT_ID: `${tag}-bridge`,
      MQTT_SHARED_GROUP: '',
      CYCLER_BRIDGE_ENABLED: 'true',
      LAB_MAX_BATCH_MESSAGES: String(BATCH_MESSAGES),
      LAB_MAX_PENDING_MESSAGES: String(Math.max(5000, INFLIGHT * 2)),
      LOG_LEVEL: 'warn',
    });
    await new Promise((r) => setTimeout(r, 1500)); // subscribed

    const throughBridge = async (name: string, experiment: number, bodies: string[], rows: number) => {
      const pub = await connect(brokerUrl!, `${tag}-pub-${name}`);
      const started = performance.now();
      await publishAll(pub, `${prefix}/stations/${station}/samples`, bodies);
      const deadline = Date.now() + 300_000;
      let stored = 0;
      while ((stored = await committed(experiment)) < rows && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      results[name] = stored / ((performance.now() - started) / 1000);
      await new Promise((r) => setTimeout(r, 500));
      lost[name] = rows - (await count(experiment));
      await pub.endAsync();
    };

    // Warm-up, not counted: a freshly started bridge runs its first thousands of messages through
    // code V8 has not optimised yet, which a cycler streaming for days never sees again.
    step('bridge warm-up...');
    await throughBridge('warm-up', warmUp, Array.from({ length: WARM_UP_MESSAGES }, (_, i) => JSON.stringify({ experiment: warmUp, seq: i, samples: [sample(i)] })), WARM_UP_MESSAGES);
    // 2. One sample per message.
    step('bridge, 1 sample per message...');
    await settle();
    await throughBridge('single', single, Array.from({ length: messages }, (_, i) => JSON.stringify({ experiment: single, seq: i, samples: [sample(i)] })), messages);
    // 3. 100 samples per message.
    step('bridge, 100 samples per message...');
    await settle();
    await throughBridge('batched', batched, Array.from({ length: batchedMessages }, (_, m) => JSON.stringify({ experiment: batched, seq: m * 100, samples: Array.from({ length: 100 }, (_, k) => sample(m * 100 + k)) })), rows);

    step('raw COPY and broker alone again...');
    await settle();
    references.copy.push(await copyRate(2_000_000_001));
    references.broker.push(await brokerRate(2));
    results.broker = Math.max(...references.broker);
    results.copy = Math.max(...references.copy);
  } finally {
    await bridgeProcess?.stop();
    await pg.end();
    await db.drop();
    await ownBroker?.stop();
  }

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)} %`;
  console.log(`\nlab ingest bench (PostgreSQL, broker: ${brokerName}, inflight window ${INFLIGHT}, batches of ${BATCH_MESSAGES} messages, ${messages} single-sample messages, ${batchedMessages} x 100-sample messages)`);
  const both = (values: number[]) => `(best of ${values.map(fmt).join(' before, ')} after the bridge)`;
  console.log(`  broker QoS 1, discarding subscriber   ${fmt(results.broker)} messages/s  ${both(references.broker)}`);
  console.log(`  bridge warm-up (not counted)          ${fmt(results['warm-up'])} samples/s  lost = ${lost['warm-up']}`);
  console.log(`  bridge, 1 sample per message          ${fmt(results.single)} samples/s  = ${pct(results.single, results.broker)} of the broker rate (target >= 60 %)  lost = ${lost.single}`);
  console.log(`  bridge, 100 samples per message       ${fmt(results.batched)} samples/s  = ${pct(results.batched, results.copy)} of COPY (target >= 45 %)  lost = ${lost.batched}`);
  console.log(`  raw COPY into lab_samples             ${fmt(results.copy)} rows/s  ${both(references.copy)}`);
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

