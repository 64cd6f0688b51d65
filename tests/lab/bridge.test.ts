/**
 * The cycler bridge on its embedded aedes broker (random port): a simulated cycler runs an experiment
 * end to end, duplicates and out-of-order messages are stored once, dispatch takes the oldest queued
 * experiment, stations time out, errors raise alarms, deprecation fails queued experiments.
 */
import type { MqttClient } from 'mqtt';
import { CyclerSimulator } from '../../scripts/cycler-simulator';
import { startStrapi, type TestApp } from '../helpers/strapi';
import {
  bridge, bridgeEnv, createLabFixture, embeddedUrl, experimentRow, queueExperiment, rawClient, sampleCount,
  uniqueNames, waitFor, type LabFixture,
} from './helpers';

const names = uniqueNames(__filename);
const S1 = names.station(1);
const S2 = names.station(2);
const S3 = names.station(3);

describe('cycler bridge (embedded broker)', () => {
  let app: TestApp;
  let fixture: LabFixture;
  let sim: CyclerSimulator;
  let raw: MqttClient;

  beforeAll(async () => {
    app = await startStrapi({ env: bridgeEnv(names, { LAB_STATION_TIMEOUT_MS: '1500' }) });
    await bridge(app.strapi).ready();
    fixture = await createLabFixture(app.strapi, [S1, S2, S3]);
    raw = await rawClient(embeddedUrl(app.strapi), `${names.simClientPrefix}-raw`);
  });
  afterAll(async () => {
    await sim?.stop();
    await raw?.endAsync();
    await app?.stop();
  });

  it('runs a queued experiment on a simulated cycler to the end with every sample stored once', async () => {
    const id = await queueExperiment(app.strapi, fixture, S1);
    sim = new CyclerSimulator({
      url: embeddedUrl(app.strapi), topicPrefix: names.topicPrefix, stations: [S1, S2], clientIdPrefix: names.simClientPrefix,
      hz: 50, speedup: 50, heartbeatMs: 300, duplicateRate: 0.2, reorderRate: 0.2,
    });
    await sim.start();
    const run = await sim.station(S1).nextRunEnd();
    expect(run).toMatchObject({ experiment: id, outcome: 'finished' });
    const finished = await waitFor('experiment finished', async () => {
      const e = await experimentRow(app.strapi, id);
      return e.state === 'finished' ? e : null;
    });
    expect(run.sent).toBeGreaterThan(30);
    expect(await sampleCount(app.strapi, id)).toBe(run.sent);
    expect(finished.sample_count).toBe(run.sent);
    expect(finished.started_at).toBeTruthy();
    expect(finished.finished_at).toBeTruthy();
    // The cycle summary is computed when the experiment finishes: its cycles hold every sample.
    const summary = await waitFor('cycle summary', async () => (await experimentRow(app.strapi, id)).cycle_summary);
    const parsed = typeof summary === 'string' ? JSON.parse(summary) : summary;
    expect(parsed.cycles.length).toBeGreaterThan(0);
    expect(parsed.cycles.reduce((n: number, c: { samples: number }) => n + c.samples, 0)).toBe(run.sent);
    // Sequence numbers 0..sent-1, each once.
    const seqs = (await app.strapi.db.connection('lab_samples').where({ experiment_id: id }).select('seq').orderBy('seq')).map((r: any) => Number(r.seq));
    expect(seqs).toEqual(Array.from({ length: run.sent }, (_, i) => i));
    const station = await app.strapi.db.query('api::lab.cycler-station').findOne({ where: { name: S1 }, populate: ['devices'] });
    expect(station.last_heartbeat_at).toBeTruthy();
    expect(station.devices.map((d: any) => d.kind)).toEqual(['bisource', 'meter']);
  });

  it('stores a message published twice and messages out of order exactly once', async () => {
    const id = await queueExperiment(app.strapi, fixture, S3);
    // S3 is not simulated: start it by hand, then publish as that station.
    await app.strapi.db.query('api::lab.experiment').update({ where: { id }, data: { state: 'running' } });
    const topic = `${names.topicPrefix}/stations/${S3}/samples`;
    const message = (seq: number, n: number) => JSON.stringify({
      experiment: id, seq, samples: Array.from({ length: n }, (_, k) => ({ test_time_s: seq + k, voltage_v: 3.7, current_a: 1, recorded_at: Date.now() })),
    });
    for (const [seq, n] of [[10, 5], [0, 10], [10, 5], [15, 1], [0, 3], [5, 2]]) await raw.publishAsync(topic, message(seq, n), { qos: 1 });
    await waitFor('16 rows', async () => (await sampleCount(app.strapi, id)) === 16);
    await new Promise((r) => setTimeout(r, 500));
    await bridge(app.strapi).idle();
    expect(await sampleCount(app.strapi, id)).toBe(16);
    expect((await experimentRow(app.strapi, id)).sample_count).toBe(16);
  });

  it('dispatches the oldest queued experiment of a station first, one at a time', async () => {
    const base = Date.now() - 60_000;
    // One transaction: the dispatcher sees both or neither (else it could start 'later' alone).
    const [later, oldest] = await app.strapi.db.transaction(async () => [
      await queueExperiment(app.strapi, fixture, S2, 'later', new Date(base + 2000)),
      await queueExperiment(app.strapi, fixture, S2, 'oldest', new Date(base)),
    ]);
    const first = await sim.station(S2).nextRunEnd();
    expect(first.experiment).toBe(oldest);
    const second = await sim.station(S2).nextRunEnd();
    expect(second.experiment).toBe(later);
    await waitFor('both finished', async () => (await experimentRow(app.strapi, later)).state === 'finished');
    const a = await experimentRow(app.strapi, oldest);
    const b = await experimentRow(app.strapi, later);
    expect(new Date(a.finished_at).getTime()).toBeLessThanOrEqual(new Date(b.started_at).getTime());
    expect(await sampleCount(app.strapi, oldest)).toBe(first.sent);
    expect(await sampleCount(app.strapi, later)).toBe(second.sent);
  });

  it('marks a station offline when its heartbeats stop for the timeout (1.5 s here)', async () => {
    await waitFor('S1 available', async () => (await app.strapi.db.query('api::lab.cycler-station').findOne({ where: { name: S1 } })).state === 'available');
    sim.station(S1).silence();
    const started = Date.now();
    await waitFor('S1 offline', async () => (await app.strapi.db.query('api::lab.cycler-station').findOne({ where: { name: S1 } })).state === 'offline', 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // S2 keeps beating and stays online.
    expect((await app.strapi.db.query('api::lab.cycler-station').findOne({ where: { name: S2 } })).state).not.toBe('offline');
  });

  it('turns a cycler error into an experiment error with an alarm', async () => {
    const id = await queueExperiment(app.strapi, fixture, S3);
    await app.strapi.db.query('api::lab.experiment').update({ where: { id }, data: { state: 'running' } });
    const status = { experiment: id, kind: 'error', alarm: { code: 'OVERVOLTAGE', message: '4.31 V above 4.2 V' } };
    await raw.publishAsync(`${names.topicPrefix}/stations/${S3}/status`, JSON.stringify(status), { qos: 1 });
    await raw.publishAsync(`${names.topicPrefix}/stations/${S3}/status`, JSON.stringify(status), { qos: 1 }); // redelivered
    const e = await waitFor('error state', async () => {
      const row = await experimentRow(app.strapi, id);
      return row.state === 'error' ? row : null;
    });
    expect(e.state_reason).toBe('OVERVOLTAGE: 4.31 V above 4.2 V');
    await bridge(app.strapi).idle();
    const alarms = await app.strapi.db.query('api::lab.alarm').findMany({ where: { experiment: { id } } });
    expect(alarms.map((a: any) => a.code)).toEqual(['OVERVOLTAGE']);
  });

  it('stores a redelivered alarm once, and the same alarm raised again at another time', async () => {
    const id = await queueExperiment(app.strapi, fixture, S3);
    await app.strapi.db.query('api::lab.experiment').update({ where: { id }, data: { state: 'running' } });
    const topic = `${names.topicPrefix}/stations/${S3}/status`;
    const send = (alarm: { code: string; message?: string; raised_at?: number | string }) =>
      raw.publishAsync(topic, JSON.stringify({ experiment: id, kind: 'alarm', alarm }), { qos: 1 });
    const hot = { code: 'OVERTEMPERATURE', message: '45.2 °C above 45 °C' };
    await send({ ...hot, raised_at: 1_764_000_000_000 });
    await send({ ...hot, raised_at: 1_764_000_000_000 }); // redelivered (QoS 1, crash before the PUBACK)
    await send({ ...hot, raised_at: '2025-11-24T16:01:00.000Z' }); // raised again a minute later
    await send({ ...hot, raised_at: '2025-11-24T16:01:00.000Z' }); // redelivered
    await send({ code: 'CONTACTOR' }); // no station time: an identical one is a redelivery
    await send({ code: 'CONTACTOR' });
    // Messages of one station are handled in order: once the last alarm is stored, all before it are.
    await send({ code: 'LAST', message: 'sentinel' });
    await waitFor('sentinel alarm', () => app.strapi.db.query('api::lab.alarm').findOne({ where: { experiment: { id }, code: 'LAST' } }));
    const alarms = await app.strapi.db.query('api::lab.alarm').findMany({ where: { experiment: { id } }, orderBy: { id: 'asc' } });
    expect(alarms.map((a: any) => [a.code, a.message])).toEqual([
      ['OVERTEMPERATURE', hot.message], ['OVERTEMPERATURE', hot.message], ['CONTACTOR', null], ['LAST', 'sentinel'],
    ]);
    // The station's alarm time is the one stored.
    expect(alarms.slice(0, 2).map((a: any) => new Date(a.raised_at).toISOString())).toEqual(['2025-11-24T16:00:00.000Z', '2025-11-24T16:01:00.000Z']);
    expect(bridge(app.strapi).stats().connected).toBe(true);
  });

  it('moves the queued experiments of a deprecated station to error with the reason', async () => {
    const station: any = await app.strapi.db.query('api::lab.cycler-station').findOne({ where: { name: S3 } });
    const id = await queueExperiment(app.strapi, fixture, S3);
    await app.strapi.documents('api::lab.cycler-station').update({ documentId: station.documentId, data: { state: 'deprecated' } as any });
    const e = await experimentRow(app.strapi, id);
    expect(e.state).toBe('error');
    expect(e.state_reason).toContain('deprecated');
    const alarms = await app.strapi.db.query('api::lab.alarm').findMany({ where: { experiment: { id } } });
    expect(alarms.map((a: any) => a.code)).toEqual(['STATION_DEPRECATED']);
  });

  it('counts malformed messages per station and reports them on the station', async () => {
    const before = bridge(app.strapi).stats().malformed;
    await raw.publishAsync(`${names.topicPrefix}/stations/${S2}/samples`, 'not json', { qos: 1 });
    await raw.publishAsync(`${names.topicPrefix}/stations/${S2}/status`, JSON.stringify({ experiment: 1, kind: 'exploded' }), { qos: 1 });
    await waitFor('two malformed', () => bridge(app.strapi).stats().malformed - before === 2);
    const station = await waitFor('persisted counter', async () => {
      const s = await app.strapi.db.query('api::lab.cycler-station').findOne({ where: { name: S2 } });
      return s.malformed_messages >= 2 ? s : null;
    });
    expect(station.last_malformed_reason).toMatch(/status: \/kind must be equal to one of the allowed values/);
    expect(station.last_malformed_at).toBeTruthy();
    expect(bridge(app.strapi).stats().connected).toBe(true);
  });

  describe('samples of an ending experiment written by another instance', () => {
    const station = names.station('late');
    let id: number;
    const rows = (from: number, n: number) => Array.from({ length: n }, (_, k) => ({
      experiment_id: id, seq: from + k, recorded_at: new Date(Date.UTC(2026, 0, 1) + (from + k) * 1000),
      test_time_s: from + k, voltage_v: 3.7, current_a: 1, cycle_index: 1,
    }));
    const plugin = () => app.strapi.plugin('cycler-bridge');
    const summaryTotal = async () => {
      const raw = (await experimentRow(app.strapi, id)).cycle_summary;
      const summary = typeof raw === 'string' ? JSON.parse(raw) : raw;
      return summary.cycles.reduce((n: number, c: { samples: number }) => n + c.samples, 0);
    };

    beforeAll(async () => {
      const late = await createLabFixture(app.strapi, [station]);
      id = await queueExperiment(app.strapi, late, station);
      await app.strapi.db.query('api::lab.experiment').update({ where: { id }, data: { state: 'running' } });
      plugin().service('sampleWriter').enqueue({ experimentId: id, rows: rows(0, 10), ack: () => undefined });
      await plugin().service('sampleWriter').drain();
    });

    // One connection on SQLite: one instance, no batch can be committing elsewhere.
    (process.env.TEST_DATABASE_URL ? it : it.skip)('PostgreSQL: a batch committing while the end is handled is in the count and the summary', async () => {
      const knex = app.strapi.db.connection;
      // What another instance's sample writer does in its batch's transaction, held open here.
      const batch = await knex.transaction();
      await (app.strapi.service('api::lab.lab-samples') as any).insertSamples(rows(10, 5), batch);
      await batch('lab_experiments').where({ id }).increment('sample_count', 5);
      const stations = plugin().service('stations');
      const ending = stations.status(await stations.station(station), { experiment: id, kind: 'finished' });
      await new Promise((r) => setTimeout(r, 300));
      await batch.commit();
      await ending;
      const row = await experimentRow(app.strapi, id);
      expect(row.state).toBe('finished');
      expect(row.sample_count).toBe(15);
      expect(await summaryTotal()).toBe(15);
    });

    it('a batch committed after the end is counted and summarised again', async () => {
      const stations = plugin().service('stations');
      await stations.status(await stations.station(station), { experiment: id, kind: 'finished' });
      const before = (await experimentRow(app.strapi, id)).sample_count;
      expect(await summaryTotal()).toBe(before);
      plugin().service('sampleWriter').enqueue({ experimentId: id, rows: rows(before, 5), ack: () => undefined });
      await plugin().service('sampleWriter').drain();
      expect(await sampleCount(app.strapi, id)).toBe(before + 5);
      expect((await experimentRow(app.strapi, id)).sample_count).toBe(before + 5);
      expect(await summaryTotal()).toBe(before + 5);
    });
  });
});
