import type { Socket } from 'socket.io-client';
import { adminToken, createApiToken, endUserToken, startStrapi, type TestApp } from '../helpers/strapi';
import { collect, connect, subscribe, waitFor } from '../helpers/sockets';

describe('realtime plugin: topics and who may join them', () => {
  let app: TestApp;
  const sockets: Socket[] = [];
  const open = async (token?: string) => {
    const s = await connect(app.url, token);
    sockets.push(s);
    return s;
  };
  const realtime = () => app.strapi.plugin('realtime').service('realtime');

  beforeAll(async () => {
    app = await startStrapi();
    realtime().registerTopic('test:private', { userRoles: ['competition'], apiTokenTypes: ['full-access'] });
    realtime().registerTopic('test:station:*', { adminPermissions: [{ action: 'plugin::content-manager.explorer.read', subject: 'api::lab.experiment' }] });
  });

  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await app?.stop();
  });

  it('lists the public topics without authentication', async () => {
    const res = await app.http().get('/api/realtime/topics');
    expect(res.status).toBe(200);
    expect(res.body.data).toContain('platform:status');
    expect(res.body.data).not.toContain('test:private');
  });

  it('gives an anonymous client public events and refuses it a private topic', async () => {
    const client = await open();
    const got = collect(client, 'notice');
    const ack = await subscribe(client, ['platform:status', 'test:private', 'no:such:topic']);
    expect(ack.joined).toEqual(['platform:status']);
    expect(ack.refused).toEqual([
      { topic: 'test:private', reason: 'authentication required' },
      { topic: 'no:such:topic', reason: 'unknown topic' },
    ]);

    realtime().publish('test:private', 'notice', { secret: true });
    realtime().publish('platform:status', 'notice', { text: 'hello' });
    await waitFor(() => got.length >= 1, 5000, 'the public event');
    await new Promise((r) => setTimeout(r, 200)); // give a wrongly routed private event time to arrive
    expect(got).toEqual([{ payload: { text: 'hello' }, topic: 'platform:status' }]);
  });

  it('gives a Super Admin both public and private events', async () => {
    const token = await adminToken(app, ['Super Admin']);
    const client = await open(token);
    const got = collect(client, 'notice');
    const ack = await subscribe(client, ['platform:status', 'test:private', 'test:station:7']);
    expect(ack.refused).toEqual([]);
    realtime().publish('platform:status', 'notice', 1);
    realtime().publish('test:private', 'notice', 2);
    realtime().publish('test:station:7', 'notice', 3);
    await waitFor(() => got.length === 3, 5000, 'three events');
    expect(got.map((e) => e.topic).sort()).toEqual(['platform:status', 'test:private', 'test:station:7']);
  });

  it('lets an admin without the permission join public topics only', async () => {
    const token = await adminToken(app, ['Race crew']);
    const client = await open(token);
    const ack = await subscribe(client, ['platform:status', 'test:station:7', 'test:private']);
    expect(ack.joined).toEqual(['platform:status']);
    expect(ack.refused.map((r) => r.reason)).toEqual(['forbidden', 'forbidden']);
  });

  it('lets an admin holding the declared permission join the pattern topic', async () => {
    const token = await adminToken(app, ['Lab technician']);
    const client = await open(token);
    const ack = await subscribe(client, 'test:station:9');
    expect(ack.joined).toEqual(['test:station:9']);
  });

  it('checks users-permissions roles', async () => {
    const competition = await endUserToken(app.strapi, 'competition');
    const student = await endUserToken(app.strapi, 'student');
    expect((await subscribe(await open(competition.jwt), 'test:private')).joined).toEqual(['test:private']);
    expect((await subscribe(await open(student.jwt), 'test:private')).refused[0].reason).toBe('forbidden');
  });

  it('checks API token types', async () => {
    const full = await createApiToken(app.strapi, 'full-access');
    const readOnly = await createApiToken(app.strapi, 'read-only');
    expect((await subscribe(await open(full), 'test:private')).joined).toEqual(['test:private']);
    expect((await subscribe(await open(readOnly), 'test:private')).refused[0].reason).toBe('forbidden');
  });

  it('refuses a connection with a token that matches nobody', async () => {
    await expect(open('not-a-token')).rejects.toThrow(/Unauthorized/);
    await expect(open('eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.c2lnbmF0dXJl')).rejects.toThrow(/Unauthorized/);
  });
});
