/**
 * `api::lab.experiment-report`: one experiment as a self-contained HTML file that works offline:
 * metadata, the profile, charts of the downsampled series (lab-samples' `series`) and of the cycle
 * summary, and the summary table. apexcharts' own minified bundle and the data are inlined, so the
 * file names no external URL; a Content-Security-Policy meta tag forbids any fetch should a later
 * change add one. Every text of the experiment (names are user input) is HTML-escaped.
 */
import fs from 'fs';
import type { Core } from '@strapi/strapi';
import type { CycleFigures, CycleSummary } from './cycle-summary';
import type { LabSamplesService } from './lab-samples';
import type { ProfileStep } from './profile-instructions';

/** Points per time chart: enough for a full-width chart, small enough to keep the file light. */
export const REPORT_POINTS = 1500;

export interface ExperimentReport {
  html: string;
  /** `experiment-<id>-<slug>.html`, ASCII only (safe in Content-Disposition). */
  fileName: string;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);

/** JSON safe inside a <script> element: no `</script`, `<!--` or line separators survive as such. */
export const scriptJson = (value: unknown): string =>
  JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

let apexchartsBundle: string | null = null;
/** apexcharts.min.js, read once per process; `</script` escaped (only valid inside strings or regexes, where `<\/` is the same). */
function apexcharts(): string {
  if (apexchartsBundle === null) {
    const file = require.resolve('apexcharts/dist/apexcharts.min.js');
    apexchartsBundle = fs.readFileSync(file, 'utf8').replace(/<\/script/gi, '<\\/script');
  }
  return apexchartsBundle;
}

export const reportFileName = (id: number, name: string): string => {
  const slug = name.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).toLowerCase();
  return `experiment-${id}${slug ? `-${slug}` : ''}.html`;
};

const fixed = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined || !Number.isFinite(value) ? '' : value.toFixed(digits);
const percent = (value: number | null | undefined) => (value === null || value === undefined ? '' : `${(value * 100).toFixed(2)} %`);
const date = (value: unknown) => (value ? new Date(value as string).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '');

function describeStep(step: ProfileStep): string {
  if (step.mode === 'WAIT') return `rest ${step.time_s} s`;
  const limit = step.limit_type === 'TIME' ? `${step.limit_value} s` : step.limit_type === 'VOLTAGE' ? `${step.limit_value} V` : `${step.limit_value} A`;
  const setpoint = step.mode === 'CC' ? `${step.current_a} A` : `${step.voltage_v} V`;
  return `${step.mode} ${setpoint} until ${step.limit_type.toLowerCase()} ${limit}`;
}

const SUMMARY_COLUMNS: Array<[string, (c: CycleFigures) => string]> = [
  ['Cycle', (c) => String(c.cycle_index)],
  ['Samples', (c) => String(c.samples)],
  ['Start', (c) => date(c.start)],
  ['Duration (s)', (c) => fixed(c.duration_s, 0)],
  ['Charge (Ah)', (c) => fixed(c.charge_capacity_ah, 4)],
  ['Discharge (Ah)', (c) => fixed(c.discharge_capacity_ah, 4)],
  ['Charge (Wh)', (c) => fixed(c.charge_energy_wh, 4)],
  ['Discharge (Wh)', (c) => fixed(c.discharge_energy_wh, 4)],
  ['Coulombic eff.', (c) => percent(c.coulombic_efficiency)],
  ['Energy eff.', (c) => percent(c.energy_efficiency)],
  ['Min V', (c) => fixed(c.min_voltage_v, 3)],
  ['Max V', (c) => fixed(c.max_voltage_v, 3)],
  ['Mean °C', (c) => fixed(c.mean_temperature_c, 1)],
  ['Retention', (c) => percent(c.capacity_retention)],
];

