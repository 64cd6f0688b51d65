import fs from 'fs';
import path from 'path';
import type { Browser, Page } from 'playwright-core';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { OWN_FIXTURES } from '../lab/battery-helpers';
import type { BatteryImportService } from '../../src/api/lab/services/battery-import';
import { adminPage } from './race-fixtures';

/**
 * The battery lab's Experiments page in Chromium (Lab technician): an imported Arbin file is a row of
 * the table, found by search and filters; a header click sorts the rows, the battery and date filters
 * narrow them; its preview draws the time and per-cycle charts, lists one summary row per cycle,
 * zooms the time charts into a dragged window (re-queried) and back, and both downloads arrive; Race
 * crew sees neither link nor page.
 */
describeWhen(chromiumMissing(), 'Experiments page in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let id: number;
  // A second experiment: lead-acid battery, station "bench-z", ran 2020-01-01 to 2020-01-03.
  let second: number;

  beforeAll(async () => {
    app = await startStrapi({ serveAdminPanel: true });
    const service = app.strapi.service('api::lab.battery-import') as unknown as BatteryImportService;
    const options = await service.options({ name: 'arbin on the experiments page', description: 'three cycles' });
    id = (await service.importCsv(fs.createReadStream(path.join(OWN_FIXTURES, 'arbin-units.csv')), options)).experiment.id;
    const lead: any = await app.strapi.documents('api::lab.battery').create({
      data: { name: 'Alpha lead cell', technology: 'lead_acid', specification: [{ __component: 'lab.lead-acid' }] } as any,
    });
    const secondOptions = await service.options({ name: 'zz second run', station: 'bench-z', battery: lead.documentId });
    second = (await service.importCsv(fs.createReadStream(path.join(OWN_FIXTURES, 'arbin-units.csv')), secondOptions)).experiment.id;
    await app.strapi.db.query('api::lab.experiment').update({ where: { id: second }, data: { started_at: new Date('2020-01-01T10:00:00Z'), finished_at: new Date('2020-01-03T10:00:00Z'), sample_count: 40 } });
    browser = await launchBrowser();
    page = await adminPage(browser, app, ['Lab technician'], { width: 1440, height: 1300 });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('lists the experiment, found by search and filtered out by state', async () => {
    await page.getByRole('link', { name: 'Experiments', exact: true }).first().click();
    await page.waitForURL(/\/plugins\/dashboards\/lab-experiments/);
    const row = page.getByTestId(`experiment-row-${id}`);
    await row.waitFor({ timeout: 30_000 });
    const cells = await row.locator('td').allTextContents();
    expect(cells[0]).toBe('arbin on the experiments page');
    // Name, battery, technology, station, profile, state, source, samples, started, finished, cycles.
    expect(cells.slice(3, 8)).toEqual(['imported-files', '—', 'finished', 'imported', '72']);
    expect(cells[10]).toBe('3');
    expect((await page.getByTestId(`experiment-row-${second}`).locator('td').allTextContents()).slice(1, 4)).toEqual(['Alpha lead cell', 'lead acid', 'bench-z']);
    await page.getByRole('textbox', { name: 'Search by name' }).fill('no such experiment');
    await row.waitFor({ state: 'detached' });
    await page.getByRole('textbox', { name: 'Search by name' }).fill('EXPERIMENTS PAGE');
    await row.waitFor();
    await page.goto(`${app.url}/admin/plugins/dashboards/lab-experiments?state=running`);
    await page.getByTestId('experiments-total').getByText('0 experiments').waitFor({ timeout: 30_000 });
    expect(await row.count()).toBe(0);
    await page.goto(`${app.url}/admin/plugins/dashboards/lab-experiments?source=imported`);
    await row.waitFor({ timeout: 30_000 });
  });

  /** Our two experiments' row ids in the order shown. */
  const shownOrder = async () =>
    (await page.locator('tbody tr[data-testid^="experiment-row-"]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-testid')!.split('-').pop()))))
      .filter((e) => e === id || e === second);
  const waitForOrder = async (order: number[]) => {
    for (let i = 0; i < 100 && JSON.stringify(await shownOrder()) !== JSON.stringify(order); i++) await page.waitForTimeout(200);
    expect(await shownOrder()).toEqual(order);
  };

  it('sorts by a column header click, ascending then descending', async () => {
    await page.goto(`${app.url}/admin/plugins/dashboards/lab-experiments`);
    await page.getByTestId(`experiment-row-${second}`).waitFor({ timeout: 30_000 });
    await waitForOrder([second, id]); // newest first
    const header = (label: string) => page.locator('th', { has: page.getByRole('button', { name: `Sort by ${label}` }) });
    const samples = header('Samples');
    expect(await samples.getAttribute('aria-sort')).toBe('none');
    await page.getByRole('button', { name: 'Sort by Samples' }).click();
    await waitForOrder([second, id]); // 40 < 72
    expect(await samples.getAttribute('aria-sort')).toBe('ascending');
    await page.getByRole('button', { name: 'Sort by Name' }).click();
    await waitForOrder([id, second]); // "arbin on the experiments page" < "zz second run"
    expect(new URL(page.url()).searchParams.get('sort')).toBe('name:asc');
    await page.getByRole('button', { name: 'Sort by Name' }).click();
    await waitForOrder([second, id]);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('name:desc');
    expect(await header('Name').getAttribute('aria-sort')).toBe('descending');
    expect(await samples.getAttribute('aria-sort')).toBe('none');
    await page.getByRole('button', { name: 'Sort by Started' }).click();
    await waitForOrder([id, second]); // 2017 < 2020
  });

  it('narrows the rows by battery and by the period they ran in', async () => {
    await page.getByRole('combobox', { name: 'Battery' }).click();
    await page.getByRole('option', { name: 'Alpha lead cell' }).click();
    await page.getByTestId(`experiment-row-${id}`).waitFor({ state: 'detached', timeout: 15_000 });
    await waitForOrder([second]);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitForOrder([id, second]); // the sort stays
    await page.getByRole('textbox', { name: 'Ran from' }).fill('2020-01-02');
    await page.getByTestId(`experiment-row-${id}`).waitFor({ state: 'detached', timeout: 15_000 });
    await waitForOrder([second]); // started the day before, still running that day
    await page.getByRole('textbox', { name: 'Ran from' }).fill('2017-05-13');
    await page.getByRole('textbox', { name: 'Ran until' }).fill('2017-05-13');
    await page.getByTestId(`experiment-row-${second}`).waitFor({ state: 'detached', timeout: 15_000 });
    await waitForOrder([id]);
    expect(await page.getByTestId('experiments-total').textContent()).toBe('1 experiment');
    await page.screenshot({ path: artifact('lab-experiments-filtered.png'), fullPage: false });
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await waitForOrder([id, second]);
  });

  it('opens the preview: charts drawn, one summary row per cycle', async () => {
    await page.getByTestId(`experiment-row-${id}`).click();
    const preview = page.getByTestId('experiment-preview');
    await preview.waitFor({ timeout: 30_000 });
    await preview.getByRole('heading', { name: 'arbin on the experiments page' }).waitFor();
    for (const label of ['Voltage', 'Current', 'Temperature', 'Discharge capacity', 'Coulombic efficiency']) {
      await preview.getByRole('figure', { name: label, exact: true }).locator('svg.apexcharts-svg').waitFor({ timeout: 30_000 });
    }
    // The voltage line has a path with points, not an empty chart.
    expect(await preview.getByRole('figure', { name: 'Voltage', exact: true }).locator('path.apexcharts-area').count()).toBeGreaterThan(0);
    expect(await preview.getByTestId('preview-points').textContent()).toMatch(/^72 chart points/);
    // Levels keep their sign and decimals: the discharge current (-0.89 A) is below 0 on the axis, and
    // the voltage axis (3.5-4.1 V) does not start at 0.
    const axis = async (label: string) =>
      (await preview.getByRole('figure', { name: label, exact: true }).locator('.apexcharts-yaxis-label').allTextContents()).map(Number);
    expect(Math.min(...(await axis('Current')))).toBeLessThan(0);
    expect(Math.min(...(await axis('Voltage')))).toBeGreaterThan(3);
    expect(await preview.getByRole('grid', { name: 'Cycle summary' }).locator('tbody tr').count()).toBe(3);
    await page.waitForTimeout(500); // apexcharts' draw animation
    await page.screenshot({ path: artifact('lab-experiments.png'), fullPage: true });
  });

  it('zooms the time charts into a dragged window, re-queried, and resets', async () => {
    const preview = page.getByTestId('experiment-preview');
    // "<n> chart points[ (<s> s per point)][ of <total> samples]": the series route may answer from
    // rollups (no total) or bucket the whole run; 72 one-minute samples fit its 1,000 points either way.
    const pointsText = async () => (await preview.getByTestId('preview-points').textContent())!;
    const whole = await pointsText();
    expect(whole).toMatch(/^72 chart points/);
    expect(await preview.getByTestId('preview-window').textContent()).toMatch(/^Whole experiment: /);
    const series: string[] = [];
    page.on('request', (r) => r.url().includes(`/monitor/experiments/${id}/series`) && series.push(r.url()));
    const plot = preview.getByRole('figure', { name: 'Voltage', exact: true }).locator('svg .apexcharts-grid');
    const box = (await plot.boundingBox())!;
    // Drag across the middle fifth of the 71-minute run: about 14 one-minute samples.
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await preview.getByRole('button', { name: 'Reset zoom' }).waitFor({ timeout: 15_000 });
    for (let i = 0; i < 50 && (await pointsText()) === whole; i++) await page.waitForTimeout(200);
    const zoomedText = await pointsText();
    expect(zoomedText).not.toBe(whole);
    const shown = Number(zoomedText.split(' ')[0]);
    expect(shown).toBeGreaterThan(8);
    expect(shown).toBeLessThan(20);
    expect(await preview.getByTestId('preview-window').textContent()).toMatch(/^Zoomed to: /);
    // The window was asked of the server (epoch ms), not cut out of the whole series in the browser.
    const zoomed = new URL(series[series.length - 1]);
    const from = Number(zoomed.searchParams.get('from'));
    const to = Number(zoomed.searchParams.get('to'));
    expect(to - from).toBeGreaterThan(8 * 60_000);
    expect(to - from).toBeLessThan(20 * 60_000);
    expect(zoomed.searchParams.get('points')).toBe('1000');
    // Every chart shows that window: the current chart's x axis now reads minutes of one hour only.
    for (const label of ['Voltage', 'Current', 'Temperature']) {
      await preview.getByRole('figure', { name: label, exact: true }).locator('path.apexcharts-area').first().waitFor();
    }
    await page.waitForTimeout(300);
    await preview.screenshot({ path: artifact('lab-experiments-zoomed.png') });
    // The window is in the URL (an ISO interval): a reload, or the link sent to a colleague, shows it again.
    const interval = new URL(page.url()).searchParams.get('zoom')!.split('/').map((v) => Date.parse(v));
    expect(interval).toEqual([from, to]);
    await page.reload();
    await preview.getByRole('button', { name: 'Reset zoom' }).waitFor({ timeout: 30_000 });
    for (let i = 0; i < 50 && (await pointsText()) !== zoomedText; i++) await page.waitForTimeout(200);
    expect(await pointsText()).toBe(zoomedText);
    expect(await preview.getByTestId('preview-window').textContent()).toMatch(/^Zoomed to: /);
    await preview.getByRole('button', { name: 'Reset zoom' }).click();
    for (let i = 0; i < 50 && (await pointsText()) !== whole; i++) await page.waitForTimeout(200);
    expect(await pointsText()).toBe(whole);
    expect(await preview.getByTestId('preview-window').textContent()).toMatch(/^Whole experiment: /);
    expect(await preview.getByRole('button', { name: 'Reset zoom' }).count()).toBe(0);
    expect(new URL(page.url()).searchParams.has('zoom')).toBe(false);
  });

  it('downloads the CSV (BDF) and the HTML report', async () => {
    const preview = page.getByTestId('experiment-preview');
    const [csv] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), preview.getByRole('button', { name: 'Download CSV (BDF)' }).click()]);
    expect(csv.suggestedFilename()).toBe(`experiment-${id}.csv`);
    const lines = fs.readFileSync((await csv.path())!, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^Test Time \/ s,Unix Time \/ s,Voltage \/ V,Current \/ A/);
    expect(lines).toHaveLength(73);
    const [report] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), preview.getByRole('button', { name: 'Download HTML report' }).click()]);
    expect(report.suggestedFilename()).toMatch(new RegExp(`^experiment-${id}-.*\\.html$`));
    const html = fs.readFileSync((await report.path())!, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('arbin on the experiments page');
  });

  it('hides the page from a Race crew admin', async () => {
    const other = await adminPage(browser, app, ['Race crew'], { width: 1280, height: 900 });
    expect(await other.getByRole('link', { name: 'Experiments', exact: true }).count()).toBe(0);
    await other.goto(`${app.url}/admin/plugins/dashboards/lab-experiments`);
    await other.getByText(/don't have the permissions|no permission/i).first().waitFor({ timeout: 30_000 });
    expect(await other.getByTestId(`experiment-row-${id}`).count()).toBe(0);
    await other.context().close();
  });
});
