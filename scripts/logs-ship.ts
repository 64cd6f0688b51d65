/**
 * Tails a log file and ships its lines to Tallyboard in batches, with retry and a progress line.
 *
 *   npm run logs:ship -- --service pagos --token tbl_... app.log [--url http://localhost:1337]
 *     [--batch 500] [--once] [--from-end]
 *
 * A line that is a JSON object is sent as a record (timestamp, severity, message, attributes, host);
 * any other line becomes `{ message: line }`. Without --once it keeps following the file (like
 * `tail -F`, surviving truncation/rotation). Each batch carries an Idempotency-Key, so a retry after a
 * lost answer never stores lines twice.
 */
import fs from 'fs';
import os from 'os';
import { parseArgs, postWithRetry } from './logs-cli';

const MAX_LINE = 32_768;

async function main() {
  const { flags, rest } = parseArgs(process.argv.slice(2));
  const file = rest[0];
  const token = flags.token ?? process.env.LOGS_TOKEN;
  if (!file || !token) throw new Error('usage: logs:ship -- --service <name> --token <token> <file.log> [--once] [--batch 500] [--url ...]');
  const service = flags.service;
  const batchSize = Math.max(1, Number(flags.batch ?? 500));
  const follow = flags.once !== 'true';
  const base = (flags.url ?? process.env.TALLYBOARD_URL ?? 'http://localhost:1337').replace(/\/$/, '');
  const url = `${base}/api/ingest/logs${service ? `?service=${encodeURIComponent(service)}` : ''}`;
  const host = os.hostname();

  const stats = { lines: 0, stored: 0, rejected: 0, retries: 0, batches: 0 };
  const progress = () =>
    process.stderr.write(`\r[ship] ${stats.lines} lines read, ${stats.stored} stored, ${stats.rejected} rejected, ${stats.batches} batches, ${stats.retries} retries   `);

  const toRecord = (line: string) => {
    const trimmed = line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line;
    if (trimmed.startsWith('{')) {
      try {
        const value = JSON.parse(trimmed);
        if (value && typeof value === 'object' && !Array.isArray(value)) return JSON.stringify({ host, ...value });
      } catch {
        /* not JSON: shipped as plain text */
      }
    }
    return JSON.stringify({ message: trimmed, host });
  };

  let pending: string[] = [];
  const flush = async () => {
    if (!pending.length) return;
    const batch = pending;
    pending = [];
    const result = await postWithRetry(url, token, batch.join('\n'), (reason) => {
      stats.retries++;
      process.stderr.write(`\n[ship] retrying a batch of ${batch.length} lines (${reason})\n`);
    });
    if (result.status === 401) throw new Error('token refused (401)');
    if (result.status === 413) throw new Error(`batch refused as too large: ${result.body?.error?.message}; lower --batch`);
    stats.batches++;
    stats.stored += result.body?.stored ?? 0;
    stats.rejected += result.body?.rejected?.length ?? 0;
    progress();
  };

  let position = flags['from-end'] === 'true' && fs.existsSync(file) ? fs.statSync(file).size : 0;
  let partial = '';
  let lastFlush = Date.now();
  const buffer = Buffer.alloc(1 << 20);
  for (;;) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (error) {
      if (!follow) throw error;
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < position) position = 0; // truncated or rotated: start over
      while (position < size) {
        const read = fs.readSync(fd, buffer, 0, buffer.length, position);
        if (read <= 0) break;
        position += read;
        const lines = (partial + buffer.subarray(0, read).toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.trim()) continue;
          stats.lines++;
          pending.push(toRecord(line.replace(/\r$/, '')));
          if (pending.length >= batchSize) {
            await flush();
            lastFlush = Date.now();
          }
        }
      }
    } finally {
      fs.closeSync(fd);
    }
    if (!follow) {
      if (partial.trim()) {
        stats.lines++;
        pending.push(toRecord(partial));
      }
      await flush();
      break;
    }
    if (pending.length && Date.now() - lastFlush >= 1000) {
      await flush();
      lastFlush = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  process.stderr.write(`\n[ship] done: ${JSON.stringify(stats)}\n`);
}

main().catch((error) => {
  process.stderr.write(`\n[ship] ${error.message}\n`);
  process.exit(1);
});
