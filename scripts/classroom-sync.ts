/**
 * Notebook progress sync agent (replaces the seed's rsync_notebooks.py + make_database.py):
 *
 *   npm run classroom:sync -- --users users.csv --server URL --token T [--interval 300] [--once]
 *       [--root DIR] [--dest DIR] [--max-size 10m] [--batch-bytes 4m]
 *
 * Each round: imports users.csv (uid,notebooks,...) when it changed, walks every student's notebooks
 * directory (missing ones skipped with a note), finds new or changed files by size, mtime and then
 * SHA-256, copies them into --dest/<uid>/<path> keeping the earlier copy as <path>.bak_<time> (like
 * rsync --backup --suffix), and posts the new versions to POST /api/ingest/classroom/snapshots (gzip,
 * retried). Files over --max-size are skipped and reported; symlinks leading out of the student's
 * directory are not followed. Needs only read access to the students' directories (README).
 */
import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import zlib from 'zlib';
import Papa from 'papaparse';

interface Options {
  users: string;
  server: string;
  token: string;
  interval: number;
  once: boolean;
  root: string;
  dest: string;
  maxSize: number;
  batchBytes: number;
}

interface FileState {
  size: number;
  mtimeMs: number;
  sha256: string;
  posted: boolean;
}
interface State {
  usersHash?: string;
  files: Record<string, FileState>;
}

interface Pending {
  key: string;
  uid: string;
  rel: string;
  state: FileState;
  body: Record<string, unknown>;
  bytes: number;
}

const log = (line: string) => process.stdout.write(`[classroom:sync] ${line}\n`);

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(text.trim());
  if (!m) throw new Error(`not a size: "${text}" (e.g. 10m, 500k, 1048576)`);
  return Math.floor(Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g']);
}

export function parseArgs(argv: string[]): Options {
  const args = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) args.set(a.slice(2), true);
    else args.set(a.slice(2), argv[++i]);
  }
  const str = (k: string, fallback?: string) => {
    const v = args.get(k);
    if (v === undefined) {
      if (fallback === undefined) throw new Error(`--${k} is required`);
      return fallback;
    }
    if (v === true) throw new Error(`--${k} needs a value`);
    return v;
  };
  const interval = Number(str('interval', '300'));
  if (!(interval > 0)) throw new Error('--interval must be a positive number of seconds');
  return {
    users: path.resolve(str('users')),
    server: str('server').replace(/\/+$/, ''),
    token: str('token', process.env.CLASSROOM_SYNC_TOKEN ?? ''),
    interval,
    once: args.get('once') === true,
    root: path.resolve(str('root', process.cwd())),
    dest: path.resolve(str('dest', 'sync_dest')),
    maxSize: parseSize(str('max-size', '10m')),
    batchBytes: parseSize(str('batch-bytes', '4m')),
  };
}

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
const stamp = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, '');

/** Files under `dir` (relative '/'-paths); symlinks are followed only while they stay inside `dir`. */
function walk(dir: string, notes: string[]): Array<{ rel: string; full: string; stat: fs.Stats }> {
  const realRoot = fs.realpathSync(dir);
  const out: Array<{ rel: string; full: string; stat: fs.Stats }> = [];
  const seen = new Set<string>([realRoot]);
  const visit = (current: string, rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch (error) {
      notes.push(`cannot read ${current}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      let stat: fs.Stats;
      if (entry.isSymbolicLink()) {
        let target: string;
        try {
          target = fs.realpathSync(full);
        } catch {
          notes.push(`skipped ${full}: broken symlink`);
          continue;
        }
        if (target !== realRoot && !target.startsWith(realRoot + path.sep)) {
          notes.push(`skipped ${full}: symlink leaves the student directory`);
          continue;
        }
        stat = fs.statSync(target);
        if (stat.isDirectory()) {
          if (seen.has(target)) continue;
          seen.add(target);
        }
      } else stat = fs.statSync(full);
      if (stat.isDirectory()) visit(full, relPath);
      else if (stat.isFile()) out.push({ rel: relPath, full, stat });
    }
  };
  visit(dir, '');
  return out;
}

async function request(options: Options, pathName: string, body: unknown, attempts = 5): Promise<any> {
  const payload = zlib.gzipSync(Buffer.from(JSON.stringify(body)));
  let wait = 1000;
  for (let attempt = 1; ; attempt++) {
    let retryable: string;
    try {
      const res = await fetch(`${options.server}${pathName}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', Authorization: `Bearer ${options.token}` },
        body: payload,
      });
      const text = await res.text();
      const json = text ? JSON.parse(text) : null;
      if (res.ok || res.status === 400) return { status: res.status, body: json };
      if (res.status !== 429 && res.status < 500) throw new Error(`${pathName}: ${res.status} ${json?.error?.message ?? text.slice(0, 200)}`);
      retryable = `${res.status}`;
      const after = Number(res.headers.get('retry-after'));
      if (after > 0) wait = after * 1000;
    } catch (error) {
      if ((error as Error).message.startsWith(pathName)) throw error;
      retryable = (error as Error).message;
    }
    if (attempt >= attempts) throw new Error(`${pathName}: giving up after ${attempts} attempts (${retryable})`);
    log(`retry ${attempt}/${attempts - 1} in ${wait / 1000} s (${retryable})`);
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 30_000);
  }
}

