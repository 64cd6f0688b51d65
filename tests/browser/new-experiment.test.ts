import type { Browser, Page } from 'playwright-core';
import { CyclerSimulator } from '../../scripts/cycler-simulator';
import { artifact, launchBrowser } from '../helpers/browser';
import { chromiumMissing, describeWhen } from '../helpers/services';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { bridge, bridgeEnv, createLabFixture, embeddedUrl, uniqueNames, waitFor, type LabFixture } from '../lab/helpers';
import { adminPage } from './race-fixtures';

/**
 * The New-experiment page in Chromium, with a simulated cycler on the compatible station: technology,
 * battery, station and profile are picked from what the server offers; a bad profile (uploaded, then
 * typed) shows every problem with its line; a good one is queued, dispatched to the cycler and the
 * monitor opens on it. Creating a battery in the Content Manager lands on this page with it chosen.
 * A Race crew admin sees neither the link nor the page.
 */
const names = uniqueNames(__filename);
const STATION = names.station('ok');
const NARROW = names.station('narrow');
const SPARE = names.station('spare'); // compatible, no cycler: still available once STATION runs the experiment

const BAD_FILE = ['# uploaded', 'CV, 4.1, VOLTAGE, 3', 'CC, 1, TIME, 10', 'WAIT'].join('\n');

