/**
 * `npm run robotics:import -- <files or folders> [--time-zone Europe/Madrid]`: imports Kibotics web
 * server logs (v1 `log.txt`, v2 `YYYY-MM-DD-log.txt`) into the configured database (SQLite by default,
 * PostgreSQL with DATABASE_URL) through the same service as the admin upload and the API route.
 * Folders are read for `*.txt` / `*.log` files. Re-running on the same files changes nothing.
 */
import fs from 'fs';
import path from 'path';
import { compileStrapi, createStrapi, type Core } from '@strapi/strapi';
import type { ImportResult, RoboticsFile } from '../src/plugins/ingest/server/src/services/robotics-import';

function usage(message?: string): never {
  if (message) console.error(`[robotics:import] ${message}`);
  console.error('usage: npm run robotics:import -- <file or folder>... [--time-zone <IANA zone>]');
  process.exit(2);
}

export function collectFiles(args: string[]): { paths: string[]; timeZone?: string } {
  const paths: string[] = [];
  let timeZone: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--time-zone') timeZone = args[++i] ?? usage('--time-zone needs a value');
    else if (args[i].startsWith('--')) usage(`unknown option ${args[i]}`);
    else {
      const p = path.resolve(args[i]);
      if (!fs.existsSync(p)) usage(`no such file or folder: ${args[i]}`);
      if (fs.statSync(p).isDirectory()) {
        for (const name of fs.readdirSync(p).sort()) if (/\.(txt|log)$/i.test(name) && fs.statSync(path.join(p, name)).isFile()) paths.push(path.join(p, name));
      } else paths.push(p);
    }
  }
  if (!paths.length) usage('no log files given');
  return { paths, timeZone };
}

const progressLine = (text: string) => (process.stdout.isTTY ? process.stdout.write(`\r${text.padEnd(70)}`) : undefined);

async function main(): Promise<number> {
  const { paths, timeZone } = collectFiles(process.argv.slice(2));
  const files: RoboticsFile[] = paths.map((p) => ({ name: path.basename(p), content: fs.readFileSync(p) }));
  const bytes = files.reduce((n, f) => n + f.content.length, 0);
  console.log(`[robotics:import] ${files.length} file(s), ${(bytes / 1e6).toFixed(1)} MB`);
  let app: Core.Strapi | undefined;
  try {
    const ctx = await compileStrapi();
    app = await createStrapi({ ...ctx, autoReload: false, serveAdminPanel: false }).load();
    const started = Date.now();
    const result: ImportResult = await app.plugin('ingest').service('roboticsImport').importFiles(files, {
      source: 'cli',
      timeZone,
      onProgress: ({ phase, done, total }) => {
        const pct = total ? Math.round((100 * done) / total) : 100;
        progressLine(`[robotics:import] ${phase === 'parse' ? 'parsing' : phase === 'write' ? 'writing' : 'done'} ${done}/${total} (${pct} %)`);
      },
    });
    const imported = (Date.now() - started) / 1000;
    progressLine('[robotics:import] linking simulations to their users, exercises and hosts...');
    await app.plugin('ingest').service('roboticsImport').relationsSettled();
    if (process.stdout.isTTY) process.stdout.write('\n');
    for (const r of result.reports) {
      console.log(
        `  ${r.file_name} (${r.format}): ${r.total_lines} lines, ${r.simulations_created} simulations + ${r.simulations_completed} completed, ` +
          `${r.sessions_created} sessions, ${r.errors_created} errors, ${r.already_imported_lines} already imported, ${r.malformed_count} malformed`,
      );
      for (const m of r.malformed_lines.slice(0, 5)) console.log(`    line ${m.line}: ${m.reason}`);
      if (r.malformed_count > 5) console.log(`    ... ${r.malformed_count - 5} more in the import report (admin: Content Manager -> Import report)`);
    }
    const t = result.totals;
    const seconds = (Date.now() - started) / 1000;
    console.log(`[robotics:import] done in ${seconds.toFixed(1)} s (${Math.round(t.lines / seconds)} lines/s; rows committed after ${imported.toFixed(1)} s, then the relations linked); placeholders created: ${t.placeholders.users} users, ${t.placeholders.exercises} exercises, ${t.placeholders.hosts} hosts`);
    return 0;
  } catch (error) {
    console.error(`[robotics:import] failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await app?.destroy().catch(() => {});
  }
}

if (require.main === module) main().then((code) => process.exit(code));
