/**
 * Lap control through the crew's admin routes on the real Strapi and database: advance / reverse
 * sequences, concurrent presses, queue versions, registration, live events and admin lap edits.
 */
import type { Socket } from 'socket.io-client';
import { adminToken, startStrapi, type TestApp } from '../helpers/strapi';
import { collect, connect, subscribe, waitFor } from '../helpers/sockets';
import { createRaceFixture, crew, docs, queueUp, type Crew, type RaceFixture } from './helpers';

describe('lap-control: queue, advance and reverse', () => {
  let app: TestApp;
  let c: Crew;
  let race: RaceFixture;
  const sockets: Socket[] = [];
  const ids = () => race.runners.map((r) => r.identification);
  const lapCount = async () => app.strapi.db.query('api::race.lap').count({});
  const queueNames = (state: any) => state.queue.map((q: any) => q.runner.name);

  beforeAll(async () => {
    app = await startStrapi();
    race = await createRaceFixture(app.strapi, { count: 6 });
    c = crew(app, await adminToken(app, ['Race crew']));
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await app?.stop();
  });

  it('refuses to advance with an empty queue and no running lap', async () => {
    const res = await c.advance(null);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/queue is empty/);
  });

  it('runs advance / reverse sequences, reverse after reverse, and reverse with an empty queue', async () => {
    const [a, b, cc, d] = race.runners;
    await queueUp(c, [a, b, cc, d].map((r) => r.identification));
    const startVersion = (await c.state()).body.queueVersion;

    // First press: nothing closes, A starts.
    let res = await c.advance(null);
    expect(res.status).toBe(200);
    expect(res.body.closed).toBeNull();
    expect(res.body.started.runner.name).toBe(a.name);
    expect(res.body.state.queueVersion).toBe(startVersion + 1);
    expect(queueNames(res.body.state)).toEqual([b.name, cc.name, d.name]);
    const lapA = res.body.started;

    // A delayed press: A's lap closes at `at` and B starts at that same instant.
    const at = new Date(Date.parse(lapA.startedAt) + 1500).toISOString();
    await new Promise((r) => setTimeout(r, 1600));
    res = await c.advance(lapA.lapId, at);
    expect(res.status).toBe(200);
    expect(res.body.closed).toMatchObject({ lapId: lapA.lapId, durationMs: 1500, startedAt: lapA.startedAt });
    expect(res.body.started.startedAt).toBe(at);
    expect(res.body.started.runner.name).toBe(b.name);
    const lapB = res.body.started;
    expect(res.body.state.lastLaps[0].lapId).toBe(lapA.lapId);

    // Reverse: B's lap is gone, B heads the queue again, A's lap runs again as before.
    res = await c.reverse(lapB.lapId);
    expect(res.status).toBe(200);
    expect(res.body.reopened).toEqual({ lapId: lapA.lapId, runner: expect.objectContaining({ name: a.name }), startedAt: lapA.startedAt });
    expect(res.body.state.current.lapId).toBe(lapA.lapId);
    expect(queueNames(res.body.state)).toEqual([b.name, cc.name, d.name]);
    expect(res.body.state.lastLaps).toEqual([]);
    expect(await app.strapi.db.query('api::race.lap').findOne({ where: { id: lapB.lapId } })).toBeNull();
    const reopened = await app.strapi.db.query('api::race.lap').findOne({ where: { id: lapA.lapId } });
    expect(reopened.duration_ms).toBeNull();

    // Reverse after reverse: A's lap is deleted and A goes back to the head; nothing was running before A.
    res = await c.reverse(lapA.lapId);
    expect(res.status).toBe(200);
    expect(res.body.reopened).toBeNull();
    expect(res.body.state.current).toBeNull();
    expect(queueNames(res.body.state)).toEqual([a.name, b.name, cc.name, d.name]);
    expect(await lapCount()).toBe(0);

    // A full round: A, B, C, D run; D's lap closes with nobody left to start.
    let running: number | null = null;
    for (const runner of [a, b, cc, d]) {
      res = await c.advance(running);
      expect([res.status, res.body.started?.runner.name]).toEqual([200, runner.name]);
      running = res.body.started.lapId;
    }
    const lapD = running!;
    res = await c.advance(lapD);
    expect(res.status).toBe(200);
    expect(res.body.closed.lapId).toBe(lapD);
    expect(res.body.started).toBeNull();
    expect(res.body.state.current).toBeNull();
    expect(res.body.state.queue).toEqual([]);

    // Reverse with an empty queue and no running lap: the advance that closed D is undone.
    res = await c.reverse(null);
    expect(res.status).toBe(200);
    expect(res.body.reopened.lapId).toBe(lapD);
    expect(res.body.state.current.lapId).toBe(lapD);

    // Reverse of D with an empty queue: D goes back into the (empty) queue, C's lap runs again.
    const lapC = res.body.state.lastLaps[0].lapId;
    res = await c.reverse(lapD);
    expect(res.status).toBe(200);
    expect(res.body.reopened.lapId).toBe(lapC);
    expect(queueNames(res.body.state)).toEqual([d.name]);
    expect(res.body.state.current.runner.name).toBe(cc.name);
    expect(await lapCount()).toBe(3);
  });

  it('answers 409 with the current state when the lap shown is not the running one', async () => {
    const state = (await c.state()).body;
    const res = await c.advance(state.current.lapId + 1000);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatch(/running/);
    expect(res.body.state.current.lapId).toBe(state.current.lapId);
    const rev = await c.reverse(null);
    expect(rev.status).toBe(409);
    expect(rev.body.state.current.lapId).toBe(state.current.lapId);
  });

  it('validates advance input, naming the field', async () => {
    const state = (await c.state()).body;
    expect((await c.advance('x' as any)).body.field).toBe('expectedLapId');
    const before = await c.advance(state.current.lapId, '2000-01-01T00:00:00.000Z');
    expect([before.status, before.body.field]).toEqual([400, 'at']);
    const future = await c.advance(state.current.lapId, new Date(Date.now() + 3600e3).toISOString());
    expect([future.status, future.body.field]).toEqual([400, 'at']);
    const missing = await c.post('/lap-control/advance', {});
    expect([missing.status, missing.body.field]).toEqual([400, 'expectedLapId']);
  });

  it('makes exactly one change for 20 concurrent advances with the same expected lap', async () => {
    await queueUp(c, ids().slice(4));
    const before = (await c.state()).body;
    const lapsBefore = await lapCount();
    const results = await Promise.all(Array.from({ length: 20 }, () => c.advance(before.current.lapId)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    expect(await lapCount()).toBe(lapsBefore + 1);
    const after = (await c.state()).body;
    expect(after.queueVersion).toBe(before.queueVersion + 1);
    expect(after.current.lapId).toBe(results.find((r) => r.status === 200)!.body.started.lapId);
    expect(await app.strapi.db.query('api::race.lap').count({ where: { duration_ms: { $null: true } } })).toBe(1);

    // The lap advance wrote in plain SQL is a full document: the Content Manager can open and edit it.
    const row = await app.strapi.db.query('api::race.lap').findOne({ where: { id: after.current.lapId } });
    expect(row.documentId).toMatch(/^[a-z0-9]{24}$/);
    const doc: any = await app.strapi.documents('api::race.lap').findOne({ documentId: row.documentId, populate: ['runner', 'ticket'] as any });
    expect(doc.runner.id).toBe(after.current.runner.id);
    expect(doc.ticket.ran).toBe(true);
  });

  it('makes exactly one change for concurrent reverses, and for concurrent queue edits on one version', async () => {
    const state = (await c.state()).body;
    const reverses = await Promise.all(Array.from({ length: 10 }, () => c.reverse(state.current.lapId)));
    expect(reverses.filter((r) => r.status === 200)).toHaveLength(1);
    expect(reverses.filter((r) => r.status === 409)).toHaveLength(9);

    const now = (await c.state()).body;
    expect(now.queue.length).toBeGreaterThanOrEqual(2);
    const moves = await Promise.all(Array.from({ length: 10 }, (_, i) => c.move(now.queue[i % 2].ticketId, 1, now.queueVersion)));
    expect(moves.filter((r) => r.status === 200)).toHaveLength(1);
    expect(moves.filter((r) => r.status === 409)).toHaveLength(9);
    expect((await c.state()).body.queueVersion).toBe(now.queueVersion + 1);
  });

  it('refuses a stale queue version with 409 and the current queue', async () => {
    const state = (await c.state()).body;
    const stale = state.queueVersion - 1;
    for (const res of [await c.move(state.queue[0].ticketId, 1, stale), await c.remove(state.queue[0].ticketId, stale), await c.join(ids()[0], stale)]) {
      expect(res.status).toBe(409);
      expect(res.body.queueVersion).toBe(state.queueVersion);
      expect(res.body.queue.map((q: any) => q.ticketId)).toEqual(state.queue.map((q: any) => q.ticketId));
    }
    expect((await c.state()).body.queueVersion).toBe(state.queueVersion);
  });

  it('moves and soft-deletes tickets', async () => {
    let state = (await c.state()).body;
    const order = state.queue.map((q: any) => q.ticketId);
    let res = await c.move(order[0], order.length - 1, state.queueVersion);
    expect(res.status).toBe(200);
    expect(res.body.queue.map((q: any) => q.ticketId)).toEqual([...order.slice(1), order[0]]);
    expect(res.body.queue.map((q: any) => q.position)).toEqual(order.map((_: unknown, i: number) => i));
    expect(res.body.queueVersion).toBe(state.queueVersion + 1);
    expect((await c.move(order[0], order.length, res.body.queueVersion)).body.field).toBe('toPosition');

    state = (await c.state()).body;
    res = await c.remove(order[0], state.queueVersion);
    expect(res.status).toBe(200);
    expect(res.body.queue.map((q: any) => q.ticketId)).not.toContain(order[0]);
    const row = await app.strapi.db.query('api::race.queue-ticket').findOne({ where: { id: order[0] } });
    expect(row.removed).toBe(true);
    expect((await c.remove(order[0], res.body.queueVersion)).status).toBe(404);
  });

  it('joins by identification: unknown opens registration, bad input names the field', async () => {
    let state = (await c.state()).body;
    const unknown = await c.join('R0999999', state.queueVersion);
    expect(unknown.status).toBe(404);
    expect(unknown.body.needsRegistration).toBe(true);
    expect((await c.join('not-a-student', state.queueVersion)).body.field).toBe('identification');

    const form = {
      identification: ' R0999999 ',
      firstName: 'Nele',
      lastName: 'Nieuw',
      university: race.universities[0].id,
      team: race.teams[1].id,
      firstYear: true,
      expectedVersion: state.queueVersion,
    };
    for (const [field, value] of [['firstName', ''], ['university', 999999], ['team', 'x'], ['firstYear', 'yes']] as const) {
      const bad = await c.register({ ...form, [field]: value });
      expect([field, bad.status, bad.body.field]).toEqual([field, 400, field]);
    }
    const res = await c.register(form);
    expect(res.status).toBe(201);
    expect(res.body.ticket.runner).toMatchObject({ name: 'Nele Nieuw', team: race.teams[1].name, identification: 'r0999999', lapsRun: 0 });
    expect(res.body.queueVersion).toBe(state.queueVersion + 1);
    state = (await c.state()).body;
    expect(state.queue[state.queue.length - 1].ticketId).toBe(res.body.ticket.ticketId);
    expect((await c.register({ ...form, expectedVersion: state.queueVersion })).body.field).toBe('identification');
    expect((await c.join('r0999999', state.queueVersion)).body.field).toBe('identification'); // already waiting
  });

  it('publishes lap, queue and score events on race:public without personal data', async () => {
    const client = await connect(app.url);
    sockets.push(client);
    expect((await subscribe(client, ['race:public'])).joined).toEqual(['race:public']);
    const laps = collect(client, 'lap:update');
    const scores = collect(client, 'score:update');
    const inserts = collect(client, 'queue:insert');
    const state = (await c.state()).body;
    const res = await c.advance(state.current.lapId);
    expect(res.status).toBe(200);
    await waitFor(() => laps.length >= 2 && scores.length >= 1, 5000, 'lap and score events');
    expect(laps.map((e) => e.payload.lapId)).toEqual([res.body.closed.lapId, res.body.started.lapId]);
    expect(laps[1].payload.queueVersion).toBe(res.body.state.queueVersion);
    expect(Object.keys(laps[1].payload.lap.runner).sort()).toEqual(['id', 'name', 'team']);
    expect(scores[0].payload.teams.map((t: any) => t.name).sort()).toEqual(race.teams.map((t) => t.name).sort());

    await c.join(race.runners[0].identification, res.body.state.queueVersion).then((r) => expect([r.status, r.body.error]).toEqual([201, undefined]));
    await waitFor(() => inserts.length >= 1, 5000, 'queue:insert');
    const json = JSON.stringify([laps, scores, inserts]);
    for (const runner of race.runners) {
      expect(json).not.toContain(runner.identification);
      expect(json).not.toContain('@example.test');
    }
    expect(json).not.toMatch(/testTime|identification|email/);
  });

  it('recomputes runner points and team scores after an admin edit of a lap, and shares ranks on equal scores', async () => {
    await docs(app.strapi, 'api::race.criterion').create({ data: { max_lap_seconds: 60, points: 10 } });
    await docs(app.strapi, 'api::race.criterion').create({ data: { max_lap_seconds: 90, points: 4 } });
    const [a, b] = race.runners; // a in team Alpha, b in team Bravo
    const lap = async (runner: typeof a, startedAt: string, durationMs: number) =>
      docs(app.strapi, 'api::race.lap').create({ data: { runner: runner.documentId, started_at: startedAt, duration_ms: durationMs } });
    // Reset: every finished lap so far is short (seconds), so earns 10 points; start from known laps instead.
    for (const l of await app.strapi.db.query('api::race.lap').findMany({ where: { duration_ms: { $notNull: true } } })) {
      await docs(app.strapi, 'api::race.lap').delete({ documentId: l.documentId });
    }
    const scores = collect(await (async () => {
      const s = await connect(app.url);
      sockets.push(s);
      await subscribe(s, ['race:public']);
      return s;
    })(), 'score:update');

    const first = await lap(a, '2024-01-01T10:00:00.000Z', 59000);
    await lap(b, '2024-01-01T10:01:00.000Z', 80000);
    const points = async (id: number) => (await app.strapi.db.query('api::race.runner').findOne({ where: { id } })).points;
    const teamScore = async (name: string) => (await app.strapi.db.query('api::race.team').findOne({ where: { name } })).score;
    expect([await points(a.id), await points(b.id)]).toEqual([10, 4]);
    expect([await teamScore('Alpha'), await teamScore('Bravo')]).toEqual([10, 4]);

    // Slower: 10 -> 4 points; the teams now tie and share the first rank.
    await docs(app.strapi, 'api::race.lap').update({ documentId: first.documentId, data: { duration_ms: 75000 } });
    expect((await app.strapi.db.query('api::race.lap').findOne({ where: { id: first.id } })).points).toBe(4);
    expect([await points(a.id), await teamScore('Alpha'), await teamScore('Bravo')]).toEqual([4, 4, 4]);
    await waitFor(() => scores.some((e) => e.payload.teams.every((t: any) => t.score === 4)), 5000, 'score:update with the tie');
    const tie = scores[scores.length - 1].payload.teams;
    expect(tie.map((t: any) => t.rank)).toEqual([1, 1]);

    // Another runner: the lap's points move from a (Alpha) to b (Bravo).
    await docs(app.strapi, 'api::race.lap').update({ documentId: first.documentId, data: { runner: b.documentId } });
    expect([await points(a.id), await points(b.id), await teamScore('Alpha'), await teamScore('Bravo')]).toEqual([0, 8, 0, 8]);

    await docs(app.strapi, 'api::race.lap').delete({ documentId: first.documentId });
    expect([await points(b.id), await teamScore('Bravo')]).toEqual([4, 4]);
  });
});
