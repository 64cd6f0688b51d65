import type { Browser, Page } from 'playwright-core';
import { CyclerSimulator } from '../../scripts/cycler-simulator';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { createAdminUser, startStrapi, type TestApp } from '../helpers/strapi';
import { bridge, bridgeEnv, createLabFixture, embeddedUrl, queueExperiment, uniqueNames, waitFor } from '../lab/helpers';

/**
 * The lab monitor with a simulated cycler running an experiment: the station is offered, the charts
 * fill and grow as live batches arrive, the current step shows its instruction; a Race crew admin
 * sees neither the menu link nor the page.
 */
const names = uniqueNames(__filename);
const STATION = names.station('mon');

describeWhen(chromiumMissing(), 'Lab monitor in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let sim: CyclerSimulator;

  const login = async (p: Page, email: string, password: string) => {
    await p.goto(`${app.url}/admin/auth/login`);
    await p.getByLabel(/^email/i).fill(email);
    await p.getByLabel(/^password/i).fill(password);
    await p.getByRole('button', { name: /login/i }).click();
    await p.waitForURL((url) => !/\/auth\//.test(url.pathname), { timeout: 60000 });
  };

  beforeAll(async () => {
    app = await startStrapi({ serveAdminPanel: true, env: bridgeEnv(names) });
    await bridge(app.strapi).ready();
    // Long profile: it keeps running while the browser watches (20 s charge at 1x speed).
    const fixture = await createLabFixture(app.strapi, [STATION], 'CC, 1.5, TIME, 600\nWAIT, 60');
    await queueExperiment(app.strapi, fixture, STATION, 'Monitor run');
    sim = new CyclerSimulator({ url: embeddedUrl(app.strapi), topicPrefix: names.topicPrefix, stations: [STATION], clientIdPrefix: names.simClientPrefix, hz: 10, speedup: 5, heartbeatMs: 500 });
    await sim.start();
    await waitFor('running', () => (sim.station(STATION).run?.sent ?? 0) > 5);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await app?.stop();
  });

  it('shows the running experiment and its charts grow with live samples', async () => {
    const { email, password } = await createAdminUser(app.strapi, ['Lab technician']);
    const context = await browser.newContext({ viewport: { width: 1440, height: 1400 } });
    page = await context.newPage();
    await login(page, email, password);
    await page.getByRole('link', { name: 'Lab monitor', exact: true }).first().click();
    await page.waitForURL(/lab-monitor/);
    await page.getByTestId('monitor-experiment').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('monitor-experiment').textContent()).toBe('Monitor run');
    await page.getByText('live: live').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('monitor-step').textContent()).toContain('CC, 1.5, TIME, 600');
    const count = async () => Number(((await page.getByTestId('monitor-points').textContent()) ?? '0').split(' ')[0]);
    const first = await count();
    await page.waitForTimeout(3000);
    const second = await count();
    expect(second).toBeGreaterThan(first);
    for (const label of ['Voltage', 'Current', 'Power', 'Temperature']) {
      await expect(page.getByRole('figure', { name: label }).locator('path').first().isVisible()).resolves.toBe(true);
    }
    await page.screenshot({ path: artifact('lab-monitor.png'), fullPage: true });
  });

  it('lists the station on the homepage widget', async () => {
    await page.goto(`${app.url}/admin`);
    const widget = page.getByRole('list', { name: 'Cycler stations' });
    await widget.waitFor({ timeout: 30_000 });
    await widget.scrollIntoViewIfNeeded();
    expect(await widget.locator(`[data-station="${STATION}"]`).textContent()).toContain('Monitor run');
    await page.screenshot({ path: artifact('lab-widget.png'), fullPage: false });
  });

  it('hides the monitor from a Race crew admin', async () => {
    const { email, password } = await createAdminUser(app.strapi, ['Race crew']);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const other = await context.newPage();
    await login(other, email, password);
    expect(await other.getByRole('link', { name: 'Lab monitor', exact: true }).count()).toBe(0);
    await other.goto(`${app.url}/admin/plugins/dashboards/lab-monitor`);
    await other.getByText(/don't have the permissions|no permission/i).first().waitFor({ timeout: 30_000 });
    const res = await app.http().get('/cycler-bridge/monitor/stations');
    expect(res.status).toBe(401);
    await context.close();
  });
});
