import type { Browser, Page } from 'playwright-core';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { adminPage, crewState, raceWithHistory, texts, type RaceWithHistory } from './race-fixtures';

/**
 * The crew's admin pages (menu "Race"): Control advances on a click and on the keyboard, reverses,
 * and survives a second crew acting first (409); Queue reorders and removes with quick info; Query
 * finds runners. A Lab technician is refused.
 */
describeWhen(chromiumMissing(), 'Race admin pages in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let race: RaceWithHistory;

  beforeAll(async () => {
    app = await startStrapi({ serveAdminPanel: true });
    race = await raceWithHistory(app, { laps: 6, queued: 6 });
    browser = await launchBrowser();
    page = await adminPage(browser, app, ['Race crew']);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const running = () => page.getByTestId('running-now');
  const waitForRunner = (name: string) =>
    page.waitForFunction((n) => document.querySelector('[data-testid="running-now"] [data-runner-id]')?.textContent === n, name, { timeout: 10000 });

  it('opens Control from the Race menu with the running lap, the next three and the last laps', async () => {
    await page.getByRole('link', { name: /^race$/i }).first().click();
    await page.waitForURL(/\/admin\/plugins\/lap-control$/, { timeout: 30000 });
    const state = await crewState(race.crew);
    await waitForRunner(state.current!.runner.name);
    expect(await page.getByTestId('lap-timer').textContent()).toMatch(/^\d+:\d\d\.\d$/);
    expect(await texts(page, 'ol[aria-label="Next in queue"] li [data-runner-id]')).toEqual(state.queue.slice(0, 3).map((t) => t.runner.name));
    expect(await page.locator('table[aria-label="Last laps"] tbody tr').count()).toBe(6);
    expect(await page.getByTestId('shortcut-hint').textContent()).toMatch(/N next lap.*Backspace reverse/);
    await page.getByTestId('feed-status').and(page.locator('[data-state="live"]')).waitFor({ timeout: 10000 });
    await page.screenshot({ path: artifact('race-control.png') });
  });

  it('advances on a click on Next lap', async () => {
    const before = await crewState(race.crew);
    await page.getByRole('button', { name: /next lap/i }).click();
    await waitForRunner(before.queue[0].runner.name);
    const after = await crewState(race.crew);
    expect(after.current!.runner.name).toBe(before.queue[0].runner.name);
    expect((await texts(page, 'table[aria-label="Last laps"] tbody tr td:first-child'))[0]).toBe(before.current!.runner.name);
    await page.getByTestId('control-notice').getByText(new RegExp(`${before.current!.runner.name}: \\d+:\\d\\d\\.\\d`)).waitFor();
    await page.screenshot({ path: artifact('race-control-advanced.png') });
  });

  it('advances with N and reverses with Backspace', async () => {
    const before = await crewState(race.crew);
    await page.keyboard.press('n');
    await waitForRunner(before.queue[0].runner.name);
    await page.keyboard.press('Backspace');
    await waitForRunner(before.current!.runner.name);
    const after = await crewState(race.crew);
    expect(after.current!.lapId).toBe(before.current!.lapId); // the same lap re-opened, as if never closed
    expect(after.queue.map((t) => t.runner.name)).toEqual(before.queue.map((t) => t.runner.name));
  });

  it('says so and shows the current race when another crew advanced first (409)', async () => {
    const before = await crewState(race.crew);
    // The other crew's advance lands between this page's press and its request reaching the server.
    await page.route('**/lap-control/advance', async (route) => {
      await race.crew.advance(before.current!.lapId);
      await route.continue();
    });
    await page.getByRole('button', { name: /next lap/i }).click();
    await page.getByTestId('control-notice').getByText(/not applied/i).waitFor({ timeout: 10000 });
    await page.unroute('**/lap-control/advance');
    await waitForRunner(before.queue[0].runner.name); // exactly one advance happened
    expect((await crewState(race.crew)).current!.runner.name).toBe(before.queue[0].runner.name);
    await page.screenshot({ path: artifact('race-control-conflict.png') });
  });

  it('reorders the queue, removes a runner and shows quick info on the Queue page', async () => {
    await page.goto(`${app.url}/admin/plugins/lap-control/queue`);
    const queueNames = () => texts(page, 'ol[aria-label="Queue"] li [data-runner-id]');
    const before = await crewState(race.crew);
    await page.waitForFunction((n) => document.querySelectorAll('ol[aria-label="Queue"] li').length === n, before.queue.length, { timeout: 10000 });

    // Quick info (the crew sees the test time; the audience never does).
    const first = before.queue[0].runner.name;
    await page.locator('ol[aria-label="Queue"] li').first().click();
    const info = page.getByRole('region', { name: 'Quick info' }).last();
    await info.getByRole('heading', { name: first }).waitFor({ timeout: 10000 });
    expect(await info.textContent()).toMatch(/Test time\s*1:\d\d\.\d/);

    // Arrows: move the first runner down one place.
    await page.getByRole('button', { name: `Move ${first} down` }).click();
    await page.getByTestId('queue-notice').getByText(`${first} moved to place 2.`).waitFor({ timeout: 10000 });
    expect((await crewState(race.crew)).queue.map((t) => t.runner.name).slice(0, 2)).toEqual([before.queue[1].runner.name, first]);

    // Drag the last runner to the top.
    const rows = page.locator('ol[aria-label="Queue"] li');
    const last = (await queueNames()).pop()!;
    await rows.last().dragTo(rows.first());
    await page.getByTestId('queue-notice').getByText(`${last} moved to place 1.`).waitFor({ timeout: 10000 });
    expect((await crewState(race.crew)).queue[0].runner.name).toBe(last);
    expect((await queueNames())[0]).toBe(last);
    await page.screenshot({ path: artifact('race-queue-admin.png') });

    // Remove (soft delete).
    await page.getByRole('button', { name: `Remove ${last}` }).click();
    await page.getByTestId('queue-notice').getByText(`${last} removed from the queue.`).waitFor({ timeout: 10000 });
    expect((await crewState(race.crew)).queue.map((t) => t.runner.name)).not.toContain(last);
  });

  it('follows queue changes made elsewhere, live', async () => {
    const before = await crewState(race.crew);
    const removed = before.queue[0];
    await race.crew.remove(removed.ticketId, before.queueVersion);
    await page.waitForFunction(
      (id) => !document.querySelector(`ol[aria-label="Queue"] li[data-ticket-id="${id}"]`),
      removed.ticketId,
      { timeout: 5000 },
    );
  });

  it('finds runners by name on the Query page', async () => {
    await page.getByRole('link', { name: /^query$/i }).click(); // the Race sub-navigation
    await page.waitForURL(/\/plugins\/lap-control\/query$/);
    await page.getByLabel('Name or identification').fill('First3');
    const results = page.locator('table[aria-label="Search results"] tbody tr');
    await results.first().waitFor({ timeout: 10000 });
    expect(await results.count()).toBe(1);
    expect(await results.first().textContent()).toContain('First3 Last3');
    await page.locator('table[aria-label="Runners without an upcoming shift"]').waitFor({ timeout: 10000 });
    await page.getByRole('heading', { name: 'Query' }).scrollIntoViewIfNeeded(); // the admin scrolls in an inner panel
    await page.screenshot({ path: artifact('race-query.png') });
  });

  it('refuses the Control page to a Lab technician and hides the menu link', async () => {
    const tech = await adminPage(browser, app, ['Lab technician']);
    await tech.getByRole('link', { name: /content manager/i }).first().waitFor({ timeout: 30000 });
    expect(await tech.getByRole('link', { name: /^race$/i }).count()).toBe(0);
    await tech.goto(`${app.url}/admin/plugins/lap-control`);
    await tech.getByText("You don't have the permissions to access that content").waitFor({ timeout: 30000 });
    expect(await tech.getByRole('button', { name: /next lap/i }).count()).toBe(0);
    await tech.screenshot({ path: artifact('race-control-lab-technician.png') });
    await tech.context().close();
  });
});
