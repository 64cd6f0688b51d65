import fs from 'fs';
import os from 'os';
import path from 'path';
import type { Browser, Page } from 'playwright-core';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { OWN_FIXTURES } from '../lab/battery-helpers';
import { adminPage } from './race-fixtures';

/**
 * The Battery file import page in Chromium (Lab technician): an Arbin file is previewed with its
 * detected format and first rows, imported with the progress bar reaching 100 % and rows/s, and the
 * result links to the monitor, the mapping saved under the name given; a taken name, a bad row and ambiguous
 * dates are shown; a windows-1252 file with local dates reads with the encoding and time zone chosen;
 * a long import (200,000 rows generated here) is a job: after a reload of the page (`?job=` in the URL)
 * the bar reattaches while it runs and shows the result at the end; an unknown job is said to be
 * unknown; Race crew sees neither link nor page.
 */
const fixture = (name: string) => path.join(OWN_FIXTURES, name);
const PAGE = '/admin/plugins/data-exchange/battery-import';
const BIG_ROWS = 200_000;

/** An Arbin-style file of `rows` rows at 1 Hz, written to a temp dir (never committed). */
function bigArbinFile(rows: number): { file: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'battery-import-big-'));
  const file = path.join(dir, 'long-arbin.csv');
  const lines = ['Data_Point,Test_Time(s),DateTime,Cycle_Index,Current(A),Voltage(V)'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},${i},${1494377253 + i},1,1.0,${(3.5 + (i % 700) / 1000).toFixed(3)}`);
  fs.writeFileSync(file, lines.join('\n'));
  return { file, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describeWhen(chromiumMissing(), 'Battery file import page in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await startStrapi({ serveAdminPanel: true });
    await app.strapi.documents('api::lab.battery').create({ data: { name: 'cell-import-1', technology: 'lithium', min_voltage_v: 2.5, max_voltage_v: 4.2, max_charge_current_a: 3, max_discharge_current_a: 5 } as any });
    browser = await launchBrowser();
    page = await adminPage(browser, app, ['Lab technician'], { width: 1440, height: 1300 });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('previews an Arbin file: detected format, mapping and first rows', async () => {
    await page.getByRole('link', { name: 'Battery file import', exact: true }).first().click();
    await page.waitForURL(/\/plugins\/data-exchange\/battery-import/);
    await page.getByTestId('battery-file').setInputFiles(fixture('arbin-units.csv'));
    await page.getByTestId('battery-preview').waitFor();
    expect(await page.getByTestId('detected-format').textContent()).toMatch(/Detected format: arbin .*header on line 1/);
    expect(await page.getByTestId('preview-row').count()).toBe(10);
    expect(await page.getByLabel('Field of Voltage(V)').inputValue()).toBe('voltage_v');
    expect(await page.getByLabel('Field of Data_Point').inputValue()).toBe('-');
    expect(await page.getByLabel('Unit of Charge_Capacity(Ah)').locator('option').first().textContent()).toBe('Ah');
    expect(await page.getByRole('textbox', { name: /^Name/ }).inputValue()).toBe('arbin-units');
  });

  it('imports with the progress bar at 100 % and rows/s, then links to the experiment', async () => {
    await page.getByRole('textbox', { name: /^Name/ }).fill('imported from the page');
    await page.getByRole('combobox', { name: 'Battery' }).click();
    await page.getByRole('option', { name: 'cell-import-1' }).click();
    await page.getByRole('textbox', { name: /^Save this mapping as/ }).fill('page rig');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-result').waitFor({ timeout: 30_000 });
    const progress = page.getByTestId('import-progress');
    expect(await progress.getAttribute('data-percent')).toBe('100');
    expect(await progress.textContent()).toMatch(/100 % · 72 rows · [\d,]+ rows\/s/);
    const stored = await app.strapi.db.query('api::lab.experiment').findOne({ where: { name: 'imported from the page' }, populate: ['battery'] });
    expect(stored).toMatchObject({ source: 'imported', sample_count: 72, battery: { name: 'cell-import-1' } });
    expect(await page.getByTestId('import-result').textContent()).toContain('72 rows, 3 cycles (arbin)');
    expect(await page.getByTestId('import-saved-mapping').textContent()).toBe('Mapping saved as "page rig"');
    const saved = await app.strapi.db.query('api::lab.column-mapping').findOne({ where: { name: 'page rig' } });
    expect(saved).toMatchObject({ format: 'arbin', date_format: 'MM/DD/YYYY', timezone: 'UTC' });
    expect(saved.mapping).toMatchObject({ 'Voltage(V)': 'voltage_v', Data_Point: null });
    expect(await page.getByRole('textbox', { name: /^Save this mapping as/ }).inputValue()).toBe('');
    expect(await page.getByTestId('import-result-link').getAttribute('href')).toBe(`/admin/plugins/dashboards/lab-monitor?experiment=${stored.id}`);
    await page.getByTestId('import-result-link').scrollIntoViewIfNeeded();
    await page.waitForTimeout(400); // the bar's width transition
    await page.screenshot({ path: artifact('battery-import-done.png'), fullPage: true });
  });

  it('a mapping name already taken is refused on its field, and nothing is imported; the saved mapping is offered', async () => {
    await page.getByRole('textbox', { name: /^Name/ }).fill('taken mapping name');
    await page.getByRole('textbox', { name: /^Save this mapping as/ }).fill('page rig');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const problem = page.getByTestId('import-problem');
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.textContent()).toMatch(/Option saveMappingAs.*"page rig" already exists/);
    expect(await page.getByText('a column mapping named "page rig" already exists', { exact: false }).count()).toBeGreaterThanOrEqual(2); // the box and the field
    expect(await app.strapi.db.query('api::lab.experiment').count({ where: { name: 'taken mapping name' } })).toBe(0);
    await page.getByRole('combobox', { name: 'Saved column mapping' }).click();
    await page.getByRole('option', { name: 'page rig' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('textbox', { name: /^Save this mapping as/ }).fill('');
  });

  it('a file with a bad row shows its line, column and value, and imports nothing', async () => {
    await page.getByTestId('battery-file').setInputFiles(fixture('arbin-bad-row.csv'));
    // The preview shows the bad row in place (line 5 of the previous file was a good row); the import refuses the file naming it.
    await page.locator('[data-testid="preview-row"][data-line="5"]', { hasText: 'column "Voltage(V)" (value "3.7x")' }).waitFor();
    await page.getByRole('textbox', { name: /^Name/ }).fill('bad file from the page');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const problem = page.getByTestId('import-problem');
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.getAttribute('data-line')).toBe('5');
    expect(await problem.textContent()).toContain('Line 5, column "Voltage(V)" (value "3.7x")');
    expect(await app.strapi.db.query('api::lab.experiment').count({ where: { name: 'bad file from the page' } })).toBe(0);
    await page.screenshot({ path: artifact('battery-import-bad-row.png'), fullPage: true });
  });

  it('an ambiguous date asks for the date format', async () => {
    await page.getByTestId('battery-file').setInputFiles(fixture('arbin-ambiguous-dates.csv'));
    const problem = page.getByTestId('import-problem');
    await problem.waitFor({ timeout: 30_000 });
    expect(await problem.textContent()).toMatch(/Option dateFormat.*Pick the file's date format/);
    await page.getByRole('combobox', { name: 'Date format' }).click();
    await page.getByRole('option', { name: 'DD/MM/YYYY' }).click();
    await page.getByRole('button', { name: 'Preview again' }).click();
    await page.getByTestId('battery-preview').waitFor();
    expect(await page.getByTestId('detected-format').textContent()).toContain('DD/MM/YYYY');
    await page.screenshot({ path: artifact('battery-import-date-format.png'), fullPage: true });
  });

  it('a windows-1252 file with local dates: encoding and time zone chosen, header and instants right', async () => {
    const csv = Buffer.concat([
      Buffer.from('Test_Time(s),Date_Time,Cycle_Index,Current(A),Voltage(V),Temperature ('), Buffer.from([0xb0]), Buffer.from('C)\r\n'),
      Buffer.from('0,2026-07-01 12:00:00,1,1.0,3.7,25.5\r\n60,2026-07-01 12:01:00,1,1.0,3.8,25.6\r\n'),
    ]);
    await page.goto(`${app.url}${PAGE}`); // a fresh form (the previous test chose a date format; the URL holds the last job)
    await page.getByTestId('battery-file').setInputFiles({ name: 'rig-cp1252.csv', mimeType: 'text/csv', buffer: csv });
    // Read as UTF-8, ° is not a character: the unit is refused, naming the column.
    await page.getByTestId('import-problem').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('import-problem').textContent()).toContain('Temperature (\uFFFDC)');
    await page.getByRole('combobox', { name: 'Encoding' }).click();
    await page.getByRole('option', { name: 'Windows-1252 (Western)' }).click();
    await page.getByRole('textbox', { name: /^Time zone/ }).fill('Europe/Madrid');
    await page.getByRole('button', { name: 'Preview again' }).click();
    await page.getByTestId('battery-preview').waitFor();
    expect(await page.getByTestId('detected-format').textContent()).toContain('dates iso in Europe/Madrid');
    expect(await page.getByLabel('Field of Temperature (°C)').inputValue()).toBe('temperature_c');
    await page.getByRole('textbox', { name: /^Name/ }).fill('windows file from the page');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-result').waitFor({ timeout: 30_000 });
    const stored = await app.strapi.db.query('api::lab.experiment').findOne({ where: { name: 'windows file from the page' } });
    expect(new Date(stored.started_at).toISOString()).toBe('2026-07-01T10:00:00.000Z');
    await page.screenshot({ path: artifact('battery-import-encoding-timezone.png'), fullPage: true });
    await page.getByRole('textbox', { name: /^Time zone/ }).fill('Europe/Atlantis');
    await page.getByRole('button', { name: 'Preview again' }).click();
    await page.getByTestId('import-problem').waitFor();
    expect(await page.getByTestId('import-problem').textContent()).toContain('Option timezone');
  });

  it('a long import is a job: after a reload (?job= in the URL) the bar reattaches while it runs, then shows the result', async () => {
    const big = bigArbinFile(BIG_ROWS);
    const postgres = app.strapi.config.get('database.connection.client') === 'postgres';
    // A busy database, held by this test on PostgreSQL: the import waits at its first COPY until the lock is
    // released, so the job is still running when the page reloads however fast the import has become.
    const busyDatabase = postgres ? await app.strapi.db.connection.transaction() : null;
    try {
      await busyDatabase?.raw('lock table lab_samples in share mode');
      await page.goto(`${app.url}${PAGE}`);
      await page.getByTestId('battery-file').setInputFiles(big.file);
      await page.getByTestId('battery-preview').waitFor({ timeout: 60_000 });
      await page.getByRole('textbox', { name: /^Name/ }).fill('long import reattached');
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.waitForURL(/[?&]job=[0-9a-f-]{36}/, { timeout: 60_000 });
      const jobId = new URL(page.url()).searchParams.get('job');

      const running = () => page.locator(`[data-testid="import-job"][data-job="${jobId}"][data-running="true"]`).getByTestId('import-progress');
      const expectRunningBar = async (name: string) => {
        // Text and attribute read in one step: the job moves on between two separate reads.
        const bar = await running().evaluate((el) => ({ text: el.textContent ?? '', percent: el.getAttribute('data-percent') }));
        const [, percent, rows] = bar.text.match(/^(\d+) % · ([\d,]+) rows · [\d,]+ rows\/s$/) ?? [];
        // The bar follows the rows written (not the bytes read, which run far ahead of them).
        expect(Math.abs(Number(percent) - (100 * Number(rows.replace(/,/g, ''))) / BIG_ROWS)).toBeLessThanOrEqual(5);
        expect(Number(bar.percent)).toBe(Number(percent));
        expect(Number(percent)).toBeLessThan(100);
        await running().scrollIntoViewIfNeeded();
        await page.waitForTimeout(400); // the bar's width transition
        await page.screenshot({ path: artifact(name), fullPage: true });
      };
      await running().waitFor({ timeout: 30_000 });
      await expectRunningBar('battery-import-running.png');

      await page.reload();
      expect(new URL(page.url()).searchParams.get('job')).toBe(jobId);
      if (busyDatabase) {
        // Reattached to the running job: no file chosen on this page, yet the bar shows the server's progress.
        await running().waitFor({ timeout: 60_000 });
        expect(await page.getByTestId('battery-preview').count()).toBe(0);
        await expectRunningBar('battery-import-reattached.png');
        await busyDatabase.commit();
      }
      // SQLite: the import's transaction holds the only connection, so the reloaded admin's own requests wait
      // for it and the page finds the job ended (docs/battery-data.md); the result is still this job's.
      await page.locator(`[data-testid="import-job"][data-job="${jobId}"]`).getByTestId('import-result').waitFor({ timeout: 180_000 });
      const progress = page.getByTestId('import-progress');
      expect(await progress.getAttribute('data-percent')).toBe('100');
      expect(await progress.textContent()).toMatch(/100 % · 200,000 rows · [\d,]+ rows\/s/);
      expect(await page.getByTestId('import-result').textContent()).toContain('long import reattached: 200,000 rows, 1 cycle (arbin)');
      const stored = await app.strapi.db.query('api::lab.experiment').findOne({ where: { name: 'long import reattached' } });
      expect(stored).toMatchObject({ source: 'imported', sample_count: BIG_ROWS });
      expect(await page.getByTestId('import-result-link').getAttribute('href')).toBe(`/admin/plugins/dashboards/lab-monitor?experiment=${stored.id}`);
      await page.waitForTimeout(400);
      await page.screenshot({ path: artifact('battery-import-reattached-done.png'), fullPage: true });
    } finally {
      if (busyDatabase && !busyDatabase.isCompleted()) await busyDatabase.rollback();
      big.remove();
    }
  });

  it('a job this server does not know is said to be unknown', async () => {
    await page.goto(`${app.url}${PAGE}?job=00000000-0000-0000-0000-000000000000`);
    const missing = page.getByTestId('import-job-missing');
    await missing.waitFor({ timeout: 30_000 });
    expect(await missing.textContent()).toMatch(/Import job not found.*00000000-0000-0000-0000-000000000000.*server instance that ran them, for 15 minutes/);
    expect(await page.getByTestId('import-progress').count()).toBe(0);
    await page.screenshot({ path: artifact('battery-import-job-missing.png'), fullPage: true });
  });

  it('hides the page from a Race crew admin', async () => {
    const other = await adminPage(browser, app, ['Race crew'], { width: 1280, height: 900 });
    expect(await other.getByRole('link', { name: 'Battery file import', exact: true }).count()).toBe(0);
    await other.goto(`${app.url}/admin/plugins/data-exchange/battery-import`);
    await other.getByText(/don't have the permissions|no permission/i).first().waitFor({ timeout: 30_000 });
    expect(await other.getByTestId('battery-file').count()).toBe(0);
    await other.context().close();
  });
});
