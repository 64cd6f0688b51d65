/**
 * 5,000 fuzzed MQTT payloads (random bytes, random JSON, valid messages with one field broken, other
 * stations' experiments) interleaved with valid samples: the bridge never crashes, counts every
 * rejected message once, and stores exactly the valid samples (zero rows from rejected messages).
 */
import type { MqttClient } from 'mqtt';
import { startStrapi, type TestApp } from '../helpers/strapi';
import {
  bridge, bridgeEnv, createLabFixture, embeddedUrl, queueExperiment, rawClient, sampleCount, uniqueNames, waitFor,
} from './helpers';

const names = uniqueNames(__filename);
const STATION = names.station('fuzz');
const OTHER = names.station('other');
const FUZZED = 5000;
const VALID = 200;
const PER_VALID = 5;

/** Deterministic generator so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const validSample = (t: number) => ({ test_time_s: t, voltage_v: 3.7, current_a: 1.2, temperature_c: 25, recorded_at: Date.now() });

/** Every entry is invalid by construction (the comment says which rule it breaks). */
function fuzzedPayloads(random: () => number, experiment: number, otherExperiment: number): Array<{ kind: string; payload: Buffer | string }> {
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const garbage = () => Buffer.from(Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
  const base = () => ({ experiment, seq: 1_000_000 + Math.floor(random() * 1e6), samples: [validSample(1)] });
  const brokenSamples: Array<() => unknown> = [
    () => ({ ...base(), experiment: 'one' }), // experiment not an integer
    () => ({ ...base(), experiment: 0 }), // below minimum
    () => ({ ...base(), experiment: 2_000_000_000 }), // no such experiment
    () => ({ ...base(), experiment: otherExperiment }), // another station's experiment
    () => ({ ...base(), seq: -1 }),
    () => ({ ...base(), seq: 1.5 }),
    () => ({ ...base(), samples: [] }),
    () => ({ ...base(), samples: Array.from({ length: 1001 }, (_, i) => validSample(i)) }),
    () => ({ ...base(), samples: [{ ...validSample(1), voltage_v: '3.7' }] }),
    () => ({ ...base(), samples: [validSample(1), { ...validSample(2), current_a: null }] }), // second sample bad: whole message rejected
    () => ({ ...base(), samples: [{ ...validSample(1), recorded_at: 'yesterday-ish!' }] }), // not a date
    () => ({ ...base(), samples: [{ test_time_s: 1, voltage_v: 3.7 }] }), // current missing
    () => ({ ...base(), samples: [{ ...validSample(1), test_time_s: -5 }] }),
    () => ({ ...base(), samples: [{ ...validSample(1), voltage_v: 1e300 }] }),
    () => ({ ...base(), samples: [{ ...validSample(1), surprise: true }] }),
    () => ({ ...base(), extra: 1 }),
    () => ({ ...base(), samples: 'lots' }),
    () => { const b: any = base(); delete b.seq; return b; },
  ];
  const brokenStatus: Array<() => unknown> = [
    () => ({ experiment, kind: 'exploded' }),
    () => ({ experiment, kind: 'error' }), // error without alarm
    () => ({ experiment, kind: 'alarm', alarm: { code: 'lower-case' } }),
    () => ({ experiment: otherExperiment, kind: 'finished' }),
    () => ({ experiment, kind: 'running', step: -1 }),
    () => ({ kind: 'finished' }),
  ];
  const brokenHeartbeat: Array<() => unknown> = [
    () => ({ state: 'sleeping' }),
    () => ({ state: 'available', devices: [{ kind: 'toaster' }] }),
    () => ({ state: 'available', devices: 'many' }),
    () => ({}),
    () => ({ state: 'available', battery: 'full' }),
  ];
  const out: Array<{ kind: string; payload: Buffer | string }> = [];
  for (let i = 0; i < FUZZED; i++) {
    const roll = random();
    const kind = pick(['samples', 'samples', 'samples', 'status', 'heartbeat']);
    if (roll < 0.2) out.push({ kind, payload: garbage() });
    else if (roll < 0.3) out.push({ kind, payload: JSON.stringify(pick([null, 42, 'text', [], [1, 2], true, { deep: { er: [{}] } }])) });
    else if (roll < 0.35) out.push({ kind, payload: `{"experiment": ${experiment}, "seq": 1, "samples": [` }); // truncated JSON
    else {
      const list = kind === 'samples' ? brokenSamples : kind === 'status' ? brokenStatus : brokenHeartbeat;
      out.push({ kind, payload: JSON.stringify(pick(list)()) });
    }
  }
  return out;
}

describe('cycler bridge fuzzing', () => {
  let app: TestApp;
  let client: MqttClient;
  let experiment: number;
  let otherExperiment: number;

  beforeAll(async () => {
    app = await startStrapi({ env: bridgeEnv(names, { LAB_MAX_PENDING_MESSAGES: '100000' }) });
    await bridge(app.strapi).ready();
    const fixture = await createLabFixture(app.strapi, [STATION, OTHER]);
    experiment = await queueExperiment(app.strapi, fixture, STATION);
    otherExperiment = await queueExperiment(app.strapi, fixture, OTHER);
    await app.strapi.db.query('api::lab.experiment').updateMany({ where: { id: { $in: [experiment, otherExperiment] } }, data: { state: 'running' } });
    client = await rawClient(embeddedUrl(app.strapi), `${names.simClientPrefix}-fuzz`);
  });
  afterAll(async () => {
    await client?.endAsync();
    await app?.stop();
  });

  it(`survives ${FUZZED} fuzzed payloads, counts each once and stores only the valid samples`, async () => {
    const random = rng(20261201);
    const fuzzed = fuzzedPayloads(random, experiment, otherExperiment);
    const valid = Array.from({ length: VALID }, (_, i) => ({
      kind: 'samples',
      payload: JSON.stringify({ experiment, seq: i * PER_VALID, samples: Array.from({ length: PER_VALID }, (_, k) => validSample(i * PER_VALID + k)) }),
    }));
    // Valid messages spread evenly through the fuzz.
    const all = [...fuzzed];
    valid.forEach((m, i) => all.splice(Math.floor(((i + 1) * all.length) / (VALID + 1)), 0, m));
    const before = bridge(app.strapi).stats();

    for (let i = 0; i < all.length; i += 100) {
      await Promise.all(all.slice(i, i + 100).map((m) => client.publishAsync(`${names.topicPrefix}/stations/${STATION}/${m.kind}`, m.payload as any, { qos: 1 })));
    }
    await waitFor('every message handled', () => bridge(app.strapi).stats().received - before.received >= all.length, 60_000);
    await bridge(app.strapi).idle();

    const after = bridge(app.strapi).stats();
    expect(after.malformed - before.malformed).toBe(FUZZED);
    expect(after.connected).toBe(true);
    expect(after.degraded).toBeNull();
    expect(await sampleCount(app.strapi, experiment)).toBe(VALID * PER_VALID);
    expect(await sampleCount(app.strapi, otherExperiment)).toBe(0);
    // Nothing else moved: no alarms, states unchanged, the station not registered by a broken heartbeat.
    expect(await app.strapi.db.query('api::lab.alarm').count({})).toBe(0);
    expect((await app.strapi.db.query('api::lab.experiment').findOne({ where: { id: experiment } })).state).toBe('running');
    const station = await waitFor('counter persisted', async () => {
      const s = await app.strapi.db.query('api::lab.cycler-station').findOne({ where: { name: STATION } });
      return s.malformed_messages === FUZZED ? s : null;
    }, 10_000);
    expect(station.state).toBe('offline');
    // Still serving: a valid message after the storm is stored.
    await client.publishAsync(`${names.topicPrefix}/stations/${STATION}/samples`, JSON.stringify({ experiment, seq: 99_999, samples: [validSample(9)] }), { qos: 1 });
    await waitFor('late sample', async () => (await sampleCount(app.strapi, experiment)) === VALID * PER_VALID + 1);
  });
});
