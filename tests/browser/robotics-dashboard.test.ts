import fs from 'fs';
import path from 'path';
import type { Browser, Page } from 'playwright-core';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { createAdminUser, startStrapi, type TestApp } from '../helpers/strapi';
import { FIXTURES, SHARED_KIBOTICS, fixtureFile, importFiles } from '../robotics/helpers';

/**
 * The Robotics page (dashboards plugin) and the Robotics import page (ingest plugin) in Chromium, with
 * imported logs: totals and charts shown, a filter, a chart's CSV, an upload with its report, and a
 * Race crew admin who sees neither.
 */
describeWhen(chromiumMissing(), 'Robotics pages in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const knex = () => app.strapi.db.connection;
  const count = async (q: any) => Number(Object.values((await q.count('* as n'))[0])[0]);

  const login = async (p: Page, email: string, password: string) => {
    await p.goto(`${app.url}/admin/auth/login`);
    await p.getByLabel(/^email/i).fill(email);
    await p.getByLabel(/^password/i).fill(password);
    await p.getByRole('button', { name: /login/i }).click();
    await p.waitForURL((url) => !/\/auth\//.test(url.pathname), { timeout: 60000 });
  };
  const skipTour = async () => {
    const skip = page.getByRole('button', { name: /^skip$/i });
    await skip.waitFor({ state: 'visible', timeout: 3000 }).then(() => skip.click()).catch(() => undefined);
  };

  beforeAll(async () => {
    app = await startStrapi({ serveAdminPanel: true });
    const shared = fs.existsSync(SHARED_KIBOTICS) ? fs.readdirSync(SHARED_KIBOTICS).map((n) => fixtureFile(n, SHARED_KIBOTICS)) : [];
    await importFiles(app.strapi, [fixtureFile('v1-log.txt'), fixtureFile('2019-10-20-log.txt'), ...shared]);
    await knex()('robotics_hosts').where('ip', '212.128.255.74').update({ max_simulations: 10 });
    const { email, password } = await createAdminUser(app.strapi, ['Super Admin']);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    page = await context.newPage();
    await login(page, email, password);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('opens Robotics from the menu with the totals and every chart drawn', async () => {
    await skipTour();
    await page.getByRole('link', { name: /^robotics$/i }).first().click();
    await page.waitForURL(/\/plugins\/dashboards\/robotics/, { timeout: 30000 });
    await skipTour();
    const simulations = await count(knex()('robotics_simulations'));
    const sessions = await count(knex()('robotics_sessions'));
    await page.getByText(new RegExp(`^${simulations} simulations .*${sessions} sessions`)).waitFor({ timeout: 30000 });
    for (const label of ['Simulations per day', 'Simulations per hour of day', 'Sessions and simulations per user', 'Simulations per exercise', 'Simulations by type', 'Simulations per host', 'Concurrent simulations per host', 'Duration distribution', 'Errors over time', 'Sessions per browser', 'Sessions per operating system', 'Sessions per device type']) {
      await page.locator(`[role="figure"][aria-label="${label}"] svg`).first().waitFor({ timeout: 30000 });
    }
    // The exercise chart has one bar per exercise of the data.
    const distinct = (await knex()('robotics_simulations').distinct('exercise_code')).length;
    const bars = await page.$$eval('[aria-label="Simulations per exercise"] svg .apexcharts-bar-area', (paths) => paths.filter((p) => Number(p.getAttribute('barHeight') ?? p.getAttribute('barWidth') ?? 1) > 0).length);
    expect(bars).toBe(distinct);
    await page.screenshot({ path: artifact('robotics-page.png') });
    // The admin scrolls in an inner panel: the lower charts get their own screenshot.
    await page.locator('[data-chart="host-concurrency"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact('robotics-page-hosts.png') });
    await page.locator('[data-chart="devices"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact('robotics-page-sessions.png') });
    await page.locator('[data-chart="simulations-per-day"]').scrollIntoViewIfNeeded();
  });

  it('filters by exercise and downloads a chart as CSV', async () => {
    await page.getByRole('combobox', { name: 'Exercise' }).click();
    await page.getByRole('option', { name: 'follow_line' }).click();
    const filtered = await count(knex()('robotics_simulations').where('exercise_code', 'follow_line'));
    await page.getByText(new RegExp(`^${filtered} simulations `)).waitFor({ timeout: 30000 });
    expect(page.url()).toMatch(/exercise=follow_line/);
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 30000 }),
      page.getByRole('button', { name: 'Download CSV: Simulations by type' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^robotics-by-type-.*\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8').trim().split('\r\n');
    expect(csv[0]).toBe('type,simulations');
    const byType = (await knex()('robotics_simulations').where('exercise_code', 'follow_line').select('simulation_type').count('* as n').groupBy('simulation_type')) as any[];
    expect(csv.slice(1).sort()).toEqual(byType.map((r) => `${r.simulation_type},${Number(r.n)}`).sort());
    await page.screenshot({ path: artifact('robotics-page-filtered.png'), });
  });

  it('uploads log files on the Robotics import page with a progress bar and shows the report', async () => {
    await page.getByRole('link', { name: /^robotics import$/i }).first().click();
    await page.waitForURL(/\/plugins\/ingest\/robotics-upload/, { timeout: 30000 });
    await page.getByLabel('Log files').setInputFiles([path.join(FIXTURES, '2019-10-21-log.txt'), path.join(FIXTURES, '2019-10-22-log.txt')]);
    await page.getByRole('button', { name: /import 2 files/i }).click();
    const report = page.getByRole('grid', { name: 'This import' }).or(page.locator('table[aria-label="This import"]'));
    await report.first().waitFor({ timeout: 60000 });
    await page.getByText('Done').waitFor({ timeout: 30000 });
    expect(await page.getByRole('progressbar', { name: 'Upload progress' }).count()).toBe(1);
    expect(await page.getByTestId('upload-progress').getAttribute('data-percent')).toBe('100');
    const rows = await report.first().locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)));
    expect(rows).toEqual([
      ['2019-10-21-log.txt', 'v2', '2', '0', '1 + 0', '1', '0', '0'],
      ['2019-10-22-log.txt', 'v2', '3', '0', '0 + 1', '0', '1', '0'],
    ]);
    const gina = await knex()('robotics_simulations').where('username', 'gina');
    expect(gina).toHaveLength(1);
    expect(gina[0].duration_seconds).toBe(1200);
    await page.screenshot({ path: artifact('robotics-upload.png'), });
  });

  it('hides both pages from a Race crew admin and refuses them', async () => {
    const { email, password } = await createAdminUser(app.strapi, ['Race crew']);
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const crew = await context.newPage();
    await login(crew, email, password);
    await crew.getByRole('link', { name: /content manager/i }).first().waitFor({ timeout: 30000 });
    expect(await crew.getByRole('link', { name: /^robotics$/i }).count()).toBe(0);
    expect(await crew.getByRole('link', { name: /^robotics import$/i }).count()).toBe(0);
    for (const url of ['/admin/plugins/dashboards/robotics', '/admin/plugins/ingest/robotics-upload']) {
      await crew.goto(`${app.url}${url}`);
      await crew.getByText("You don't have the permissions to access that content").waitFor({ timeout: 30000 });
    }
    await crew.screenshot({ path: artifact('robotics-race-crew.png') });
    await context.close();
  });
});
