import zlib from 'zlib';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { prng } from './helpers';
import { countEntries, createLogService, keepAlive, postRaw } from './ingest-helpers';

const ENDPOINT = '/api/ingest/logs';
const BODIES = 5_000;
const CONCURRENCY = 8;

interface FuzzCase {
  kind: string;
  headers: Record<string, string>;
  body: Buffer | string;
  /** Records in the body that are valid and may be stored (message starts with fuzz-valid-). */
  valid: number;
}

function makeCase(i: number, maxMessageLength: number): FuzzCase {
  const rand = prng(i + 1);
  const int = (n: number) => Math.floor(rand() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const pick = <T>(xs: T[]): T => xs[int(xs.length)];
  const json = { 'Content-Type': 'application/json' };
  const ndjson = { 'Content-Type': 'application/x-ndjson' };
  const wrongValues: unknown[] = [null, true, false, 0, -1, 1.5e308, '', [], {}, [[]], { a: 1 }, 'x'.repeat(10), [1, 2, 3]];
  const badRecord = (): unknown =>
    pick<() => unknown>([
      () => pick(wrongValues),
      () => ({ message: pick(wrongValues.filter((v) => typeof v !== 'string')) }),
      () => ({ severity: 'INFO', host: 'h' }),
      () => ({ message: 'm', severity: pick(['LOUD', 'infoo', 42, {}, [], 'warn ing']) }),
      () => ({ message: 'm', timestamp: pick(['yesterday', '2026-13-45', 'NaN', -5, 1e20, {}, [], true, '2026-01-01T25:00:00Z']) }),
      () => ({ message: 'm', attributes: pick(['str', 1, [1], true]) }),
      () => ({ message: 'm', host: pick([1, {}, [], 'h'.repeat(300)]) }),
      () => ({ message: 'x'.repeat(maxMessageLength + 1 + int(1000)) }),
      () => ({ message: 'nul\u0000inside' }),
      () => ({ message: 'lone \ud800 surrogate' }),
      () => ({ message: 'm', attributes: { k: 'nul\u0000' } }),
      () => ({ message: 'm', attributes: JSON.parse('{"a":' + '{"b":'.repeat(40) + '1' + '}'.repeat(41)) }),
      () => ({ message: '   ' }),
      () => ({ message: 'm', service: pick([1, {}, 'another-service']) }),
    ])();

  switch (i % 12) {
    case 0:
      return { kind: 'random bytes as JSON', headers: json, body: bytes(1 + int(300)), valid: 0 };
    case 1:
      return { kind: 'random bytes as NDJSON', headers: ndjson, body: Buffer.concat([bytes(1 + int(200)), Buffer.from('\n'), bytes(int(50))]), valid: 0 };
    case 2:
      return { kind: 'wrong types', headers: json, body: JSON.stringify(pick([badRecord(), Array.from({ length: 1 + int(5) }, badRecord)])), valid: 0 };
    case 3: {
      const depth = 1000 + int(50_000);
      return { kind: 'deep nesting', headers: json, body: pick(['[', '{"a":']).repeat(depth), valid: 0 };
    }
    case 4:
      return { kind: 'bad gzip', headers: { ...json, 'Content-Encoding': 'gzip' }, body: Buffer.concat([Buffer.from([0x1f, 0x8b]), bytes(int(100))]), valid: 0 };
    case 5: {
      const gz = zlib.gzipSync(JSON.stringify({ message: 'fuzz-truncated' }));
      return { kind: 'truncated gzip', headers: { ...json, 'Content-Encoding': 'gzip' }, body: gz.subarray(0, 1 + int(gz.length - 2)), valid: 0 };
    }
    case 6: {
      const raw = Buffer.concat([Buffer.from('{"message":"bad utf8 '), Buffer.from([pick([0xff, 0xc0, 0xed, 0x80]), 0xa0, 0x80]), Buffer.from('"}')]);
      return { kind: 'bad UTF-8', headers: pick([json, ndjson]), body: raw, valid: 0 };
    }
    case 7: {
      // Mixed: one valid record among invalid ones; only the valid one may be stored.
      const records = Array.from({ length: 2 + int(6) }, badRecord);
      records.splice(int(records.length), 0, { message: `fuzz-valid-${i}` });
      return { kind: 'mixed batch', headers: json, body: JSON.stringify(records), valid: 1 };
    }
    case 8: {
      const lines = Array.from({ length: 1 + int(6) }, () => pick([JSON.stringify(badRecord()), bytes(5 + int(20)).toString('latin1').replace(/\n/g, ' ')]));
      return { kind: 'NDJSON of bad lines', headers: ndjson, body: lines.join('\n'), valid: 0 };
    }
    case 9:
      return { kind: 'unsupported encoding', headers: { ...json, 'Content-Encoding': pick(['br', 'deflate, gzip', 'compress']) }, body: '{"message":"fuzz-enc"}', valid: 0 };
    case 10:
      return { kind: 'huge string in wrong field', headers: json, body: JSON.stringify({ severity: 'x'.repeat(5000 + int(50_000)), message: 'm' }), valid: 0 };
    default:
      return {
        kind: 'no content type',
        headers: {},
        body: pick([bytes(1 + int(100)), '', '   ', '\n\n', 'null', '[]', '[null]', '"message"', '{"message":', '[{"message":1}]']),
        valid: 0,
      };
  }
}

describe('ingest fuzz: malformed bodies never cause a 500 nor a stored row', () => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startStrapi();
    ({ token } = await createLogService(app.strapi, 'fuzzed'));
    await createLogService(app.strapi, 'another-service');
  });
  afterAll(async () => {
    keepAlive.destroy();
    await app?.stop();
  });

  it(`posts ${BODIES} malformed bodies`, async () => {
    const maxMessageLength = app.strapi.config.get('plugin::ingest.maxMessageLength') as number;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let expectedStored = 0;
    let next = 0;
    const started = Date.now();
    const worker = async () => {
      while (next < BODIES) {
        const i = next++;
        const fuzz = makeCase(i, maxMessageLength);
        expectedStored += fuzz.valid;
        const res = await postRaw(app.url + ENDPOINT, { Authorization: `Token ${token}`, ...fuzz.headers }, fuzz.body);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const ok = fuzz.valid ? res.status === 200 && res.body?.stored === fuzz.valid : [400, 413, 415].includes(res.status) && !res.body?.stored;
        if (!ok && failures.length < 10) failures.push(`#${i} ${fuzz.kind}: ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = Date.now() - started;

    expect(failures).toEqual([]);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(expectedStored).toBeGreaterThan(100);
    // Only the valid records of mixed batches exist, each exactly once.
    expect(await countEntries(app.strapi)).toBe(expectedStored);
    const strays = await app.strapi.db.connection('logs_entries').whereNot('message', 'like', 'fuzz-valid-%').count({ n: '*' }).first();
    expect(Number(strays?.n)).toBe(0);
    process.stdout.write(`[fuzz] ${BODIES} bodies in ${elapsed} ms, statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
  });
});
