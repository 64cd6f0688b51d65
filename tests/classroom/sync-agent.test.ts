import { execFile } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { createApiToken, root, startStrapi, type TestApp } from '../helpers/strapi';
import { notebook } from './helpers';

/** The sync agent as a person runs it (npm run classroom:sync), against a temp tree and the real server. */
describe('classroom sync agent', () => {
  let app: TestApp;
  let token: string;
  let tmp: string;
  const dest = () => path.join(tmp, 'dest');

  // Async: the server under test runs in this process and must keep answering.
  const runAgent = (extra: string[] = []) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        path.join(root, 'node_modules', '.bin', 'tsx'),
        [path.join(root, 'scripts', 'classroom-sync.ts'), '--users', path.join(tmp, 'users.csv'), '--server', app.url, '--token', token, '--once', '--root', tmp, '--dest', dest(), '--max-size', '4k', ...extra],
        { cwd: tmp, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as any).code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
  const snapshots = async (uid: string) =>
    (await app.strapi.db.query('api::classroom.notebook-snapshot').findMany({ where: { student: { uid } }, orderBy: { taken_at: 'asc' } })) as any[];
  const write = (rel: string, content: string, mtime: Date) => {
    const full = path.join(tmp, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
    fs.utimesSync(full, mtime, mtime);
  };

  beforeAll(async () => {
    app = await startStrapi({ env: { CYCLER_BRIDGE_ENABLED: 'false' } });
    token = await createApiToken(app.strapi, 'custom', ['plugin::ingest.classroom.snapshots', 'plugin::ingest.classroom.students']);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'classroom-sync-'));
    fs.writeFileSync(path.join(tmp, 'users.csv'), 'uid,notebooks,real_name,email\nalice,home/alice/notebooks,Alice L,alice@example.test\nbob,home/bob/notebooks,Bob M,bob@example.test\ncarol,home/carol/notebooks,Carol K,carol@example.test\n');
    const t = new Date('2026-11-30T09:00:00Z');
    write('home/alice/notebooks/ps1/problem1.ipynb', notebook(['not_run', 'empty']), t);
    write('home/alice/notebooks/notes.txt', 'first notes\n', t);
    write('home/alice/notebooks/data/big.bin', 'x'.repeat(5000), t);
    write('home/bob/notebooks/ps1/problem1.ipynb', notebook(['ok', 'error']), t);
    write('outside/secret.txt', 'not a student file\n', t);
    fs.symlinkSync(path.join(tmp, 'outside', 'secret.txt'), path.join(tmp, 'home/alice/notebooks/leak.txt'));
    fs.symlinkSync('notes.txt', path.join(tmp, 'home/alice/notebooks/notes-link.txt'));
  });
  afterAll(async () => {
    await app?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('first round: imports the students, posts every file, skips the missing directory, the oversize file and the escaping symlink', async () => {
    const { code, out } = await runAgent();
    expect([code, out]).toEqual([0, expect.any(String)]);
    expect(out).toMatch(/students: 3 created/);
    expect(out).toMatch(/skipped carol: .*home\/carol\/notebooks does not exist/);
    expect(out).toMatch(/skipped alice\/data\/big\.bin: 5000 bytes is over the limit of 4096/);
    expect(out).toMatch(/skipped .*leak\.txt: symlink leaves the student directory/);
    expect(out).toMatch(/posted 4\/4 new versions/);
    expect((await snapshots('alice')).map((s) => s.path).sort()).toEqual(['notes-link.txt', 'notes.txt', 'ps1/problem1.ipynb']);
    const [bob] = await snapshots('bob');
    expect(bob).toMatchObject({ path: 'ps1/problem1.ipynb', code_ok: 1, code_error: 1, is_latest: true });
    expect(fs.readFileSync(path.join(dest(), 'alice', 'notes.txt'), 'utf8')).toBe('first notes\n');
    expect(fs.existsSync(path.join(dest(), 'alice', 'leak.txt'))).toBe(false);
  });

  it('a round without changes posts nothing', async () => {
    const { code, out } = await runAgent();
    expect(code).toBe(0);
    expect(out).toMatch(/no new versions/);
    expect(await snapshots('alice')).toHaveLength(3);
  });

  it('a changed file: the earlier copy is kept as a .bak_<time> backup and both snapshots are on the server', async () => {
    const before = fs.readFileSync(path.join(tmp, 'home/alice/notebooks/ps1/problem1.ipynb'), 'utf8');
    const after = notebook(['ok', 'display']);
    write('home/alice/notebooks/ps1/problem1.ipynb', after, new Date('2026-11-30T10:00:00Z'));
    const { code, out } = await runAgent();
    expect([code, out]).toEqual([0, expect.stringMatching(/posted 1\/1 new versions/)]);
    const dir = path.join(dest(), 'alice', 'ps1');
    const backups = fs.readdirSync(dir).filter((f) => /^problem1\.ipynb\.bak_\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(f));
    expect(backups).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, backups[0]), 'utf8')).toBe(before);
    expect(fs.readFileSync(path.join(dir, 'problem1.ipynb'), 'utf8')).toBe(after);
    const versions = (await snapshots('alice')).filter((s) => s.path === 'ps1/problem1.ipynb');
    expect(versions.map((v) => [v.code_not_run, v.code_ok, v.code_display, v.is_latest])).toEqual([[1, 0, 0, false], [0, 1, 1, true]]);
  });

  it('a deleted file is reported; its copies and snapshots stay', async () => {
    fs.rmSync(path.join(tmp, 'home/alice/notebooks/notes.txt'));
    const { code, out } = await runAgent();
    expect(code).toBe(0);
    expect(out).toMatch(/deleted alice\/notes\.txt/);
    expect(out).toMatch(/broken symlink/); // notes-link.txt now points nowhere
    expect(fs.existsSync(path.join(dest(), 'alice', 'notes.txt'))).toBe(true);
    expect((await snapshots('alice')).some((s) => s.path === 'notes.txt')).toBe(true);
  });

  it('exits non-zero and keeps the versions for the next round when the server refuses the token', async () => {
    write('home/bob/notebooks/ps1/problem2.ipynb', notebook(['ok']), new Date('2026-11-30T11:00:00Z'));
    const good = token;
    token = 'wrong-token';
    const failed = await runAgent();
    token = good;
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/not posted \(will retry next round\)/);
    const retried = await runAgent();
    expect([retried.code, retried.out]).toEqual([0, expect.stringMatching(/posted 1\/1 new versions/)]);
    expect((await snapshots('bob')).map((s) => s.path)).toContain('ps1/problem2.ipynb');
  });
});
