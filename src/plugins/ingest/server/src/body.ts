import zlib from 'zlib';
import type { IncomingMessage } from 'http';

/** Header set by the early middleware: the original Content-Type, hidden from strapi::body. */
export const ORIGINAL_CONTENT_TYPE = 'x-tallyboard-ingest-content-type';
export const HIDDEN_CONTENT_TYPE = 'application/x-tallyboard-ingest-raw';

export class BodyError extends Error {
  constructor(public status: 400 | 413 | 415, message: string) {
    super(message);
  }
}

/**
 * Reads the request body itself, inflating gzip on the fly and stopping as soon as the decoded size
 * passes `limit` (a gzip bomb never gets unpacked in full). Throws BodyError (413 / 400 / 415).
 */
export function readBody(req: IncomingMessage, encoding: string | undefined, limit: number): Promise<Buffer> {
  const coding = (encoding ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'x-gzip', ''].includes(coding)) {
    return Promise.reject(new BodyError(415, `Content-Encoding "${coding}" is not supported (use gzip or none)`));
  }
  const tooLarge = () => new BodyError(413, `Request body exceeds the limit of ${limit} bytes`);
  const declared = Number(req.headers['content-length']);
  if (coding === 'identity' || coding === '') {
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      return Promise.reject(tooLarge());
    }
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const source: NodeJS.ReadableStream = coding.endsWith('gzip') ? req.pipe(zlib.createGunzip()) : req;
    const fail = (error: Error) => {
      if (done) return;
      done = true;
      req.unpipe();
      req.resume(); // drain what the client still sends so the socket can answer
      reject(error);
    };
    source.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) return fail(tooLarge());
      chunks.push(chunk);
    });
    source.on('error', (error: Error & { code?: string }) =>
      fail(error.code?.startsWith('Z_') ? new BodyError(400, `Body is not valid gzip: ${error.message}`) : error),
    );
    source.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('aborted', () => fail(new BodyError(400, 'Request aborted by the client')));
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The decoded records, or an error for the whole body; NDJSON lines that do not parse are per-record. */
export type ParsedBody = { records: Array<({ value: unknown } | { error: string }) & { line?: number }> };

/**
 * One JSON object, a JSON array, or NDJSON (one JSON value per line; blank lines ignored). Without a
 * recognised Content-Type the body is tried as JSON first, then as NDJSON.
 */
export function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new BodyError(400, 'Body is not valid UTF-8');
  }
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  const ndjson = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'].includes(type);
  if (!ndjson) {
    try {
      const value = JSON.parse(text);
      if (Array.isArray(value)) return { records: value.map((v) => ({ value: v })) };
      return { records: [{ value }] };
    } catch (error) {
      if (type === 'application/json' || !text.includes('\n')) {
        throw new BodyError(400, `Body is not valid JSON: ${(error as Error).message}`);
      }
    }
  }
  const records: ParsedBody['records'] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      records.push({ value: JSON.parse(line), line: i + 1 });
    } catch (error) {
      records.push({ error: `line ${i + 1} is not valid JSON: ${(error as Error).message}`, line: i + 1 });
    }
  });
  if (!records.length) throw new BodyError(400, 'Body holds no records');
  return { records };
}
