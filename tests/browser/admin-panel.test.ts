import type { Browser, Page } from 'playwright-core';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { startStrapi, type TestApp } from '../helpers/strapi';

describeWhen(chromiumMissing(), 'admin panel in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  const admin = { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@tallyboard.test', password: 'Tallyboard-2026' };

  beforeAll(async () => {
    app = await startStrapi({ serveAdminPanel: true });
    for (const name of ['Cell 7 formation', 'Cell 9 ageing']) {
      await app.strapi.documents('api::lab.experiment').create({ data: { name, state: 'queued', source: 'live' } as any });
    }
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const fresh = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    return context.newPage();
  };

  it('creates the first admin, logs in and sees the Experiment list', async () => {
    // 1. First visit: Strapi asks for the first administrator.
    const first = await fresh();
    await first.goto(`${app.url}/admin`);
    await first.waitForURL(/register-admin/, { timeout: 60000 });
    await first.getByLabel(/first name/i).fill(admin.firstname);
    await first.getByLabel(/last name/i).fill(admin.lastname);
    await first.getByLabel(/^email/i).fill(admin.email);
    await first.getByLabel(/^password/i).fill(admin.password);
    await first.getByLabel(/confirm password/i).fill(admin.password);
    await first.getByRole('button', { name: /let's start/i }).click();
    await first.waitForURL((url) => !/register-admin/.test(url.pathname), { timeout: 60000 });
    expect(await app.strapi.db.query('admin::user').count({ where: { email: admin.email } })).toBe(1);
    await first.context().close();

    // 2. A new browser session logs in with those credentials.
    const page = await fresh();
    await page.goto(`${app.url}/admin/auth/login`);
    await page.getByLabel(/^email/i).fill(admin.email);
    await page.getByLabel(/^password/i).fill(admin.password);
    await page.getByRole('button', { name: /login/i }).click();
    await page.waitForURL((url) => !/\/auth\//.test(url.pathname), { timeout: 60000 });

    // 3. Content Manager -> Experiment, through the menus a person would use.
    await page.getByRole('link', { name: /content manager/i }).first().click();
    // A first-time admin gets Strapi's guided tour over the page; a person would skip it.
    const skipTour = page.getByRole('button', { name: /^skip$/i });
    await skipTour
      .waitFor({ state: 'visible', timeout: 5000 })
      .then(() => skipTour.click())
      .catch(() => undefined);
    await page.getByRole('link', { name: /^experiment$/i }).first().click();
    await page.waitForURL(/api::lab\.experiment/, { timeout: 30000 });
    await page.getByText('Cell 7 formation').waitFor({ timeout: 30000 });
    await page.getByText('Cell 9 ageing').waitFor({ timeout: 30000 });
    expect(await page.getByRole('heading', { name: /^experiment$/i }).isVisible()).toBe(true);
    // The experiment's own state column, not Strapi's draft/published badge (see docs/ARCHITECTURE.md).
    expect(await page.getByRole('gridcell', { name: 'queued' }).count()).toBe(2);
    await page.screenshot({ path: artifact('admin-experiment-list.png'), fullPage: false });
  });
});
