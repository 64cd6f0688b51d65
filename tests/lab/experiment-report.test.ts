/**
 * GET /api/data-exchange/lab/experiments/:id/report.html: access, 404, an attachment with a safe file
 * name, names escaped, no external URL, apexcharts and the data inlined. The browser test
 * (tests/browser/lab-report.test.ts) opens the file offline and checks the charts are drawn.
 */
import { createApiToken, endUserToken, startStrapi, type TestApp } from '../helpers/strapi';
import { HOSTILE, getReport, importReportFixture, reportData, type ReportFixture } from './report-helpers';

describe('experiment HTML report', () => {
  let app: TestApp;
  let token: string;
  let fixture: ReportFixture;

  beforeAll(async () => {
    app = await startStrapi();
    token = await createApiToken(app.strapi, 'full-access');
    fixture = await importReportFixture(app, token);
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('access: no credentials and a token or role without experiment find are 403, an invalid token 401', async () => {
    // Strapi answers 403 to anonymous requests when the Public role has some permissions (docs/battery-data.md).
    expect((await getReport(app, fixture.id, null)).status).toBe(403);
    expect((await getReport(app, fixture.id, 'not-a-token')).status).toBe(401);
    const creator = await createApiToken(app.strapi, 'custom', ['api::lab.experiment.create']);
    expect((await getReport(app, fixture.id, creator)).status).toBe(403);
    const { jwt } = await endUserToken(app.strapi, 'teacher');
    expect((await getReport(app, fixture.id, jwt)).status).toBe(403);
    const reader = await createApiToken(app.strapi, 'custom', ['api::lab.experiment.find']);
    expect((await getReport(app, fixture.id, reader)).status).toBe(200);
  });

  it('unknown id or documentId: 404', async () => {
    expect((await getReport(app, 999999, token)).status).toBe(404);
    expect((await getReport(app, 'nosuchdocumentid0000000', token)).status).toBe(404);
  });

  it('is an HTML attachment with a safe name, names escaped, no external URL, charts and data inline', async () => {
    for (const id of [fixture.id, fixture.documentId]) {
      const res = await getReport(app, id, token);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="experiment-${fixture.id}-cell-b-a-b-run-script-script-window-pwned-1-script.html"`);
      const html: string = res.body;
      // Escaped, never raw markup.
      expect(html).not.toContain(HOSTILE.experiment);
      expect(html).toContain('Cell &lt;b&gt;A&lt;/b&gt; &amp; &quot;run&quot; &lt;/script&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;');
      expect(html).not.toContain('<img src=x');
      expect(html).toContain('Pack &lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt; &#39;B&#39;');
      expect(html).toContain('CCCV &lt;i&gt;');
      expect(html).toContain('CC, -0.89, VOLTAGE, 3.0');
      // Offline: the markup (script bodies left out) has no src/href/url() pointing anywhere, no <link>,
      // exactly three script elements (the data as application/json, apexcharts, the drawing code), none with a src.
      const markup = html.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/gi, '$1</script>');
      expect(markup).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
      expect(markup).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
      expect(markup).not.toMatch(/<link\b/i);
      expect(markup.match(/<script\b[^>]*>/gi)).toEqual(['<script type="application/json" id="report-data">', '<script>', '<script>']);
      // Anywhere in the file, scripts included, the only URLs are XML namespace names (never fetched).
      const urls = new Set(html.match(/https?:\/\/[^\s"'`)<>]+/gi));
      expect([...urls].sort()).toEqual(['http://www.w3.org/1999/xhtml', 'http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg']);
      expect(html).toContain('ApexCharts');
      const data = reportData(html);
      expect(data.points).toHaveLength(fixture.rows); // 72 samples fit in the 1,500 points: raw
      expect(data.cycles.map((c) => c.cycle_index)).toEqual([1, 2, 3]);
      // The summary table: one row per cycle.
      const table = /<table id="cycle-summary">([\s\S]*?)<\/table>/.exec(html)?.[1] as string;
      expect(table.match(/<tr>/g)).toHaveLength(fixture.cycles + 1);
    }
  });

  it('downsamples a long experiment to at most 1,500 points', async () => {
    const experiment: any = await app.strapi.db.query('api::lab.experiment').create({ data: { name: 'long run', state: 'finished', source: 'imported' } });
    const start = Date.UTC(2026, 0, 1);
    const rows = Array.from({ length: 20_000 }, (_, seq) => ({
      experiment_id: experiment.id, seq, recorded_at: new Date(start + seq * 1000), test_time_s: seq,
      voltage_v: 3.6 + 0.4 * Math.sin(seq / 600), current_a: seq % 1200 < 600 ? 1 : -1, cycle_index: 1 + Math.floor(seq / 1200),
    }));
    await (app.strapi.service('api::lab.lab-samples') as any).insertSamples(rows);
    await (app.strapi.service('api::lab.cycle-summary') as any).refresh(experiment.id);
    const res = await getReport(app, experiment.id, token);
    expect(res.status).toBe(200);
    const data = reportData(res.body);
    // M4 over 375 columns: first and last of each, min/max only where they stick out.
    expect(data.points.length).toBeGreaterThan(375 * 2 - 10);
    expect(data.points.length).toBeLessThanOrEqual(1500);
    // The chart keeps the extremes of the raw series.
    const drawn = (key: 'voltage_v' | 'current_a') => data.points.map((p: any) => p[key]).filter((v: number | null) => v !== null);
    expect(Math.max(...drawn('voltage_v'))).toBe(Math.max(...rows.map((r) => r.voltage_v)));
    expect(Math.min(...drawn('voltage_v'))).toBe(Math.min(...rows.map((r) => r.voltage_v)));
    expect([Math.min(...drawn('current_a')), Math.max(...drawn('current_a'))]).toEqual([-1, 1]);
    expect(data.cycles).toHaveLength(17);
    expect(res.body).toContain('No profile');
  });
});