/** Draws the charts from the inline JSON; runs in the report, not on the server. */
const CHARTS_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var base = { chart: { height: 260, animations: { enabled: false }, toolbar: { show: false }, zoom: { enabled: false } },
    stroke: { width: 1.5 }, dataLabels: { enabled: false }, legend: { show: false }, tooltip: { x: { format: 'yyyy-MM-dd HH:mm:ss' } } };
  function draw(id, type, series, xaxis, yTitle, extra) {
    var el = document.getElementById(id);
    if (!el) return;
    var options = Object.assign({}, base, { chart: Object.assign({}, base.chart, { type: type, id: id }), series: series, xaxis: xaxis,
      yaxis: { title: { text: yTitle }, labels: { formatter: function (v) { return v == null ? '' : Number(v).toPrecision(4); } } } }, extra || {});
    new ApexCharts(el, options).render();
  }
  var time = { type: 'datetime', labels: { datetimeUTC: true } };
  var cycles = { type: 'numeric', title: { text: 'Cycle' }, tickAmount: Math.min(10, Math.max(1, data.cycles.length - 1)), labels: { formatter: function (v) { return Math.round(v); } } };
  // M4 rows carry a measure only where it adds to its line: the others are null, not gaps.
  function pairs(key) { return data.points.filter(function (p) { return p[key] !== null; }).map(function (p) { return [p.t, p[key]]; }); }
  draw('chart-voltage', 'line', [{ name: 'Voltage (V)', data: pairs('voltage_v') }], time, 'Voltage (V)', { colors: ['#2563eb'] });
  draw('chart-current', 'line', [{ name: 'Current (A)', data: pairs('current_a') }], time, 'Current (A)', { colors: ['#dc2626'] });
  draw('chart-temperature', 'line', [{ name: 'Temperature (°C)', data: pairs('temperature_c') }], time, 'Temperature (°C)', { colors: ['#d97706'] });
  draw('chart-capacity', 'line', [{ name: 'Discharge capacity (Ah)', data: data.cycles.map(function (c) { return [c.cycle_index, c.discharge_capacity_ah]; }) }],
    cycles, 'Discharge capacity (Ah)', { colors: ['#059669'], markers: { size: 4 } });
  draw('chart-efficiency', 'line', [{ name: 'Coulombic efficiency (%)', data: data.cycles.map(function (c) { return [c.cycle_index, c.coulombic_efficiency == null ? null : c.coulombic_efficiency * 100]; }) }],
    cycles, 'Coulombic efficiency (%)', { colors: ['#7c3aed'], markers: { size: 4 } });
})();
`;

const STYLE = `
body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1f2937; margin: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; } dl.meta dt { color: #6b7280; }
pre { background: #f3f4f6; padding: 8px 12px; border-radius: 4px; white-space: pre-wrap; }
table { border-collapse: collapse; font-size: 12px; } th, td { border: 1px solid #e5e7eb; padding: 3px 8px; text-align: right; }
th { background: #f9fafb; } td:first-child, th:first-child { text-align: left; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 8px 24px; }
.chart h3 { font-size: 14px; margin: 8px 0 0; font-weight: 600; } .muted { color: #6b7280; }
`;

const createExperimentReport = ({ strapi }: { strapi: Core.Strapi }) => ({
  /** The report of one experiment (by id or documentId), or null when there is none. */
  async build(idOrDocumentId: number | string): Promise<ExperimentReport | null> {
    const where = typeof idOrDocumentId === 'number' ? { id: idOrDocumentId } : { documentId: idOrDocumentId };
    const experiment = await strapi.db.query('api::lab.experiment').findOne({ where, populate: ['battery', 'cycler_station', 'profile'] });
    if (!experiment) return null;
    const samples = strapi.service('api::lab.lab-samples') as unknown as LabSamplesService;
    const series = await samples.series(experiment.id, { points: REPORT_POINTS });
    const summary = (experiment.cycle_summary ?? null) as CycleSummary | null;
    const cycles = summary?.cycles ?? [];
    const { battery, cycler_station: station, profile } = experiment;

    const meta: Array<[string, unknown]> = [
      ['Battery', battery ? [battery.name, [battery.manufacturer, battery.model].filter(Boolean).join(' ')].filter(Boolean).join(' — ') : ''],
      ['Technology', battery?.technology ?? ''],
      ['Station', station ? `${station.name}${station.virtual ? ' (virtual)' : ''}` : ''],
      ['State', experiment.state_reason ? `${experiment.state} (${experiment.state_reason})` : experiment.state],
      ['Source', experiment.source],
      ['Queued', date(experiment.queued_at)],
      ['Started', date(experiment.started_at)],
      ['Finished', date(experiment.finished_at)],
      ['Samples', experiment.sample_count ?? series.total ?? '—'],
      ['Chart points', series.bucketMs ? `${series.points.length} (M4: first, min, max and last per ${series.bucketMs} ms)` : `${series.points.length} (raw)`],
    ];
    const steps = (Array.isArray(profile?.steps) ? profile.steps : []) as ProfileStep[];
    const hasTemperature = series.points.some((p) => p.temperature_c !== null);
    const chart = (id: string, title: string) => `<div class="chart"><h3>${escapeHtml(title)}</h3><div id="${id}"></div></div>`;
    const data = { points: series.points.map(({ t, voltage_v, current_a, temperature_c }) => ({ t, voltage_v, current_a, temperature_c })), cycles: cycles.map(({ cycle_index, discharge_capacity_ah, coulombic_efficiency }) => ({ cycle_index, discharge_capacity_ah, coulombic_efficiency })) };

    const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Tallyboard experiment report">
<title>${escapeHtml(experiment.name)} — experiment report</title>
<style>${STYLE}</style>
</head>
<body>
<h1 id="experiment-name">${escapeHtml(experiment.name)}</h1>
<p class="muted">Experiment ${escapeHtml(experiment.documentId)} · report generated ${escapeHtml(date(new Date().toISOString()))}</p>
${experiment.description ? `<p id="experiment-description">${escapeHtml(experiment.description)}</p>` : ''}
<h2>Metadata</h2>
<dl class="meta">${meta.filter(([, v]) => v !== '' && v != null).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<h2>Profile</h2>
${profile ? `<p id="profile-name"><strong>${escapeHtml(profile.name)}</strong>${profile.description ? ` — ${escapeHtml(profile.description)}` : ''}</p>
<pre id="profile-instructions">${escapeHtml(profile.instructions)}</pre>
${steps.length ? `<table id="profile-steps"><thead><tr><th>Step</th><th>Line</th><th style="text-align:left">Instruction</th></tr></thead><tbody>${steps.map((s, i) => `<tr><td>${i + 1}</td><td>${escapeHtml(s.line)}</td><td style="text-align:left">${escapeHtml(describeStep(s))}</td></tr>`).join('')}</tbody></table>` : ''}` : '<p class="muted">No profile (imported from a file).</p>'}
<h2>Charts</h2>
${series.points.length ? `<div class="charts">${chart('chart-voltage', 'Voltage vs time')}${chart('chart-current', 'Current vs time')}${hasTemperature ? chart('chart-temperature', 'Temperature vs time') : ''}</div>` : '<p class="muted">No samples.</p>'}
${cycles.length ? `<div class="charts">${chart('chart-capacity', 'Discharge capacity vs cycle')}${chart('chart-efficiency', 'Coulombic efficiency vs cycle')}</div>` : ''}
<h2>Cycle summary</h2>
${cycles.length ? `<table id="cycle-summary"><thead><tr>${SUMMARY_COLUMNS.map(([h]) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${cycles.map((c) => `<tr>${SUMMARY_COLUMNS.map(([, cell]) => `<td>${escapeHtml(cell(c))}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>` : '<p class="muted">No cycle summary.</p>'}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${apexcharts()}</script>
<script>${CHARTS_SCRIPT}</script>
</body>
</html>
`;
    return { html, fileName: reportFileName(experiment.id, String(experiment.name ?? '')) };
  },
});

export type ExperimentReportService = ReturnType<typeof createExperimentReport>;
export default createExperimentReport;
