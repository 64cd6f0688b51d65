import fs from 'fs/promises';
import type { Core } from '@strapi/strapi';
import { BodyError, readBody } from '../body';
import { getService } from '../utils';
import { REPORT_UID, type ImportOptions, type RoboticsFile } from '../services/robotics-import';

/** Largest log accepted in one request (a year of v1 lines is ~100 MB). */
const maxUploadBytes = () => Number(process.env.ROBOTICS_MAX_UPLOAD_BYTES) || 256 * 1024 * 1024;

interface UploadedFile {
  filepath?: string;
  path?: string;
  originalFilename?: string | null;
  name?: string;
}

/**
 * The files of a request: multipart/form-data (any field, one or many files; parsed by strapi::body)
 * or the log itself as the body (application/octet-stream or text/plain, gzip allowed) named by
 * `?filename=`.
 */
async function filesOf(ctx: any): Promise<RoboticsFile[]> {
  const uploaded = ctx.request.files as Record<string, UploadedFile | UploadedFile[]> | undefined;
  if (uploaded && Object.keys(uploaded).length) {
    const files: RoboticsFile[] = [];
    for (const value of Object.values(uploaded)) {
      for (const f of Array.isArray(value) ? value : [value]) {
        const path = f.filepath ?? f.path!;
        files.push({ name: f.originalFilename ?? f.name ?? 'upload.txt', content: await fs.readFile(path) });
      }
    }
    return files;
  }
  const filename = typeof ctx.query.filename === 'string' ? ctx.query.filename.trim() : '';
  // strapi::body has read a text/plain body already; other types are still in the stream.
  const body = typeof ctx.request.body === 'string' ? Buffer.from(ctx.request.body, 'utf8') : await readBody(ctx.req, ctx.get('content-encoding'), maxUploadBytes());
  if (!body.length) throw new BodyError(400, 'No log file: send multipart/form-data with one or more files, or the log as the request body with ?filename=<name>');
  if (!filename) throw new BodyError(400, 'Query parameter filename is required when the log is sent as the request body (e.g. ?filename=2019-10-15-log.txt)');
  return [{ name: filename, content: body }];
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const run = async (ctx: any, source: ImportOptions['source']) => {
    let files: RoboticsFile[];
    try {
      files = await filesOf(ctx);
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      ctx.status = error.status;
      ctx.body = { data: null, error: { status: error.status, name: error.status === 413 ? 'PayloadTooLargeError' : 'BadRequestError', message: error.message } };
      return;
    }
    const timeZone = typeof ctx.query.timeZone === 'string' ? ctx.query.timeZone : undefined;
    try {
      const result = await getService('roboticsImport', strapi).importFiles(files, { source, timeZone });
      ctx.body = { data: result };
    } catch (error) {
      if (error instanceof Error && /^Unknown time zone/.test(error.message)) return ctx.badRequest(`Invalid parameter "timeZone": ${error.message}`);
      throw error;
    }
  };

  return {
    /** POST /api/ingest/robotics/import (API token with plugin::ingest.robotics.import). */
    async import(ctx) {
      await run(ctx, 'api');
    },
    /** POST /ingest/robotics/upload (admin session with the upload permission). */
    async upload(ctx) {
      await run(ctx, 'admin');
    },
    /** GET /ingest/robotics/reports: the latest import reports, newest first. */
    async reports(ctx) {
      const limit = Math.min(100, Math.max(1, Number(ctx.query.limit) || 20));
      const rows = await strapi.db.query(REPORT_UID as any).findMany({ orderBy: [{ imported_at: 'desc' }, { id: 'desc' }], limit });
      ctx.body = { data: rows };
    },
  };
};
