import { execFile } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { promisify } from 'util';
import { root, startStrapi, type TestApp } from '../helpers/strapi';
import { countEntries, createLogService, storedEntries } from './ingest-helpers';

const run = promisify(execFile);
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

describe('logs command-line tools through the real endpoint', () => {
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    app = await startStrapi();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logs-ship-'));
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await app?.stop();
  });

  it('logs:ship sends every line of a file in batches (JSON lines as records, others as messages)', async () => {
    const { token } = await createLogService(app.strapi, 'shipped');
    const file = path.join(dir, 'app.log');
    const lines = Array.from({ length: 1203 }, (_, i) =>
      i % 3 === 0 ? JSON.stringify({ message: `json line ${i}`, severity: 'error', attributes: { i } }) : `plain line ${i}`,
    );
    fs.writeFileSync(file, lines.join('\n') + '\n\n');
    const { stderr } = await run(tsx, ['scripts/logs-ship.ts', '--once', '--batch', '500', '--service', 'shipped', '--token', token, '--url', app.url, file], { cwd: root });
    expect(stderr).toMatch(/1203 lines read, 1203 stored, 0 rejected, 3 batches/);
    expect(await countEntries(app.strapi, { service_name: 'shipped' })).toBe(1203);
    expect(await countEntries(app.strapi, { service_name: 'shipped', severity: 'ERROR' })).toBe(401);
    const [first] = await storedEntries(app.strapi, { 'e.message': 'plain line 1' });
    expect(first).toMatchObject({ service_name: 'shipped', known_service: 'shipped', severity: 'INFO', host: os.hostname() });
  });

  it('logs:simulate posts weighted lines for each service', async () => {
    const pagos = await createLogService(app.strapi, 'pagos');
    const chat = await createLogService(app.strapi, 'chat');
    const { stderr } = await run(
      tsx,
      ['scripts/logs-simulate.ts', '--services', 'pagos,chat', '--rate', '200', '--duration', '2', '--url', app.url, '--token', `pagos=${pagos.token},chat=${chat.token}`],
      { cwd: root },
    );
    expect(stderr).toMatch(/done: .*"rejected":0/);
    expect(await countEntries(app.strapi, { service_name: 'pagos' })).toBeGreaterThan(20);
    expect(await countEntries(app.strapi, { service_name: 'chat' })).toBeGreaterThan(20);
  });
});
