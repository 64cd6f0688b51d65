import { execFileSync } from 'child_process';
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { compileStrapi } from '@strapi/strapi';
import { Client } from 'pg';
import { buildPublic } from '../../scripts/build-public';
import { chromiumMissing } from '../helpers/services';

const root = path.resolve(__dirname, '..', '..');

/** The race's audience pages (bundled by scripts/build-public.ts; the admin imports only public/shared). */
const PUBLIC_PAGE_SOURCES = path.join(root, 'src', 'plugins', 'lap-control', 'public', 'pages');
/** Written by the documentation plugin at every boot: hashing it would rebuild the admin at every run. */
const GENERATED = new Set([path.join(root, 'src', 'extensions', 'documentation', 'documentation')]);

/** Hash of everything the admin bundle is built from, so an unchanged admin is not rebuilt. */
function adminSourceHash(): string {
  const hash = crypto.createHash('sha256');
  const walk = (dir: string) => {
    if (!fs.existsSync(dir) || GENERATED.has(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (full === PUBLIC_PAGE_SOURCES) continue;
      if (entry.isDirectory()) walk(full);
      else {
        hash.update(path.relative(root, full));
        hash.update(fs.readFileSync(full));
      }
    }
  };
  walk(path.join(root, 'src'));
  walk(path.join(root, 'config'));
  hash.update(fs.readFileSync(path.join(root, 'package-lock.json')));
  return hash.digest('hex');
}

export default async function globalSetup(): Promise<void> {
  process.env.TALLYBOARD_TEST_RUN = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  process.env.STRAPI_TELEMETRY_DISABLED = 'true';

  if (process.env.TEST_DATABASE_URL) {
    // Fail, not skip: the run asked for PostgreSQL explicitly.
    const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    try {
      await client.connect();
      await client.query('select 1');
    } catch (error) {
      throw new Error(`PostgreSQL at TEST_DATABASE_URL is not reachable (${(error as Error).message}). Start it or unset TEST_DATABASE_URL.`);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  // The race's audience pages are static files Strapi serves from public/race/ (git-ignored, built
  // here so a fresh clone's browser suites have them; a no-op when their sources are unchanged).
  await buildPublic({ log: (line) => process.stdout.write(`\n[tests] ${line}\n`) });

  // Browser suites need the admin panel bundle in dist/build; everything else only the compiled server.
  const hashFile = path.join(root, 'dist', 'build', '.tallyboard-source-hash');
  const wantAdmin = !chromiumMissing() && process.env.TALLYBOARD_SKIP_ADMIN_BUILD !== '1';
  const hash = wantAdmin ? adminSourceHash() : '';
  if (wantAdmin && (!fs.existsSync(hashFile) || fs.readFileSync(hashFile, 'utf8') !== hash)) {
    process.stdout.write('\n[tests] building Strapi (server + admin panel) for the browser suites...\n');
    execFileSync(process.execPath, [path.join(root, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js'), 'build'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NODE_ENV: 'development' },
    });
    fs.writeFileSync(hashFile, hash);
  } else {
    await compileStrapi({ appDir: root, ignoreDiagnostics: false });
  }
}
