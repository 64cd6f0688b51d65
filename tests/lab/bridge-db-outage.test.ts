/**
 * A database outage (PostgreSQL refusing connections, existing ones killed) while samples keep
 * arriving: the bridge holds at most maxPendingMessages in memory, disconnects and lets the broker
 * keep the rest, reconnects when the database answers, and stores every sample once.
 */
import type { MqttClient } from 'mqtt';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { withAdminClient } from '../helpers/databases';
import {
  bridge, bridgeEnv, createLabFixture, embeddedUrl, postgresMissing, queueExperiment, rawClient, sampleCount, uniqueNames, waitFor,
} from './helpers';

const names = uniqueNames(__filename);
const MAX_PENDING = 100;

// Runs in the PostgreSQL pass only: not a missing service in the SQLite pass (so never a failure there).
const onPostgres = !postgresMissing();
if (!onPostgres) console.warn(`SKIPPED cycler bridge during a database outage: ${postgresMissing()}`);
(onPostgres ? describe : describe.skip)('cycler bridge during a database outage (PostgreSQL)', () => {
  let app: TestApp;
  let raw: MqttClient;
  let database: string;

  beforeAll(async () => {
    app = await startStrapi({ env: bridgeEnv(names, { LAB_MAX_PENDING_MESSAGES: String(MAX_PENDING), LAB_MAX_BATCH_MESSAGES: '20' }) });
    database = new URL(app.db.env.DATABASE_URL).pathname.slice(1);
    await bridge(app.strapi).ready();
    raw = await rawClient(embeddedUrl(app.strapi), `${names.simClientPrefix}-raw`);
  });
  afterAll(async () => {
    await withAdminClient((c) => c.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS true`)).catch(() => undefined);
    await raw?.endAsync();
    await app?.stop();
  });

  it('keeps memory bounded while the database is down and stores every sample once it is back', async () => {
    const station = names.station('db');
    const fixture = await createLabFixture(app.strapi, [station]);
    const experiment = await queueExperiment(app.strapi, fixture, station);
    await app.strapi.db.query('api::lab.experiment').update({ where: { id: experiment }, data: { state: 'running' } });
    const topic = `${names.topicPrefix}/stations/${station}/samples`;
    let seq = 0;
    const publish = async (count: number) => {
      for (let i = 0; i < count; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => {
          const s = seq++;
          return raw.publishAsync(topic, JSON.stringify({ experiment, seq: s, samples: [{ test_time_s: s, voltage_v: 3.7, current_a: 1 }] }), { qos: 1 });
        }));
      }
    };
    await publish(200);
    await waitFor('first 200 stored', async () => (await sampleCount(app.strapi, experiment)) === 200);

    // Outage: no new connections, existing ones killed.
    await withAdminClient(async (c) => {
      await c.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS false`);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    });
    let maxPending = 0;
    const watch = setInterval(() => {
      maxPending = Math.max(maxPending, bridge(app.strapi).stats().pending);
    }, 5);
    await publish(2000);
    await waitFor('bridge degraded', () => bridge(app.strapi).stats().degraded !== null, 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(bridge(app.strapi).stats().connected).toBe(false);

    await withAdminClient((c) => c.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS true`));
    await waitFor('every sample stored', async () => (await sampleCount(app.strapi, experiment)) === 2200, 60_000, 250).catch(async (error) => {
      throw new Error(`${error.message}; stored ${await sampleCount(app.strapi, experiment)}, bridge ${JSON.stringify(bridge(app.strapi).stats())}`);
    });
    clearInterval(watch);
    expect(maxPending).toBeLessThanOrEqual(MAX_PENDING + 1);
    expect(bridge(app.strapi).stats().degraded).toBeNull();
    await new Promise((r) => setTimeout(r, 500));
    expect(await sampleCount(app.strapi, experiment)).toBe(2200);
    expect((await app.strapi.db.query('api::lab.experiment').findOne({ where: { id: experiment } })).sample_count).toBe(2200);
  });
});
