/**
 * What the race's browser suites share: a race with history (laps in the past, a queue, a running lap),
 * people of every kind signed in (crew admins in the admin panel, the kiosk's Competition account),
 * built on the lap-control API fixtures in tests/race/helpers.ts.
 */
import type { Browser, Page } from 'playwright-core';
import { adminToken, createAdminUser, type TestApp } from '../helpers/strapi';
import { createRaceFixture, crew, queueUp, type Crew, type RaceFixture } from '../race/helpers';

export interface RaceWithHistory {
  fixture: RaceFixture;
  crew: Crew;
  /** Runner names in the order they ran (the last one is running now). */
  ran: string[];
}

/**
 * A race an hour in with `laps` finished laps (varied times, every runner in turn, through the real
 * advance route with past instants), the next runner running and `queued` runners waiting.
 */
export async function raceWithHistory(app: TestApp, { runners = 8, laps = 12, queued = 4 } = {}): Promise<RaceWithHistory> {
  const fixture = await createRaceFixture(app.strapi, { count: runners, teamNames: ['Alpha', 'Bravo', 'Charlie'] });
  const c = crew(app, await adminToken(app, ['Race crew']));
  const ran: string[] = [];
  const start = Date.now() - 50 * 60e3;
  let at = start;
  let expectedLapId: number | null = null;
  for (let i = 0; i <= laps + queued; i++) {
    const runner = fixture.runners[i % runners];
    await queueUp(c, [runner.identification]);
    if (i > laps) continue; // the last `queued` runners wait
    const res = await c.advance(expectedLapId, new Date(at).toISOString());
    if (res.status !== 200) throw new Error(`advance: ${res.status} ${JSON.stringify(res.body)}`);
    expectedLapId = res.body.started?.lapId ?? null;
    ran.push(runner.name);
    at += 95e3 + ((i * 37) % 60) * 1e3; // 1:35 to 2:34, deterministic spread for the scatter
  }
  return { fixture, crew: c, ran };
}

/** The running lap's id and the queue, as the crew sees them now. */
export async function crewState(c: Crew) {
  const res = await c.state();
  if (res.status !== 200) throw new Error(`state: ${res.status}`);
  return res.body as { queueVersion: number; current: { lapId: number; runner: { name: string } } | null; queue: { ticketId: number; runner: { name: string } }[] };
}

/** Signs an admin with these roles in through the login form; returns the page on the admin home. */
export async function adminPage(browser: Browser, app: TestApp, roles: string[], viewport = { width: 1440, height: 1000 }): Promise<Page> {
  const { email, password } = await createAdminUser(app.strapi, roles);
  const page = await (await browser.newContext({ viewport })).newPage();
  await page.goto(`${app.url}/admin/auth/login`);
  await page.getByLabel(/^email/i).fill(email);
  await page.getByLabel(/^password/i).fill(password);
  await page.getByRole('button', { name: /login/i }).click();
  await page.waitForURL((url) => !/\/auth\//.test(url.pathname), { timeout: 60000 });
  // A first-time admin gets Strapi's guided tour over the page; a person would skip it.
  const skip = page.getByRole('button', { name: /^skip$/i });
  await skip.waitFor({ state: 'visible', timeout: 3000 }).then(() => skip.click()).catch(() => undefined);
  return page;
}

/** The registration stand's account: a users-permissions user with the Competition role and a real password. */
export async function kioskAccount(app: TestApp): Promise<{ username: string; password: string }> {
  const role = await app.strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'competition' } });
  const username = `kiosk-${Math.random().toString(36).slice(2, 8)}`;
  const password = 'Kiosk-password-1';
  await app.strapi.plugin('users-permissions').service('user').add({ username, email: `${username}@tallyboard.test`, password, confirmed: true, blocked: false, role: role.id, provider: 'local' });
  return { username, password };
}

/** Text of every element matching the selector, trimmed. */
export const texts = (page: Page, selector: string) => page.$$eval(selector, (els) => els.map((e) => (e.textContent ?? '').trim()));