describeWhen(chromiumMissing(), 'New experiment page in a browser', () => {
  let app: TestApp;
  let browser: Browser;
  let sim: CyclerSimulator;
  let fixture: LabFixture;
  let batteryName: string;
  let savedProfile: string;
  let page: Page;

  /** Picks an option of the design-system select labelled `label`; returns the options it offered. */
  const choose = async (p: Page, label: string, option: string | RegExp) => {
    await p.getByRole('combobox', { name: label }).click();
    const listbox = p.getByRole('listbox');
    await listbox.waitFor();
    const offered = (await listbox.getByRole('option').allTextContents()).map((t) => t.trim());
    await listbox.getByRole('option', { name: option }).click();
    return offered;
  };

  beforeAll(async () => {
    // The narrow station is marked available by hand: a long timeout keeps it online without a cycler.
    app = await startStrapi({ serveAdminPanel: true, env: bridgeEnv(names, { LAB_STATION_TIMEOUT_MS: '600000' }) });
    await bridge(app.strapi).ready();
    fixture = await createLabFixture(app.strapi, [STATION, NARROW, SPARE], 'CC, 1, TIME, 60\nWAIT, 10');
    await app.strapi.db.query('api::lab.cycler-station').update({ where: { id: fixture.stationIds[NARROW] }, data: { state: 'available', last_heartbeat_at: new Date(), max_voltage_v: 3 } });
    await app.strapi.db.query('api::lab.cycler-station').update({ where: { id: fixture.stationIds[SPARE] }, data: { state: 'available', last_heartbeat_at: new Date() } });
    batteryName = (await app.strapi.db.query('api::lab.battery').findOne({ where: { id: fixture.batteryId } })).name;
    savedProfile = (await app.strapi.db.query('api::lab.profile').findOne({ where: { id: fixture.profileId } })).name;
    await app.strapi.documents('api::lab.profile').create({ data: { name: 'too strong', instructions: 'CC, 9, TIME, 10' } as any });
    await app.strapi.documents('api::lab.battery').create({ data: { name: 'lead-1', technology: 'lead_acid', min_voltage_v: 10.5, max_voltage_v: 14.4, max_charge_current_a: 5, max_discharge_current_a: 10 } as any });
    sim = new CyclerSimulator({ url: embeddedUrl(app.strapi), topicPrefix: names.topicPrefix, stations: [STATION], clientIdPrefix: names.simClientPrefix, hz: 10, speedup: 5, heartbeatMs: 500 });
    await sim.start();
    await waitFor('station available', async () => (await app.strapi.db.query('api::lab.cycler-station').findOne({ where: { id: fixture.stationIds[STATION] } }))?.state === 'available');
    browser = await launchBrowser();
    page = await adminPage(browser, app, ['Lab technician'], { width: 1440, height: 1300 });
  });
  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await app?.stop();
  });

  it('offers only compatible batteries, stations and profiles', async () => {
    await page.getByRole('link', { name: 'New experiment', exact: true }).first().click();
    await page.waitForURL(/\/plugins\/cycler-bridge\/new-experiment/);
    expect(await choose(page, 'Technology', 'Lithium')).toEqual(['Lithium', 'Lead-acid', 'Redox flow']);
    const batteries = await choose(page, 'Battery', batteryName);
    expect(batteries).toContain(batteryName);
    expect(batteries).not.toContain('lead-1');
    const stations = await choose(page, 'Cycler station', STATION);
    expect(stations).toEqual([STATION, SPARE]); // the narrow station (max 3 V) does not cover 4.2 V
    expect(await page.getByRole('link', { name: 'New battery' }).getAttribute('href')).toBe('/admin/content-manager/collection-types/api::lab.battery/create?then=new-experiment');
    await page.getByTestId('limits').waitFor();
    expect(await page.getByTestId('limits').textContent()).toContain('2.5 .. 4.2 V, -5 .. 3 A');
    const profiles = await choose(page, 'Profile', savedProfile);
    expect(profiles).toContain(savedProfile);
    expect(profiles).not.toContain('too strong');
    await page.getByTestId('profile-preview').waitFor();
    await page.getByRole('button', { name: 'Check profile' }).click();
    await page.getByTestId('profile-ok').waitFor();
    expect(await page.getByTestId('profile-ok').textContent()).toContain('2 steps');
  });

  it('shows every problem of an uploaded or written profile with its line, and saves nothing', async () => {
    await page.getByRole('radio', { name: 'Write or upload one' }).click();
    await page.getByLabel('Upload a profile file').setInputFiles({ name: 'bad-profile.txt', mimeType: 'text/plain', buffer: Buffer.from(BAD_FILE) });
    await waitFor('the uploaded text in the editor', async () => (await page.getByLabel('Instructions').inputValue()) === BAD_FILE, 10_000);
    expect(await page.getByLabel('Profile name').inputValue()).toBe('bad-profile');
    await page.getByRole('button', { name: 'Check profile' }).click();
    const issues = page.getByTestId('profile-issues');
    await issues.waitFor();
    const items = issues.locator('li');
    expect(await items.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))))).toEqual([2, 4]);
    expect(await items.nth(0).textContent()).toBe('Line 2 (CV, 4.1, VOLTAGE, 3): CV cannot end on VOLTAGE: use TIME or CURRENT');
    expect(await items.nth(1).textContent()).toMatch(/^Line 4 \(WAIT\): WAIT takes 2 elements/);
    await page.screenshot({ path: artifact('new-experiment-errors.png'), fullPage: true });

    // Parses, but outside battery ∩ station: refused on save too, with the line.
    await page.getByLabel('Instructions').fill('WAIT, 5\nCC, 8, TIME, 10');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Too strong run');
    await page.getByRole('button', { name: 'Queue experiment and open the monitor' }).click();
    await issues.waitFor();
    expect(await issues.locator('li').allTextContents()).toEqual([expect.stringMatching(/^Line 2 \(CC, 8, TIME, 10\): CC current 8 A is outside battery .* ∩ station .* \(-5 A \.\. 3 A\)$/)]);
    expect(page.url()).toMatch(/new-experiment/);
    expect(await app.strapi.db.query('api::lab.experiment').count({ where: { name: 'Too strong run' } })).toBe(0);
  });

  it('queues a good profile, dispatches it and opens the monitor on it', async () => {
    await page.getByLabel('Instructions').fill('# browser run\nCC, 1, TIME, 600\nWAIT, 30');
    await page.getByLabel('Profile name').fill('Browser profile');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Browser run');
    await page.getByRole('button', { name: 'Queue experiment and open the monitor' }).click();
    await page.waitForURL(/lab-monitor\?experiment=\d+/, { timeout: 30_000 });
    const id = Number(new URL(page.url()).searchParams.get('experiment'));
    const stored = await app.strapi.db.query('api::lab.experiment').findOne({ where: { id }, populate: ['profile', 'battery', 'cycler_station'] });
    expect(stored).toMatchObject({ name: 'Browser run', profile: { name: 'Browser profile' }, battery: { id: fixture.batteryId }, cycler_station: { name: STATION } });
    expect(stored.profile.steps).toHaveLength(2);
    await page.getByTestId('monitor-experiment').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('monitor-experiment').textContent()).toBe('Browser run');
    expect(await page.getByTestId('monitor-station').textContent()).toBe(`Station: ${STATION}`);
    // The simulated cycler runs it: the monitor goes live and its charts fill.
    await page.getByText('live: live').waitFor({ timeout: 15_000 });
    await waitFor('samples on the monitor', async () => Number(((await page.getByTestId('monitor-points').textContent()) ?? '0').split(' ')[0]) > 5, 20_000, 250);
    expect(await page.getByTestId('monitor-state').textContent()).toBe('State: running');
    expect(await page.getByTestId('monitor-step').textContent()).toContain('CC, 1, TIME, 600');
    await page.screenshot({ path: artifact('new-experiment-monitor.png'), fullPage: true });
  });

  it('lands on the page with the battery chosen after creating a battery in the Content Manager', async () => {
    await page.goto(`${app.url}/admin/content-manager/collection-types/api::lab.battery`);
    await page.getByRole('link', { name: /create new entry/i }).first().click();
    await page.waitForURL(/api::lab\.battery\/create/);
    const handOff = page.getByRole('checkbox', { name: 'After saving, create an experiment with this battery' });
    await handOff.waitFor();
    expect(await handOff.getAttribute('aria-checked')).toBe('true');
    await page.waitForURL(/then=new-experiment/);
    const input = (field: string) => page.locator(`input[name="${field}"]`);
    await input('name').fill('cell-from-cm');
    await page.getByRole('combobox', { name: /^technology/i }).click();
    await page.getByRole('option', { name: 'lithium' }).click();
    await input('min_voltage_v').fill('2.8');
    await input('max_voltage_v').fill('4.1');
    await input('max_charge_current_a').fill('2');
    await input('max_discharge_current_a').fill('4');
    await page.screenshot({ path: artifact('new-experiment-battery-create.png'), fullPage: true });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/plugins\/cycler-bridge\/new-experiment\?battery=/, { timeout: 30_000 });
    const created = await app.strapi.db.query('api::lab.battery').findOne({ where: { name: 'cell-from-cm' } });
    expect(new URL(page.url()).searchParams.get('battery')).toBe(created.documentId);
    await page.waitForURL(/technology=lithium/);
    // The select shows its label one render after the URL changes.
    await waitFor('technology chosen', async () => ((await page.getByRole('combobox', { name: 'Technology' }).textContent()) ?? '').includes('Lithium'));
    await waitFor('battery chosen', async () => ((await page.getByRole('combobox', { name: 'Battery' }).textContent()) ?? '').includes('cell-from-cm'));
    // Its stations are offered at once (STATION now runs the experiment queued above: not available).
    const stations = await choose(page, 'Cycler station', SPARE);
    expect(stations).toEqual([SPARE]);
    await page.screenshot({ path: artifact('new-experiment-landing.png'), fullPage: true });

    // A link naming a station the battery does not allow: the reason is shown and the station dropped.
    const narrow = await app.strapi.db.query('api::lab.cycler-station').findOne({ where: { id: fixture.stationIds[NARROW] } });
    await page.goto(`${app.url}/admin/plugins/cycler-bridge/new-experiment?battery=${created.documentId}&station=${narrow.documentId}`);
    await page.getByText(`station "${narrow.documentId}" is not available for this battery`).waitFor({ timeout: 30_000 });
    await waitFor('the station dropped from the URL', () => !new URL(page.url()).searchParams.has('station'));

    // Opening an existing battery only offers the link, it does not send the user away.
    await page.goto(`${app.url}/admin/content-manager/collection-types/api::lab.battery/${created.documentId}`);
    const link = page.getByRole('link', { name: 'New experiment with this battery' });
    await link.waitFor({ timeout: 60_000 }).catch(async (error) => {
      await page.screenshot({ path: artifact('new-experiment-edit-view-failed.png'), fullPage: true });
      throw error;
    });
    await page.waitForTimeout(500);
    expect(page.url()).toMatch(/api::lab\.battery\//);
    expect(await link.getAttribute('href')).toContain(`/plugins/cycler-bridge/new-experiment?battery=${created.documentId}`);
  });

  it('hides the page from a Race crew admin', async () => {
    const other = await adminPage(browser, app, ['Race crew'], { width: 1280, height: 900 });
    expect(await other.getByRole('link', { name: 'New experiment', exact: true }).count()).toBe(0);
    await other.goto(`${app.url}/admin/plugins/cycler-bridge/new-experiment`);
    await other.getByText(/don't have the permissions|no permission/i).first().waitFor({ timeout: 30_000 });
    expect(await other.getByRole('combobox', { name: 'Technology' }).count()).toBe(0);
    await other.context().close();
  });
});
