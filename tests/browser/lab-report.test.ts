import fs from 'fs';
import os from 'os';
import path from 'path';
import { pathToFileURL } from 'url';
import type { Browser } from 'playwright-core';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { createApiToken, startStrapi, type TestApp } from '../helpers/strapi';
import { HOSTILE, getReport, importReportFixture, type ReportFixture } from '../lab/report-helpers';

/**
 * The experiment HTML report as a person gets it: downloaded through the REST route, saved, opened
 * from disk in headless Chromium with the network off and every request recorded. It must make none,
 * draw its five charts (voltage, current, temperature vs time; capacity and coulombic efficiency vs
 * cycle) and show one summary row per cycle, with the hostile names shown as text.
 */
describeWhen(chromiumMissing(), 'experiment HTML report in a browser, offline', () => {
  let app: TestApp;
  let browser: Browser;
  let fixture: ReportFixture;
  let file: string;

  beforeAll(async () => {
    app = await startStrapi();
    const token = await createApiToken(app.strapi, 'custom', ['api::lab.experiment.find', 'api::lab.experiment.create']);
    fixture = await importReportFixture(app, token);
    const res = await getReport(app, fixture.id, token);
    expect(res.status).toBe(200);
    const name = /filename="([^"]+)"/.exec(res.headers['content-disposition'])?.[1] as string;
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lab-report-')), name);
    fs.writeFileSync(file, res.body);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('opens from disk with no network request and draws its charts and summary table', async () => {
    const url = pathToFileURL(file).href;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.setOffline(true);
    const requests: string[] = [];
    // Every request but the file itself is recorded and refused (the route sees what the page asks for,
    // 'request' also what the CSP or offline mode would have stopped first).
    await context.route('**', (route) => {
      if (route.request().url() === url) return route.continue();
      requests.push(route.request().url());
      return route.abort();
    });
    const page = await context.newPage();
    page.on('request', (request) => { if (request.url() !== url) requests.push(request.url()); });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()); });
    await page.addInitScript(() => {
      (window as any).__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });

    await page.goto(url);
    await page.waitForFunction(() => document.querySelectorAll('.apexcharts-svg').length === 5, undefined, { timeout: 15_000 });
    // Each chart's line is drawn with real geometry, not an empty path.
    const lines = await page.$$eval('.apexcharts-series path.apexcharts-line', (paths) => paths.map((p) => ({
      chart: p.closest('[id^="chart-"]')?.id, points: ((p.getAttribute('d') ?? '').match(/[ML]/g) ?? []).length, width: p.getBoundingClientRect().width,
    })));
    expect(lines.map((l) => l.chart).sort()).toEqual(['chart-capacity', 'chart-current', 'chart-efficiency', 'chart-temperature', 'chart-voltage']);
    for (const line of lines) {
      expect([line.chart, line.width > 300]).toEqual([line.chart, true]);
      expect([line.chart, line.points >= 2]).toEqual([line.chart, true]);
    }
    expect(await page.locator('#cycle-summary tbody tr').count()).toBe(fixture.cycles);
    expect(await page.locator('#cycle-summary tbody tr').first().locator('td').first().textContent()).toBe('1');
    expect(await page.locator('#experiment-name').textContent()).toBe(HOSTILE.experiment);
    expect(await page.getByText(/^Pack <img src=x/).count()).toBe(1);
    expect(await page.locator('#profile-steps tbody tr').count()).toBe(3);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();

    await page.screenshot({ path: artifact('lab-report.png'), fullPage: true });
    expect(requests).toEqual([]);
    expect(await page.evaluate(() => (window as any).__violations)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
