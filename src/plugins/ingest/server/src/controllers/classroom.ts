import type { Core } from '@strapi/strapi';
import { BodyError, ORIGINAL_CONTENT_TYPE, readBody } from '../body';
import { StudentCsvError } from '../services/classroom-students';
import { getService } from '../utils';

const int = (value: string | undefined, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
};
/** Read on every request (tests change them); the agent skips larger files itself (same default as the seed's rsync --max-size=10m). */
export const classroomLimits = () => ({
  maxFileBytes: int(process.env.CLASSROOM_MAX_FILE_BYTES, 10 * 1024 * 1024),
  maxBodyBytes: int(process.env.CLASSROOM_MAX_BODY_BYTES, 64 * 1024 * 1024),
  maxFilesPerRequest: int(process.env.CLASSROOM_MAX_FILES_PER_REQUEST, 2_000),
});

const fail = (ctx: any, status: number, name: string, message: string, extra: Record<string, unknown> = {}) => {
  ctx.status = status;
  ctx.body = { error: { status, name, message, ...extra } };
};

/** The snapshots route's body is read here (gzip, own limit): see the ingest plugin's register(). */
async function readJson(ctx: any, limit: number): Promise<unknown> {
  const type = ctx.get(ORIGINAL_CONTENT_TYPE) || ctx.get('content-type');
  if (type && !/json/i.test(type)) throw new BodyError(415, `Content-Type must be application/json (got "${type}")`);
  const raw = await readBody(ctx.req, ctx.get('content-encoding'), limit);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (error) {
    throw new BodyError(400, `Body is not valid UTF-8 JSON: ${(error as Error).message}`);
  }
}

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** POST /api/ingest/classroom/snapshots { snapshots: [...] } from the sync agent. */
  async snapshots(ctx) {
    const limits = classroomLimits();
    let body: any;
    try {
      body = await readJson(ctx, limits.maxBodyBytes);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      return fail(ctx, error.status, error.status === 413 ? 'PayloadTooLargeError' : 'BadRequestError', error.message);
    }
    const list = body?.snapshots;
    if (!Array.isArray(list)) return fail(ctx, 400, 'ValidationError', 'Body must be { "snapshots": [ ... ] }', { field: 'snapshots' });
    if (list.length > limits.maxFilesPerRequest) {
      return fail(ctx, 413, 'PayloadTooLargeError', `Request holds ${list.length} files; the limit is ${limits.maxFilesPerRequest} per request`);
    }
    const result = await getService('notebookSnapshots', strapi).ingestSnapshots(list, { maxFileBytes: limits.maxFileBytes });
    // Like the logs route: 200 when something was accepted (stored or already there), 400 when nothing was.
    ctx.status = list.length > 0 && result.rejected.length === list.length ? 400 : 200;
    ctx.body = result;
  },

  /** POST /api/ingest/classroom/students { csv: "uid,notebooks,..." } (the agent's users.csv). */
  async students(ctx) {
    const csv = ctx.request.body?.csv;
    if (typeof csv !== 'string' || csv.trim() === '') return fail(ctx, 400, 'ValidationError', 'Body must be { "csv": "<users.csv text>" }', { field: 'csv' });
    try {
      ctx.body = await getService('classroomStudents', strapi).importCsv(csv);
    } catch (error) {
      if (error instanceof StudentCsvError) return fail(ctx, 400, 'ValidationError', error.message, { field: 'csv' });
      throw error;
    }
  },
});