/** Keeps the earlier copy as <file>.bak_<time>, then writes the new one (rsync --backup --suffix). */
function backupAndCopy(options: Options, uid: string, rel: string, data: Buffer, mtime: Date) {
  const target = path.join(options.dest, uid, ...rel.split('/'));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (fs.existsSync(target)) {
    let backup = `${target}.bak_${stamp()}`;
    for (let n = 1; fs.existsSync(backup); n++) backup = `${target}.bak_${stamp()}.${n}`;
    fs.renameSync(target, backup);
  }
  fs.writeFileSync(target, data);
  fs.utimesSync(target, mtime, mtime);
}

export async function syncRound(options: Options): Promise<{ posted: number; failed: number; notes: string[] }> {
  const started = Date.now();
  const notes: string[] = [];
  const statePath = path.join(options.dest, '.classroom-sync-state.json');
  fs.mkdirSync(options.dest, { recursive: true });
  const state: State = fs.existsSync(statePath) ? JSON.parse(fs.readFileSync(statePath, 'utf8')) : { files: {} };
  const save = () => fs.writeFileSync(statePath, JSON.stringify(state));

  const csv = fs.readFileSync(options.users, 'utf8');
  const csvHash = sha256(Buffer.from(csv));
  if (state.usersHash !== csvHash) {
    const res = await request(options, '/api/ingest/classroom/students', { csv });
    if (res.status !== 200) throw new Error(`users.csv refused: ${res.body?.error?.message}`);
    for (const r of res.body.rejected) notes.push(`users.csv line ${r.row}: ${r.reason}`);
    log(`students: ${res.body.created} created, ${res.body.updated} updated, ${res.body.rejected.length} rejected`);
    state.usersHash = csvHash;
    save();
  }
  const users = Papa.parse<Record<string, string>>(csv.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: 'greedy', transformHeader: (h) => h.trim() }).data
    .map((r) => ({ uid: (r.uid ?? '').trim(), notebooks: (r.notebooks ?? '').trim() }))
    .filter((u) => u.uid && u.notebooks);

  const pending: Pending[] = [];
  const present = new Set<string>();
  let scanned = 0;
  for (const { uid, notebooks } of users) {
    const dir = path.resolve(options.root, notebooks);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      notes.push(`skipped ${uid}: ${dir} does not exist`);
      continue;
    }
    for (const file of walk(dir, notes)) {
      const key = `${uid}/${file.rel}`;
      present.add(key);
      scanned++;
      const known = state.files[key];
      if (known && known.posted && known.size === file.stat.size && known.mtimeMs === file.stat.mtimeMs) continue;
      if (file.stat.size > options.maxSize) {
        if (!known || known.size !== file.stat.size || known.mtimeMs !== file.stat.mtimeMs) notes.push(`skipped ${key}: ${file.stat.size} bytes is over the limit of ${options.maxSize}`);
        state.files[key] = { size: file.stat.size, mtimeMs: file.stat.mtimeMs, sha256: '', posted: true };
        continue;
      }
      let data: Buffer;
      try {
        data = fs.readFileSync(file.full);
      } catch (error) {
        notes.push(`cannot read ${file.full}: ${(error as NodeJS.ErrnoException).code}`);
        continue;
      }
      const hash = sha256(data);
      if (known && known.sha256 === hash && known.posted) {
        state.files[key] = { ...known, size: file.stat.size, mtimeMs: file.stat.mtimeMs };
        continue;
      }
      if (!known || known.sha256 !== hash) backupAndCopy(options, uid, file.rel, data, file.stat.mtime);
      const isNotebook = file.rel.toLowerCase().endsWith('.ipynb');
      const body = {
        uid,
        path: file.rel,
        taken_at: new Date(file.stat.mtimeMs).toISOString(),
        size: data.length,
        sha256: hash,
        ...(isNotebook ? { content: data.toString('utf8') } : {}),
      };
      pending.push({ key, uid, rel: file.rel, state: { size: file.stat.size, mtimeMs: file.stat.mtimeMs, sha256: hash, posted: false }, body, bytes: isNotebook ? data.length + 200 : 200 });
    }
  }
  for (const key of Object.keys(state.files)) {
    if (!present.has(key) && users.some((u) => key.startsWith(`${u.uid}/`))) {
      notes.push(`deleted ${key} (its copies stay in ${options.dest})`);
      delete state.files[key];
    }
  }
  save();

  let posted = 0;
  let failed = 0;
  const total = pending.length;
  const progress = (done: number) => {
    const line = `posted ${done}/${total} new versions (${scanned} files scanned)`;
    if (process.stdout.isTTY) process.stdout.write(`\r[classroom:sync] ${line}${done === total ? '\n' : ''}`);
    else log(line);
  };
  for (let i = 0; i < pending.length; ) {
    const batch: Pending[] = [];
    let bytes = 0;
    while (i < pending.length && (batch.length === 0 || bytes + pending[i].bytes <= options.batchBytes) && batch.length < 1000) {
      bytes += pending[i].bytes;
      batch.push(pending[i++]);
    }
    try {
      const res = await request(options, '/api/ingest/classroom/snapshots', { snapshots: batch.map((p) => p.body) });
      const rejected = new Map<number, string>((res.body?.rejected ?? []).map((r: any) => [r.index, r.reason]));
      batch.forEach((p, k) => {
        if (rejected.has(k)) notes.push(`rejected ${p.key}: ${rejected.get(k)}`);
        // A rejected version is not retried: the same bytes would be refused again.
        state.files[p.key] = { ...p.state, posted: true };
      });
      posted += batch.length - rejected.size;
      save();
    } catch (error) {
      failed += batch.length;
      notes.push(`not posted (will retry next round): ${batch.length} files: ${(error as Error).message}`);
    }
    progress(posted + failed);
  }
  if (total === 0) log(`no new versions (${scanned} files scanned)`);
  for (const note of notes) log(note);
  log(`round done in ${((Date.now() - started) / 1000).toFixed(2)} s: ${posted} posted, ${failed} failed`);
  return { posted, failed, notes };
}

async function main() {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
    if (!options.token) throw new Error('--token is required (or CLASSROOM_SYNC_TOKEN)');
  } catch (error) {
    process.stderr.write(`classroom:sync: ${(error as Error).message}\nusage: npm run classroom:sync -- --users users.csv --server URL --token T [--interval 300] [--once] [--root DIR] [--dest DIR] [--max-size 10m]\n`);
    process.exit(2);
  }
  for (;;) {
    log(`======== ${stamp()} ========`);
    let failed = 0;
    try {
      failed = (await syncRound(options)).failed;
    } catch (error) {
      log(`round failed: ${(error as Error).message}`);
      failed = 1;
    }
    if (options.once) process.exit(failed ? 1 : 0);
    log(`sleeping ${options.interval} s until the next round`);
    await new Promise((r) => setTimeout(r, options.interval * 1000));
  }
}

if (require.main === module) void main();
