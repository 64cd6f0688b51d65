/**
 * `npm start` (scripts/start.js): the built application in production mode, started without the
 * Strapi CLI, serves the REST API and the admin panel as `strapi start` would.
 */
import fs from 'fs';
import path from 'path';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { startServedInstance, type ChildInstance } from '../helpers/instances';
import { root } from '../helpers/strapi';

describe('npm start (scripts/start.js)', () => {
  let db: TestDatabase;
  let instance: ChildInstance;
  beforeAll(async () => {
    db = await createTestDatabase();
    instance = await startServedInstance({
      ...db.env,
      NODE_ENV: 'production',
      ENV_PATH: path.join(root, 'tests', 'fixtures', 'empty.env'),
      CYCLER_BRIDGE_ENABLED: 'false',
    });
  }, 180_000);
  afterAll(async () => {
    await instance?.stop();
    await db?.drop();
  });

  it('answers the health check and refuses the REST API to unauthenticated and wrong-token requests', async () => {
    expect((await fetch(`${instance.url}/_health`)).status).toBe(204);
    expect((await fetch(`${instance.url}/api/teams`)).status).toBe(403);
    expect((await fetch(`${instance.url}/api/teams`, { headers: { Authorization: 'Bearer not-a-token' } })).status).toBe(401);
  });

  // The admin bundle exists when the browser suites' global setup built it (not with TALLYBOARD_SKIP_ADMIN_BUILD).
  const built = fs.existsSync(path.join(root, 'dist', 'build', 'index.html'));
  (built ? it : it.skip)('serves the built admin panel', async () => {
    const res = await fetch(`${instance.url}/admin`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<div id="strapi"/);
  });
});
