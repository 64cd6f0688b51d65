/**
 * Progress of a long admin operation (imports): the answer is a stream of NDJSON lines the page reads as
 * they come (chart-kit/postNdjson.ts), one JSON value per line, ending with the result or an error.
 */
import { PassThrough } from 'stream';

export interface NdjsonProgress {
  line(value: unknown): void;
  end(): void;
}

/** Starts `ctx`'s 200 answer as NDJSON and returns its writer. */
export function answerWithNdjson(ctx: { status: number; type: string; body: unknown; set(name: string, value: string): void }): NdjsonProgress {
  const stream = new PassThrough();
  ctx.status = 200;
  ctx.type = 'application/x-ndjson';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = stream;
  return {
    line: (value) => {
      stream.write(`${JSON.stringify(value)}\n`);
    },
    end: () => {
      stream.end();
    },
  };
}
