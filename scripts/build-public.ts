/**
 * `npm run build:public`: bundles the race's audience pages and kiosk (sources in
 * src/plugins/lap-control/public/) into static files under public/race/, which Strapi serves without
 * login (/race/ is the Statistics page). apexcharts and socket.io-client are bundled: no CDN at a race
 * track. The output is git-ignored; `npm run build`, `npm run develop` and the tests' global setup run
 * this first. Unchanged sources are not rebuilt (hash in public/race/.source-hash); `--force` rebuilds.
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '..');
const sourceDir = path.join(root, 'src', 'plugins', 'lap-control', 'public');
const outDir = path.join(root, 'public', 'race');
const hashFile = path.join(outDir, '.source-hash');
/** Files outside sourceDir the bundle includes (the route contract, the chart defaults shared with the admin dashboards). */
const sharedInputs = [
  path.join(root, 'src', 'plugins', 'lap-control', 'contract.ts'),
  path.join(root, 'src', 'plugins', 'dashboards', 'admin', 'src', 'chart-kit', 'theme.ts'),
  path.join(root, 'package-lock.json'),
];

interface PageSpec {
  name: string;
  title: string;
  /** Audience pages link to each other; the kiosk stands alone. */
  audience: boolean;
}

export const PAGES: PageSpec[] = [
  { name: 'statistics', title: 'Statistics', audience: true },
  { name: 'fullscreen', title: 'Fullscreen', audience: true },
  { name: 'queue', title: 'Queue', audience: true },
  { name: 'kiosk', title: 'Queue up', audience: false },
];

function sourceHash(): string {
  const hash = crypto.createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else hash.update(path.relative(root, full)).update(fs.readFileSync(full));
    }
  };
  walk(sourceDir);
  for (const file of sharedInputs) hash.update(fs.readFileSync(file));
  hash.update(fs.readFileSync(__filename));
  return hash.digest('hex');
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** One shell for every page: header (race name, links, race-local clock, live status), banner, body. */
function pageHtml(page: PageSpec): string {
  const body = fs.readFileSync(path.join(sourceDir, 'pages', `${page.name}.html`), 'utf8');
  const nav = PAGES.filter((p) => p.audience)
    .map((p) => `<a href="${p.name}.html"${p.name === page.name ? ' aria-current="page"' : ''}>${escapeHtml(p.title)}</a>`)
    .join('');
  const header = page.audience
    ? `<header class="bar"><h1 id="race-name">24-hour run</h1><nav aria-label="Race screens">${nav}</nav><span id="race-clock" aria-label="Race time"></span><span id="live-status" data-state="connecting" role="status">Connecting…</span></header>
<p id="race-banner" role="status" hidden></p>`
    : `<header class="bar"><h1>24-hour run · ${escapeHtml(page.title)}</h1></header>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(page.title)}</title>
<link rel="stylesheet" href="assets/race.css">
</head>
<body class="page-${page.name}">
${header}
${body.trim()}
<script src="assets/${page.name}.js"></script>
</body>
</html>
`;
}

export async function buildPublic(options: { force?: boolean; log?: (line: string) => void } = {}): Promise<boolean> {
  const log = options.log ?? ((line: string) => console.log(line));
  const hash = sourceHash();
  if (!options.force && fs.existsSync(hashFile) && fs.readFileSync(hashFile, 'utf8') === hash) return false;

  // Build beside the target and swap, so a running server never serves half a bundle.
  const staging = `${outDir}.building-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const started = Date.now();
  try {
    await build({
      entryPoints: [...PAGES.map((p) => ({ in: path.join(sourceDir, 'pages', `${p.name}.ts`), out: p.name })), { in: path.join(sourceDir, 'pages', 'race.css'), out: 'race' }],
      outdir: path.join(staging, 'assets'),
      bundle: true,
      minify: true,
      format: 'iife',
      platform: 'browser',
      target: ['es2020'],
      sourcemap: 'linked',
      define: { 'process.env.NODE_ENV': '"production"' },
      legalComments: 'linked',
      logLevel: 'warning',
    });
    for (const page of PAGES) fs.writeFileSync(path.join(staging, `${page.name}.html`), pageHtml(page));
    fs.copyFileSync(path.join(staging, 'statistics.html'), path.join(staging, 'index.html')); // /race/ is Statistics
    fs.writeFileSync(path.join(staging, '.source-hash'), hash);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(staging, outDir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log(`[build:public] public/race/ built in ${Date.now() - started} ms`);
  return true;
}

if (require.main === module) {
  buildPublic({ force: process.argv.includes('--force') }).then(
    (built) => {
      if (!built) console.log('[build:public] public/race/ is up to date');
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
