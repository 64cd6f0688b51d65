/** Small helpers shared by the logs command-line tools (argument parsing, posting with retry). */
import http from 'http';
import https from 'https';
import crypto from 'crypto';

export function parseArgs(argv: string[]): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [key, inline] = arg.slice(2).split('=', 2);
      if (inline !== undefined) flags[key] = inline;
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[key] = argv[++i];
      else flags[key] = 'true';
    } else rest.push(arg);
  }
  return { flags, rest };
}

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

export interface PostResult {
  status: number;
  body: any;
  retryAfter?: number;
}

/** One POST of an NDJSON body over a keep-alive connection. */
export function postNdjson(url: string, token: string, ndjson: string, idempotencyKey?: string): Promise<PostResult> {
  const target = new URL(url);
  const lib = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      target,
      {
        method: 'POST',
        agent: target.protocol === 'https:' ? agents.https : agents.http,
        headers: {
          Authorization: `Token ${token}`,
          'Content-Type': 'application/x-ndjson',
          'Content-Length': Buffer.byteLength(ndjson),
          ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let body: any = null;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            body = null;
          }
          const retryAfter = Number(res.headers['retry-after']);
          resolve({ status: res.statusCode ?? 0, body, retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(ndjson);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Posts a batch until the server has answered for it: retries network errors, 5xx and 429 (honouring
 * Retry-After) with exponential backoff. The same Idempotency-Key on every attempt means a batch
 * whose first answer was lost is never stored twice.
 */
export async function postWithRetry(
  url: string,
  token: string,
  ndjson: string,
  onRetry: (reason: string) => void = () => undefined,
  maxAttempts = 10,
): Promise<PostResult> {
  const key = crypto.randomUUID();
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await postNdjson(url, token, ndjson, key);
      if (result.status < 500 && result.status !== 429) return result;
      if (attempt >= maxAttempts) return result;
      onRetry(`HTTP ${result.status}`);
      await sleep(result.retryAfter ? result.retryAfter * 1000 : delay);
    } catch (error) {
      if (attempt >= maxAttempts) throw error;
      onRetry((error as Error).message);
      await sleep(delay);
    }
    delay = Math.min(delay * 2, 30_000);
  }
}
