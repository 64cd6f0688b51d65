import type { Browser, Page } from 'playwright-core';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { setRace } from '../race/helpers';
import { crewState, raceWithHistory, texts, type RaceWithHistory } from './race-fixtures';

/**
 * The audience's Statistics page (public/race/, no login) on a race with a dozen laps: what it shows,
 * that it follows an advance made through the API within a second, that it never shows personal data,
 * and that it freezes on the final standings after the race's end.
 */
describeWhen(chromiumMissing(), 'Race Statistics page in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let race: RaceWithHistory;

  beforeAll(async () => {
    app = await startStrapi();
    race = await raceWithHistory(app, { laps: 12, queued: 4 });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
    await page.goto(`${app.url}/race/`);
    await page.locator('#live-status[data-state="live"]').waitFor({ timeout: 30000 });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const currentRunner = () => page.locator('#current .runner').textContent();

  it('shows the running lap, the queue, the rankings and the last 100 laps', async () => {
    const state = await crewState(race.crew);
    expect(await currentRunner()).toBe(state.current!.runner.name);
    expect(await page.locator('#current .timer').textContent()).toMatch(/^\d+:\d\d\.\d$/);
    expect(await texts(page, '#next .runner')).toEqual(state.queue.slice(0, 3).map((t) => t.runner.name));
    expect(await page.locator('#last-laps li').count()).toBe(2);
    const fastest = await texts(page, '#top-runners .runner');
    expect(fastest).toHaveLength(3);
    expect(new Set(fastest).size).toBe(3); // a runner once
    expect(await page.locator('#top-teams li').count()).toBeGreaterThan(0);
    expect(await texts(page, '#most-active .value')).toEqual(expect.arrayContaining([expect.stringMatching(/^\d+ laps?$/)]));
    await page.waitForFunction(() => document.querySelectorAll('#lap-scatter svg .apexcharts-series path, #lap-scatter svg .apexcharts-marker').length >= 12, null, { timeout: 10000 });
    expect(await page.locator('#lap-scatter').getAttribute('data-points')).toBe('12');
    // Names only: no identification, e-mail or test time anywhere on the page.
    const html = await page.content();
    for (const r of race.fixture.runners) expect(html).not.toContain(r.identification);
    expect(html).not.toMatch(/@example\.test/);
    await page.screenshot({ path: artifact('race-statistics.png'), fullPage: true });
  });

  it('shows an advance made through the API within 1 s', async () => {
    const before = await crewState(race.crew);
    const next = before.queue[0].runner.name;
    const started = Date.now();
    const res = await race.crew.advance(before.current!.lapId);
    expect(res.status).toBe(200);
    await page.waitForFunction((name) => document.querySelector('#current .runner')?.textContent === name, next, { timeout: 5000 });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1000);
    expect((await texts(page, '#last-laps .runner'))[0]).toBe(before.current!.runner.name);
    expect(await page.locator('#lap-scatter').getAttribute('data-points')).toBe('13');
    process.stdout.write(`[race-statistics] advance → page updated in ${elapsed} ms\n`);
  });

  it('fits a phone', async () => {
    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true })).newPage();
    await phone.goto(`${app.url}/race/statistics.html`);
    await phone.locator('#current .runner').waitFor({ timeout: 30000 });
    // Nothing wider than the screen (no sideways scrolling on a phone).
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: artifact('race-statistics-phone.png'), fullPage: true });
    await phone.close();
  });

  it('freezes on the final standings after the race has ended', async () => {
    const now = Date.now();
    await setRace(app.strapi, { starts_at: new Date(now - 24 * 3600e3).toISOString(), ends_at: new Date(now - 1000).toISOString() });
    await page.reload();
    await page.locator('#race-banner[data-state="final"]').waitFor({ timeout: 30000 });
    expect(await page.locator('#race-banner').textContent()).toMatch(/final standings/i);
    expect(await page.locator('#live-status').getAttribute('data-state')).toBe('final');
    expect(await page.locator('#top-runners li .runner').count()).toBe(3);
    await page.screenshot({ path: artifact('race-statistics-final.png'), fullPage: true });
  });
});
