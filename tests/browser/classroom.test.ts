import type { Browser, Page } from 'playwright-core';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { createAdminUser, startStrapi, type TestApp } from '../helpers/strapi';
import { notebook, USERS_CSV } from '../classroom/helpers';

/**
 * The Classroom page as a Teacher uses it in the admin (names shown) and the student page as a
 * Student uses it (own rows only, no names), both in headless Chromium.
 */
describeWhen(chromiumMissing(), 'Classroom pages in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();
  // alice: three versions of problem1 (errors, then not run, then all ok) and one of problem2; bob: one, empty cells.
  const SNAPSHOTS = [
    { uid: 'alice', path: 'ps1/problem1.ipynb', taken_at: hoursAgo(30), content: notebook(['error', 'not_run', 'empty']) },
    { uid: 'alice', path: 'ps1/problem1.ipynb', taken_at: hoursAgo(20), content: notebook(['ok', 'stream', 'not_run']) },
    { uid: 'alice', path: 'ps1/problem1.ipynb', taken_at: hoursAgo(2), content: notebook(['ok', 'display', 'ok']) },
    { uid: 'alice', path: 'ps1/problem2.ipynb', taken_at: hoursAgo(5), content: notebook(['ok', 'error'], 'r') },
    { uid: 'bob', path: 'ps1/problem1.ipynb', taken_at: hoursAgo(10), content: notebook(['empty', 'empty', 'ok']) },
    { uid: 'bob', path: 'notes.txt', taken_at: hoursAgo(9), sha256: 'a'.repeat(64), size: 10 },
  ];

  beforeAll(async () => {
    app = await startStrapi({ serveAdminPanel: true, env: { CYCLER_BRIDGE_ENABLED: 'false' } });
    await app.strapi.plugin('ingest').service('classroomStudents').importCsv(USERS_CSV);
    const stored = await app.strapi.plugin('ingest').service('notebookSnapshots').ingestSnapshots(SNAPSHOTS, { maxFileBytes: 1e7 });
    expect(stored.stored).toBe(SNAPSHOTS.length);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const newPage = async () => (await browser.newContext({ viewport: { width: 1440, height: 1100 } })).newPage();
  const pointCount = (page: Page) => page.getByRole('figure', { name: 'Snapshots over time' }).getAttribute('data-points');

  /** Signs in to the admin with a new user of these roles and opens Classroom from the menu. */
  const adminPage = async (roles: string[]) => {
    const { email, password } = await createAdminUser(app.strapi, roles);
    const page = await newPage();
    await page.goto(`${app.url}/admin/auth/login`);
    await page.getByLabel(/^email/i).fill(email);
    await page.getByLabel(/^password/i).fill(password);
    await page.getByRole('button', { name: /login/i }).click();
    await page.waitForURL((url) => !/\/auth\//.test(url.pathname), { timeout: 60000 });
    await page.getByRole('button', { name: /^skip$/i }).click({ timeout: 3000 }).catch(() => undefined);
    await page.getByRole('link', { name: 'Classroom' }).click();
    await page.getByRole('figure', { name: 'Snapshots over time' }).waitFor({ timeout: 30000 });
    return page;
  };

  it('Teacher: opens Classroom from the menu, sees every student with names, filters, the heat map and a student detail', async () => {
    const page = await adminPage(['Teacher']);
    await page.waitForFunction(() => document.querySelector('[aria-label="Snapshots over time"]')?.getAttribute('data-points') === '6', undefined, { timeout: 30000 });
    const figure = page.getByRole('figure', { name: 'Snapshots over time' });
    expect(await figure.getAttribute('data-red')).toBe('2'); // alice's first problem1 and problem2
    expect(await figure.getAttribute('data-green')).toBe('2'); // alice's latest problem1 and her second (stream, nothing empty)
    expect(await figure.getAttribute('data-blue')).toBe('2'); // bob's notebook has empty cells; notes.txt has none
    expect(await figure.locator('.apexcharts-bubble-series circle, .apexcharts-series circle, .apexcharts-series path').count()).toBeGreaterThan(0);
    await expect(page.locator('[data-student="alice"]').textContent()).resolves.toContain('Alice Liddell');
    await expect(page.locator('[data-student="bob"]').textContent()).resolves.toContain('Bob Marley');

    const heat = page.getByRole('table', { name: 'Problem heat map' });
    await heat.waitFor({ timeout: 15000 });
    const outcome = async (row: string, col: number) => heat.locator('tbody tr').filter({ has: page.locator(`th:text-is("${row}")`) }).locator('td').nth(col).getAttribute('data-outcome');
    expect([await outcome('q1', 0), await outcome('q2', 0), await outcome('q3', 0)]).toEqual(['ok', 'display', 'ok']);
    expect([await outcome('q1', 1), await outcome('r2', 0), await outcome('r2', 1)]).toEqual(['empty', 'error', 'none']);

    await page.locator('[data-student="alice"]').click();
    const versions = page.getByRole('table', { name: 'Student versions' });
    await versions.waitFor({ timeout: 15000 });
    expect(await versions.locator('tbody tr').count()).toBe(4);
    await expect(page.getByTestId('student-attributes').textContent()).resolves.toContain('student_number: S-1001');
    await page.screenshot({ path: artifact('classroom-teacher.png'), fullPage: true });

    await page.getByLabel('Path (regular expression)').fill('problem2');
    await page.waitForFunction(() => document.querySelector('[aria-label="Snapshots over time"]')?.getAttribute('data-points') === '1', undefined, { timeout: 15000 });
    await page.getByLabel('Path (regular expression)').fill('');
    await page.getByRole('checkbox', { name: 'Latest version only' }).click();
    await page.waitForFunction(() => document.querySelector('[aria-label="Snapshots over time"]')?.getAttribute('data-points') === '4', undefined, { timeout: 15000 });
    await page.getByLabel('From').fill('-6 hours');
    await page.waitForFunction(() => document.querySelector('[aria-label="Snapshots over time"]')?.getAttribute('data-points') === '2', undefined, { timeout: 15000 });
    await page.getByLabel('From').fill('yesterday');
    await page.getByTestId('classroom-error').waitFor({ timeout: 15000 });
    await expect(page.getByTestId('classroom-error').textContent()).resolves.toMatch(/from/);
    await page.context().close();
  });

  it('Student: signs in on the student page and sees only their own notebooks, without names', async () => {
    const role = await app.strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'student' } });
    // The plugin's user service hashes the password (a raw query would store it as typed and sign-in would fail).
    const user = await app.strapi.plugin('users-permissions').service('user').add({
      username: 'alice-student', email: 'alice-login@example.test', password: 'Test-password-1', confirmed: true, blocked: false, role: role.id, provider: 'local',
    });
    const alice = await app.strapi.db.query('api::classroom.student').findOne({ where: { uid: 'alice' } });
    await app.strapi.documents('api::classroom.student').update({ documentId: alice.documentId, data: { user: user.id } as any });

    const page = await newPage();
    const responses: string[] = [];
    page.on('response', async (res) => {
      if (res.url().includes('/api/dashboards/classroom/') && !res.url().includes('/page')) responses.push(await res.text().catch(() => ''));
    });
    await page.goto(`${app.url}/api/dashboards/classroom/page`);
    await page.getByLabel('E-mail or username').fill('alice-login@example.test');
    await page.getByLabel('Password').fill('Test-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const versions = page.getByRole('table', { name: 'My versions' });
    await versions.waitFor({ timeout: 15000 }).catch(async (error) => {
      await page.screenshot({ path: artifact('classroom-student-failed.png'), fullPage: true });
      throw new Error(`${error.message}\npage text: ${await page.locator('body').innerText()}`);
    });
    expect(await versions.locator('tbody tr').count()).toBe(4);
    expect(await page.locator('#timeline svg').getAttribute('data-points')).toBe('4');
    expect(await page.locator('#timeline circle').count()).toBe(4);
    expect(await page.locator('#timeline circle[data-color="red"]').count()).toBe(2);
    expect(await page.locator('#who').textContent()).toContain('alice');
    const heat = page.getByRole('table', { name: 'My problems' });
    await heat.waitFor();
    expect(await heat.locator('thead th').allTextContents()).toEqual(['Problem (ps1)', 'alice']);
    const text = await page.locator('body').innerText();
    for (const hidden of ['Alice Liddell', 'alice@example.test', 'bob', 'Bob Marley', 'S-1001']) expect(text).not.toContain(hidden);
    expect(responses.length).toBeGreaterThanOrEqual(3);
    for (const body of responses) for (const hidden of ['Alice Liddell', 'alice@example.test', '"bob"', 'S-1001']) expect(body).not.toContain(hidden);
    await page.screenshot({ path: artifact('classroom-student.png'), fullPage: true });

    // A wrong password stays on the sign-in form with the server's message.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('E-mail or username').fill('alice-login@example.test');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /invalid/i }).waitFor({ timeout: 10000 });
    await page.context().close();
  });

  it('Teacher: imports users.csv from the Classroom page with progress, and sees the counts and every rejected row by line; Analyst has no import', async () => {
    // 400 students, then two bad rows: lines 402 (no notebooks) and 403 (bad e-mail).
    const rows = Array.from({ length: 400 }, (_, i) => `imp${String(i).padStart(3, '0')},home/imp${i}/notebooks,Imported ${i},imp${i}@example.test,green,N-${i}`);
    const csv = ['uid,notebooks,real_name,email,team,student_number', ...rows, 'nobooks,,No Books,,,', 'mailer,m/notebooks,Mailer,not-an-email,,'].join('\n');
    const page = await adminPage(['Teacher']);
    const importer = page.getByTestId('students-import');
    await importer.getByRole('button', { name: 'Import students (users.csv)' }).waitFor({ timeout: 15000 });
    // Every progress value shown, recorded by the page itself (the import may be over before a poll).
    await page.evaluate(() => {
      const seen: string[] = ((window as any).__importProgress = []);
      new MutationObserver(() => {
        const bar = document.querySelector('[data-testid="students-import-progress"]');
        const value = bar?.getAttribute('data-percent');
        if (value && seen[seen.length - 1] !== value) seen.push(value);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await page.getByTestId('students-file').setInputFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const result = page.getByTestId('students-import-result');
    await result.waitFor({ timeout: 60000 });
    await expect(page.getByTestId('students-import-summary').textContent()).resolves.toBe('users.csv: 400 created, 0 updated, 2 rejected');
    const rejected = await page.getByTestId('students-import-rejected').allInnerTexts();
    expect(rejected.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual(['402 notebooks is empty for uid "nobooks"', '403 email "not-an-email" is not an e-mail address']);
    const progress: string[] = await page.evaluate(() => (window as any).__importProgress);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.filter((p) => Number(p) > 10 && Number(p) < 100)).not.toEqual([]); // seen: the import phase between upload and done
    expect(await app.strapi.db.query('api::classroom.student').count({ where: { uid: { $startsWith: 'imp' } } })).toBe(400);
    await result.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact('classroom-import.png'), fullPage: false });
    await page.context().close();

    const analyst = await adminPage(['Analyst']);
    await analyst.getByRole('heading', { name: 'Snapshots over time' }).waitFor({ timeout: 15000 });
    expect(await analyst.getByTestId('students-import').count()).toBe(0);
    await analyst.context().close();
  });
});
