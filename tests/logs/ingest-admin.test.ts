import type { Browser } from 'playwright-core';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { createAdminUser, startStrapi, type TestApp } from '../helpers/strapi';

describeWhen(chromiumMissing(), 'log service token action in the Content Manager (browser)', () => {
  let app: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startStrapi({ serveAdminPanel: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('creates a token from the edit view, shows it once, and the token posts logs', async () => {
    const { email, password } = await createAdminUser(app.strapi, ['Super Admin']);
    const service = await app.strapi.documents('api::logs.log-service').create({ data: { name: 'browser-svc' } as any });
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(`${app.url}/admin/auth/login`);
    await page.getByLabel(/^email/i).fill(email);
    await page.getByLabel(/^password/i).fill(password);
    await page.getByRole('button', { name: /login/i }).click();
    await page.waitForURL((url) => !/\/auth\//.test(url.pathname), { timeout: 60000 });

    await page.goto(`${app.url}/admin/content-manager/collection-types/api::logs.log-service/${service.documentId}`);
    await page.getByRole('button', { name: 'Create token' }).first().click({ timeout: 60000 });
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const shown = dialog.getByTestId('ingest-token');
    await shown.waitFor({ timeout: 30000 });
    const token = (await shown.textContent())?.trim() ?? '';
    expect(token).toMatch(/^tbl_[A-Za-z0-9]{8}_[A-Za-z0-9]{32}$/);
    expect(await dialog.getByText(/will never be shown again/).count()).toBe(1);
    await page.screenshot({ path: artifact('ingest-token-dialog.png') });

    const res = await app.http().post('/api/ingest/logs').set('Authorization', `Token ${token}`).send({ message: 'from the browser token' });
    expect(res.status).toBe(200);
    const stored = await app.strapi.db.query('api::logs.log-service').findOne({ where: { id: service.id } });
    expect(token.startsWith(stored.token_prefix)).toBe(true);
  });
});
