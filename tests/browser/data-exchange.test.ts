import fs from 'fs';
import path from 'path';
import type { Browser, Page } from 'playwright-core';
import Papa from 'papaparse';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { createAdminUser, root, startStrapi, type TestApp } from '../helpers/strapi';

const FIXTURES = path.join(root, 'tests', 'fixtures', 'data-exchange');
const TEAMS = 'api::race.team';

async function logIn(page: Page, url: string, email: string, password: string) {
  await page.goto(`${url}/admin/auth/login`);
  await page.getByLabel(/^email/i).fill(email);
  await page.getByLabel(/^password/i).fill(password);
  await page.getByRole('button', { name: /login/i }).click();
  await page.waitForURL((u) => !/\/auth\//.test(u.pathname), { timeout: 60000 });
}

/** Export and import from the Content Manager list view, as a person would: buttons, dialog, download, upload. */
describeWhen(chromiumMissing(), 'data exchange in the Content Manager list view', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await startStrapi({ serveAdminPanel: true });
    for (const [name, score] of [['Amber', 7], ['=Formula', 2], ['Cobalt', 9]] as const) {
      await app.strapi.documents(TEAMS).create({ data: { name, score } });
    }
    const { email, password } = await createAdminUser(app.strapi, ['Super Admin']);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    page = await context.newPage();
    await logIn(page, app.url, email, password);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const skipTour = async () => {
    const skip = page.getByRole('button', { name: /^skip$/i });
    await skip.waitFor({ state: 'visible', timeout: 5000 }).then(() => skip.click()).catch(() => undefined);
  };

  it('exports the filtered list as CSV with the chosen columns and a progress line', async () => {
    // The list filtered to score > 5, sorted by name: the export must take the same rows.
    const query = 'page=1&pageSize=10&sort=name:ASC&filters[$and][0][score][$gt]=5';
    await page.goto(`${app.url}/admin/content-manager/collection-types/${TEAMS}?${query}`);
    // The Content Manager's guided tour opens over a first-time admin's list; a person would skip it.
    await page.getByText('Cobalt').waitFor({ timeout: 30000 });
    await skipTour();
    await page.screenshot({ path: artifact('data-exchange-list.png') });
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Columns').waitFor();
    await dialog.locator('input[name="column-createdAt"]').uncheck();
    await dialog.locator('input[name="column-updatedAt"]').uncheck();
    await dialog.locator('input[name="column-documentId"]').uncheck();
    await dialog.locator('select[name="delimiter"]').selectOption(';');
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Export', exact: true }).click()]);
    await dialog.getByTestId('data-exchange-export-done').waitFor();
    await page.waitForTimeout(500); // the progress bar's fill animates
    expect(await dialog.getByTestId('data-exchange-export-progress').textContent()).toBe('2 / 2 rows');
    await page.screenshot({ path: artifact('data-exchange-export.png') });
    const text = fs.readFileSync((await download.path())!, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = Papa.parse<string[]>(text.slice(1), { delimiter: ';', skipEmptyLines: true }).data;
    expect(rows[0]).toEqual(expect.arrayContaining(['id', 'name', 'score']));
    expect(rows[0]).not.toContain('createdAt');
    const name = rows[0].indexOf('name');
    expect(rows.slice(1).map((r) => r[name])).toEqual(['Amber', 'Cobalt']);
    await dialog.getByRole('button', { name: 'Close' }).first().click();
  });

  it('imports a CSV: preview, dry run naming the bad line, then the import with a progress bar', async () => {
    // An explicit query: the Content Manager would otherwise bring back the previous test's filter.
    await page.goto(`${app.url}/admin/content-manager/collection-types/${TEAMS}?page=1&pageSize=10&sort=name:ASC`);
    await page.getByText('Cobalt').waitFor({ timeout: 30000 });
    await skipTour();
    await page.getByRole('button', { name: 'Import CSV' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[type="file"]').setInputFiles(path.join(FIXTURES, 'teams-with-error.csv'));
    await dialog.getByTestId('data-exchange-detected').waitFor();
    expect(await dialog.getByTestId('data-exchange-detected').textContent()).toMatch(/UTF-8.*comma/);
    expect(await dialog.locator('select[name="map-score"]').inputValue()).toBe('score');
    await dialog.getByRole('button', { name: 'Dry run' }).click();
    const report = dialog.getByTestId('data-exchange-report');
    await report.waitFor({ timeout: 30000 });
    expect(await report.textContent()).toMatch(/1 problem\(s\); nothing was written \(dry run\)/);
    expect(await report.locator('tbody tr').first().textContent()).toBe('3scorexmust be a whole number');
    await page.waitForTimeout(500);
    await page.screenshot({ path: artifact('data-exchange-dry-run.png') });
    expect(await app.strapi.db.query(TEAMS).count({ where: { name: { $startsWith: 'Browser' } } })).toBe(0);

    await dialog.locator('input[type="file"]').setInputFiles(path.join(FIXTURES, 'teams.csv'));
    await dialog.getByTestId('data-exchange-detected').waitFor();
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await dialog.getByText(/Imported\. Created 3, updated 0 of 3 rows/).waitFor({ timeout: 30000 });
    expect(await dialog.getByTestId('data-exchange-import-progress').textContent()).toMatch(/writing 3 \/ 3 rows/);
    await page.waitForTimeout(500); // the progress bar's fill animates
    await page.screenshot({ path: artifact('data-exchange-import.png') });
    expect(await app.strapi.db.query(TEAMS).count({ where: { name: { $startsWith: 'Browser' } } })).toBe(3);
    // Closing the dialog reloads the list, which then shows the new rows (scores above the list's filter).
    await dialog.getByRole('button', { name: 'Close' }).first().click();
    await page.getByText('Browser Green').waitFor({ timeout: 30000 });
    await page.screenshot({ path: artifact('data-exchange-list-after-import.png') });
  });

  it('shows no buttons to a role without the data-exchange actions', async () => {
    const { email, password } = await createAdminUser(app.strapi, ['Race crew']);
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const crew = await context.newPage();
    await logIn(crew, app.url, email, password);
    await crew.goto(`${app.url}/admin/content-manager/collection-types/${TEAMS}`);
    await crew.getByText('Amber').waitFor({ timeout: 30000 });
    const granted = await app.strapi.db.query('admin::permission').count({ where: { action: 'plugin::data-exchange.export', role: { name: 'Race crew' } } });
    expect(await crew.getByRole('button', { name: 'Export CSV' }).count()).toBe(granted ? 1 : 0);
    await context.close();
  });
});
