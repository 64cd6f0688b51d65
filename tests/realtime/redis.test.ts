import { describeWhen, redisMissing } from '../helpers/services';
import { startChildInstance, type ChildInstance } from '../helpers/instances';
import { collect, connect, subscribe, waitFor } from '../helpers/sockets';
import { startStrapi, type TestApp } from '../helpers/strapi';

describeWhen(redisMissing(), 'realtime across instances (Redis adapter)', () => {
  let a: TestApp;
  let b: ChildInstance;

  beforeAll(async () => {
    // A key of its own so parallel runs sharing one Redis never see each other's events.
    const env = { REDIS_URL: process.env.TEST_REDIS_URL!, REALTIME_REDIS_KEY: `tb-test-${process.env.TALLYBOARD_TEST_RUN}-${process.pid}` };
    a = await startStrapi({ env, keepDatabase: true });
    b = await startChildInstance({ ...a.db.env, ...env });
  });

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await a?.db.drop();
  });

  it('delivers an event published on instance A to a client connected to instance B', async () => {
    const client = await connect(b.url);
    try {
      const got = collect(client, 'notice');
      expect((await subscribe(client, 'platform:status')).joined).toEqual(['platform:status']);
      a.strapi.plugin('realtime').service('realtime').publish('platform:status', 'notice', { from: 'A' });
      await waitFor(() => got.length > 0, 5000, 'the event from instance A');
      expect(got).toEqual([{ payload: { from: 'A' }, topic: 'platform:status' }]);
    } finally {
      client.close();
    }
  });

  it('control: an event kept local to instance A does not reach instance B', async () => {
    // Proves the delivery above went through Redis and not through some shared in-process state.
    const client = await connect(b.url);
    try {
      const got = collect(client, 'notice');
      await subscribe(client, 'platform:status');
      a.strapi.plugin('realtime').service('realtime').server()!.local.to('platform:status').emit('notice', { local: true }, { topic: 'platform:status' });
      await new Promise((r) => setTimeout(r, 300));
      expect(got).toEqual([]);
    } finally {
      client.close();
    }
  });
});
