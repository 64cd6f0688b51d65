import fs from 'fs';
import type { Browser, Page } from 'playwright-core';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { createAdminUser, startStrapi, type TestApp } from '../helpers/strapi';

/**
 * The Logs page and the errors widget of the dashboards plugin, driven like a person would: log in,
 * read the homepage widget, open Logs from the menu, filter, scroll, download, zoom, live tail.
 */
describeWhen(chromiumMissing(), 'Logs dashboard in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  const now = Date.now();
  const minutesAgo = (m: number) => new Date(now - m * 60000);

  // 4 errors for pagos, 2 for pedidos, none for chat; 120 INFO lines so the table needs a second page.
  const ERRORS = [
    { service: 'pagos', severity: 'ERROR', message: 'Tarjeta rechazada por el banco emisor', m: 5 },
    { service: 'pagos', severity: 'ERROR', message: 'Timeout al contactar con la pasarela', m: 65 },
    { service: 'pagos', severity: 'ERROR', message: 'Tarjeta rechazada por el banco emisor', m: 125 },
    { service: 'pagos', severity: 'FATAL', message: 'Pasarela de pagos no disponible', m: 185 },
    { service: 'pedidos', severity: 'ERROR', message: 'No se pudo reservar stock', m: 245 },
    { service: 'pedidos', severity: 'ERROR', message: 'Error al generar la etiqueta de envío', m: 305 },
    { service: 'pedidos', severity: 'ERROR', message: 'Error de ayer, fuera de las 24 h', m: 60 * 30 },
  ];
  const INFO_COUNT = 120;

  beforeAll(async () => {
    app = await startStrapi({ serveAdminPanel: true });
    for (const name of ['chat', 'pagos', 'pedidos']) await app.strapi.db.query('api::logs.log-service').create({ data: { name, active: true } });
    const rows = [
      ...ERRORS.map((e) => ({ service_name: e.service, severity: e.severity, message: e.message, timestamp: minutesAgo(e.m), host: `${e.service}-1` })),
      ...Array.from({ length: INFO_COUNT }, (_, i) => ({
        service_name: 'chat',
        severity: 'INFO',
        message: `Mensaje de chat número ${i + 1}`,
        timestamp: minutesAgo(7 + i * 9),
        host: 'chat-1',
        attributes: { conversation: `c-${i + 1}` },
      })),
    ];
    await app.strapi.db.query('api::logs.log-entry').createMany({ data: rows.map((r) => ({ ...r, received_at: r.timestamp })) });
    // The ingest plugin declares this topic in the full app; this branch stands in for it.
    app.strapi.plugin('realtime').service('realtime').registerTopic('logs:tail', { adminPermissions: [{ action: 'plugin::dashboards.logs.read' }] });

    const { email, password } = await createAdminUser(app.strapi, ['Super Admin']);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    page = await context.newPage();
    await page.goto(`${app.url}/admin/auth/login`);
    await page.getByLabel(/^email/i).fill(email);
    await page.getByLabel(/^password/i).fill(password);
    await page.getByRole('button', { name: /login/i }).click();
    await page.waitForURL((url) => !/\/auth\//.test(url.pathname), { timeout: 60000 });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const skipTour = async () => {
    const skip = page.getByRole('button', { name: /^skip$/i });
    await skip.waitFor({ state: 'visible', timeout: 3000 }).then(() => skip.click()).catch(() => undefined);
  };
  const entryRows = () => page.locator('table[aria-label="Log entries"] tbody tr[data-row="entry"]');
  const waitForRows = async (count: number) => {
    await page.waitForFunction(
      (n) => document.querySelectorAll('table[aria-label="Log entries"] tbody tr[data-row="entry"]').length === n,
      count,
      { timeout: 30000 },
    );
  };

  it('lists the services with their errors of the last 24 h on the homepage widget', async () => {
    await skipTour();
    const widget = page.getByRole('list', { name: 'Errors per service' });
    await widget.waitFor({ timeout: 30000 });
    await widget.scrollIntoViewIfNeeded();
    const items = await widget.locator('li').evaluateAll((lis) =>
      lis.map((li) => [li.getAttribute('data-service'), li.querySelector('[data-testid="error-count"]')?.textContent]),
    );
    expect(items).toEqual([
      ['pagos', '4'],
      ['pedidos', '2'],
    ]);
    expect(await widget.getByRole('link').first().getAttribute('href')).toMatch(/\/admin\/plugins\/dashboards\/logs\?service=pagos&severity=ERROR%2CFATAL&range=24h$/);
    await page.screenshot({ path: artifact('logs-homepage-widget.png') });
  });

  it('opens Logs from the menu with the newest entries, a histogram and infinite scroll', async () => {
    await page.getByRole('link', { name: /^logs$/i }).first().click();
    await page.waitForURL(/\/plugins\/dashboards\/logs/, { timeout: 30000 });
    await skipTour();
    await waitForRows(100); // first page (the API's default limit)
    const first = await entryRows().first().locator('td').allInnerTexts();
    expect(first.slice(1, 4)).toEqual(['pagos', 'ERROR', 'pagos-1']);
    expect(first[4]).toContain('Tarjeta rechazada por el banco emisor');

    // Histogram: an apexcharts SVG with bars in it.
    // Zero-count buckets are drawn as hidden zero-height paths: count the visible ones.
    const drawnBars = () =>
      page.$$eval('[aria-label="Log histogram"] svg .apexcharts-bar-area', (paths) => paths.filter((p) => Number(p.getAttribute('barHeight')) > 0).length);
    await page.waitForFunction(() => document.querySelectorAll('[aria-label="Log histogram"] svg .apexcharts-bar-area[barHeight]').length > 0, null, { timeout: 30000 });
    expect(await drawnBars()).toBeGreaterThan(5);
    await page.screenshot({ path: artifact('logs-page.png') });

    // Scrolling to the end loads the next page with the cursor: every entry of the last 24 h.
    const inRange = ERRORS.filter((e) => e.m < 24 * 60).length + Array.from({ length: INFO_COUNT }, (_, i) => 7 + i * 9).filter((m) => m < 24 * 60).length;
    await page.getByTestId('logs-sentinel').scrollIntoViewIfNeeded();
    await waitForRows(inRange);
    await page.getByText(/^End of results/).waitFor({ timeout: 30000 });
  });

  it('narrows the rows with the severity and text filters', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByRole('combobox', { name: 'Severities' }).click();
    await page.getByRole('option', { name: 'ERROR' }).click();
    await page.getByRole('option', { name: 'FATAL' }).click();
    await page.keyboard.press('Escape');
    await waitForRows(6);
    const severities = await entryRows().evaluateAll((rows) => rows.map((r) => r.getAttribute('data-severity')));
    expect(new Set(severities)).toEqual(new Set(['ERROR', 'FATAL']));
    expect(page.url()).toMatch(/severity=ERROR%2CFATAL/);

    await page.getByPlaceholder('Search text').fill('tarjeta');
    await waitForRows(2);
    const messages = await entryRows().locator('td:nth-child(5)').allInnerTexts();
    expect(messages.every((m) => m.includes('Tarjeta rechazada'))).toBe(true);
    await page.screenshot({ path: artifact('logs-page-filtered.png') });
  });

  it('downloads the CSV of the current query', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 30000 }),
      page.getByRole('button', { name: /download csv of this query/i }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^logs-.*\.csv$/);
    const file = artifact('logs-export.csv');
    await download.saveAs(file);
    const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('id,documentId,service,timestamp,received_at,severity,message,attributes,host');
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).every((l) => l.includes(',pagos,') && l.includes('Tarjeta rechazada'))).toBe(true);
  });

  it('zooms the histogram into an absolute range that re-queries', async () => {
    await page.getByPlaceholder('Search text').fill('');
    await waitForRows(6);
    const plot = page.locator('[aria-label="Log histogram"] svg .apexcharts-grid');
    // ApexCharts redraws its SVG when the counts arrive for the cleared search: a grid read mid-redraw has
    // no box (CI failed there once), so it is read again until it has one.
    let box: Awaited<ReturnType<typeof plot.boundingBox>> = null;
    for (let attempt = 0; !box && attempt < 50; attempt++) {
      await plot.waitFor({ state: 'visible', timeout: 15000 });
      box = await plot.boundingBox();
      if (!box) await page.waitForTimeout(100);
    }
    if (!box) throw new Error('the histogram grid never had a box');
    // Drag across the most recent ~quarter of the 24 h axis (the errors of the last ~4 h).
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL(/range=[^&]*\.\./, { timeout: 15000 });
    const range = decodeURIComponent(new URL(page.url()).searchParams.get('range')!);
    const [from, to] = range.split('..').map((t) => Date.parse(t));
    expect(to - from).toBeLessThan(8 * 3600000);
    const expected = ERRORS.filter((e) => minutesAgo(e.m).getTime() >= from && minutesAgo(e.m).getTime() <= to).length;
    await waitForRows(expected);
    await page.screenshot({ path: artifact('logs-page-zoomed.png') });
  });

  it('prepends live-tail lines and shows skipped markers', async () => {
    // Back to a range that includes "now" (a zoomed, absolute range ignores newer lines).
    await page.getByRole('combobox', { name: 'Time range' }).click();
    await page.getByRole('option', { name: 'Last 24 hours' }).click();
    await page.waitForURL(/range=24h/, { timeout: 15000 });
    await waitForRows(6);
    await page.getByRole('switch', { name: 'Live tail' }).click();
    await page.getByTestId('live-status').filter({ hasText: 'Streaming new lines' }).waitFor({ timeout: 15000 });
    const before = await entryRows().count();
    const line = (id: number, severity: string, message: string) => ({
      id, documentId: `live${id}`, service: 'pagos', timestamp: new Date().toISOString(), received_at: new Date().toISOString(),
      severity, message, attributes: null, host: 'pagos-9',
    });
    app.strapi.plugin('realtime').service('realtime').publish('logs:tail', 'logs:lines', {
      lines: [line(900001, 'ERROR', 'Cobro duplicado en vivo'), line(900002, 'INFO', 'Filtered out by severity')],
      skipped: 7,
    });
    await page.getByText('Cobro duplicado en vivo').waitFor({ timeout: 15000 });
    await page.getByText(/skipped 7 lines/).waitFor({ timeout: 15000 });
    expect(await entryRows().count()).toBe(before + 1);
    expect(await entryRows().first().locator('td:nth-child(5)').innerText()).toContain('Cobro duplicado en vivo');
    await page.screenshot({ path: artifact('logs-page-live-tail.png') });
  });

  it('hides Logs from a Race crew admin and refuses the page itself', async () => {
    const { email, password } = await createAdminUser(app.strapi, ['Race crew']);
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const crew = await context.newPage();
    await crew.goto(`${app.url}/admin/auth/login`);
    await crew.getByLabel(/^email/i).fill(email);
    await crew.getByLabel(/^password/i).fill(password);
    await crew.getByRole('button', { name: /login/i }).click();
    await crew.waitForURL((url) => !/\/auth\//.test(url.pathname), { timeout: 60000 });
    await crew.getByRole('link', { name: /content manager/i }).first().waitFor({ timeout: 30000 });
    expect(await crew.getByRole('link', { name: /^logs$/i }).count()).toBe(0);
    // Once the homepage's widget frames are drawn (the profile widget's link), ours must not be among them.
    await crew.getByText('Profile settings').waitFor({ timeout: 30000 });
    expect(await crew.getByText(/errors in the last 24 h/i).count()).toBe(0);
    await crew.goto(`${app.url}/admin/plugins/dashboards/logs`);
    await crew.getByText("You don't have the permissions to access that content").waitFor({ timeout: 30000 });
    expect(await crew.locator('table[aria-label="Log entries"]').count()).toBe(0);
    await crew.screenshot({ path: artifact('logs-page-race-crew.png') });
    await context.close();
  });
});
