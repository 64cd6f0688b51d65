import type { Browser, Page } from 'playwright-core';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { identificationOf } from '../race/helpers';
import { crewState, kioskAccount, raceWithHistory, texts, type RaceWithHistory } from './race-fixtures';

/**
 * The other public screens: Fullscreen (previous / running / next, large), the read-only Queue (kept
 * live from queue events), and the registration kiosk of the Competition role (sign in, scan a known
 * runner, register an unknown one).
 */
describeWhen(chromiumMissing(), 'Race Fullscreen, Queue and kiosk pages in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let race: RaceWithHistory;

  beforeAll(async () => {
    app = await startStrapi();
    race = await raceWithHistory(app, { runners: 10, laps: 5, queued: 3 });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const open = async (path: string, viewport = { width: 1920, height: 1080 }): Promise<Page> => {
    const page = await (await browser.newContext({ viewport })).newPage();
    await page.goto(`${app.url}/race/${path}`);
    return page;
  };

  it('Fullscreen shows the previous, running and next runner with a live timer', async () => {
    const page = await open('fullscreen.html');
    const state = await crewState(race.crew);
    await page.locator('#current .runner').waitFor({ timeout: 30000 });
    expect(await page.locator('#current .runner').textContent()).toBe(state.current!.runner.name);
    expect(await page.locator('#next .runner').textContent()).toBe(state.queue[0].runner.name);
    expect(await page.locator('#previous .runner').textContent()).toBe(race.ran[race.ran.length - 2]);
    expect(await page.locator('#previous .value').textContent()).toMatch(/^\d+:\d\d\.\d$/);
    const timer = page.locator('#current .timer');
    const first = await timer.textContent();
    await page.waitForFunction((t) => document.querySelector('#current .timer')?.textContent !== t, first, { timeout: 2000 });
    // Large type: the running runner's name is at least 70 px on a 1080p display.
    expect(await page.locator('#current .runner').evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(70);
    await page.screenshot({ path: artifact('race-fullscreen.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifact('race-fullscreen-phone.png'), fullPage: true });
    await page.context().close();
  });

  it('Queue lists the whole queue read-only and follows joins live', async () => {
    const page = await open('queue.html', { width: 1280, height: 900 });
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 30000 });
    const state = await crewState(race.crew);
    expect(await texts(page, '#queue .runner')).toEqual(state.queue.map((t) => t.runner.name));
    expect(await page.locator('#queue button').count()).toBe(0); // read-only
    const joining = race.fixture.runners[9];
    const res = await race.crew.join(joining.identification, state.queueVersion);
    expect(res.status).toBe(201);
    await page.waitForFunction((name) => Array.from(document.querySelectorAll('#queue .runner')).some((e) => e.textContent === name), joining.name, { timeout: 2000 });
    expect(await page.locator('#queue-count').textContent()).toBe(`(${state.queue.length + 1})`);
    expect(await page.content()).not.toContain(joining.identification);
    await page.screenshot({ path: artifact('race-queue.png') });
    await page.context().close();
  });

  it('kiosk: signs in, queues a known runner, registers and queues an unknown one', async () => {
    const account = await kioskAccount(app);
    const page = await open('kiosk.html', { width: 1024, height: 900 });
    await page.getByLabel('User name or e-mail').fill(account.username);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText(/wrong user name or password/i).waitFor({ timeout: 10000 });
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const scan = page.getByLabel(/scan your student card/i);
    await scan.waitFor({ timeout: 10000 });
    await page.screenshot({ path: artifact('race-kiosk-scan.png') });

    // A known runner who is not in the queue: scanning (typing + Enter, as a barcode scanner does) joins.
    const known = race.fixture.runners[1]; // ran earlier, not waiting now
    await scan.fill(known.identification);
    await scan.press('Enter');
    await page.getByRole('heading', { name: 'You are in the queue' }).waitFor({ timeout: 10000 });
    const info = page.locator('#quick-info');
    expect(await info.locator('.who').textContent()).toBe(known.name);
    const queued = await crewState(race.crew);
    expect(queued.queue[queued.queue.length - 1].runner.name).toBe(known.name);
    expect(await info.textContent()).toContain(`Place in the queue${queued.queue.length}`);
    await page.screenshot({ path: artifact('race-kiosk-joined.png') });

    // An unknown identification: the registration form, then the queue.
    await page.getByRole('button', { name: 'Next runner' }).click();
    const newcomer = identificationOf(77);
    await scan.fill(newcomer);
    await scan.press('Enter');
    await page.getByRole('heading', { name: /tell us who you are/i }).waitFor({ timeout: 10000 });
    await page.getByLabel('First name').fill('Nora');
    await page.getByLabel('Last name').fill('Newcomer');
    await page.getByLabel('University').selectOption({ label: 'UHasselt' });
    await page.getByLabel('Team').selectOption({ label: 'Bravo' });
    await page.getByLabel(/first-year/i).check();
    await page.screenshot({ path: artifact('race-kiosk-register.png') });
    await page.getByRole('button', { name: 'Register and join' }).click();
    await page.getByRole('heading', { name: 'You are in the queue' }).waitFor({ timeout: 10000 });
    expect(await info.locator('.who').textContent()).toBe('Nora Newcomer');
    const after = await crewState(race.crew);
    expect(after.queue[after.queue.length - 1].runner.name).toBe('Nora Newcomer');
    await page.context().close();
  });

  it('kiosk fits a phone', async () => {
    const page = await open('kiosk.html', { width: 390, height: 844 });
    await page.getByLabel('User name or e-mail').waitFor({ timeout: 10000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: artifact('race-kiosk-phone.png'), fullPage: true });
    await page.context().close();
  });
});
