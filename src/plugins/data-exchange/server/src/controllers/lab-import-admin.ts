/**
 * Battery lab import for the admin page "Battery file import" (docs/battery-data.md). The preview is
 * the content-API handler itself (routes/lab-import-admin.ts); the import calls the same
 * `api::lab.battery-import` service, but as a job: the POST answers its id at once and the page polls
 * it, so a closed or reloaded page can find the import again (src/platform/admin-jobs.ts).
 */
import fs from 'fs';
import { errors } from '@strapi/utils';
import { LayoutError, type BatteryImportService } from '../../../../../api/lab/services/battery-import';
import { labImportError, type LabImportJob } from '../services/lab-import-jobs';
import { getService } from '../utils';
import { removeUpload, type Ctx } from './shared';

const service = () => strapi.service('api::lab.battery-import') as unknown as BatteryImportService;

/**
 * Rows the file will give, from the line length of its first and last 64 kB (counters such as Data_Point
 * make later lines longer): the bar goes by rows written, the import's own measure of its progress (the
 * bytes read run a few chunks ahead of them).
 */
async function estimateRows(filepath: string, totalBytes: number): Promise<number | null> {
  const SAMPLE = 64 * 1024;
  const handle = await fs.promises.open(filepath, 'r');
  try {
    const starts = totalBytes <= 2 * SAMPLE ? [0] : [0, totalBytes - SAMPLE];
    let lines = 0;
    let bytes = 0;
    for (const start of starts) {
      const sample = Buffer.alloc(Math.min(starts.length === 1 ? totalBytes : SAMPLE, totalBytes));
      const { bytesRead } = await handle.read(sample, 0, sample.length, start);
      for (let i = sample.indexOf(0x0a); i !== -1 && i < bytesRead; i = sample.indexOf(0x0a, i + 1)) lines++;
      bytes += bytesRead;
    }
    return lines > 0 && bytes > 0 ? Math.max(1, Math.round((totalBytes * lines) / bytes) - 1) : null;
  } finally {
    await handle.close();
  }
}

/** What the page polls: state, progress with rows/s, then the result or the error. */
function jobView(job: LabImportJob) {
  const elapsedMs = (job.endedAt ?? Date.now()) - job.startedAt;
  const { rows, bytes, totalBytes, estimatedRows } = job.progress;
  return {
    id: job.id,
    state: job.state,
    rows,
    bytes,
    totalBytes,
    estimatedRows,
    elapsedMs,
    rowsPerSecond: elapsedMs > 0 ? Math.round((1000 * rows) / elapsedMs) : 0,
    ...(job.result ? { result: job.result } : {}),
    ...(job.error ? { error: job.error } : {}),
  };
}

/**
 * POST /data-exchange/lab/experiments/import (admin). Multipart `file` plus the import's options as
 * fields. Bad options or no file: a plain 400 (upload removed). Otherwise 202 `{ data: job }` at once;
 * the upload's temp file belongs to the job and is removed when it ends.
 */
export async function startExperimentImport(ctx: Ctx) {
  const file = ctx.request.files?.file;
  const one = Array.isArray(file) ? file[0] : file;
  if (!one) {
    throw new errors.ValidationError('file: missing, send the CSV as multipart/form-data field "file"', { errors: [{ path: ['file'], message: 'missing' }] });
  }
  const fields = ctx.request.body && typeof ctx.request.body === 'object' ? ctx.request.body : {};
  let options;
  try {
    options = await service().options({ ...ctx.query, ...fields });
    if (!options.name) throw new LayoutError('name', 'name is required (the experiment\'s name)');
  } catch (error) {
    removeUpload(ctx);
    if (!(error instanceof LayoutError)) throw error;
    const refused = labImportError(error);
    throw new errors.ValidationError(refused.message, refused.details);
  }

  const filepath: string = one.filepath ?? one.path;
  const totalBytes: number = one.size ?? 0;
  const estimatedRows = await estimateRows(filepath, totalBytes).catch(() => null);
  const job = await getService('labImportJobs').start(ctx.state.user.id, { rows: 0, bytes: 0, totalBytes, estimatedRows }, async (setProgress) => {
    const source = fs.createReadStream(filepath);
    const started = Date.now();
    try {
      const result = await service().importCsv(source, {
        ...options,
        // The yield lets this instance answer the page's polls between batches (better-sqlite3 is synchronous).
        onProgress: (rows) => {
          setProgress({ rows, bytes: Math.min(source.bytesRead, totalBytes), totalBytes, estimatedRows });
          return new Promise<void>((resolve) => setImmediate(resolve));
        },
      });
      setProgress({ rows: result.rows, bytes: totalBytes, totalBytes, estimatedRows });
      return { ...result, elapsedMs: Date.now() - started };
    } finally {
      source.destroy();
      removeUpload(ctx);
    }
  });
  ctx.status = 202;
  ctx.body = { data: jobView(job) };
}

/** GET /data-exchange/lab/experiments/import-jobs/:id (admin): the job, for the admin user who started it only. */
export async function importJob(ctx: Ctx) {
  const job = await getService('labImportJobs').get(String(ctx.params.id), ctx.state.user.id);
  if (!job) {
    throw new errors.NotFoundError('No such import job: it was started by another user, or ended more than 15 minutes ago');
  }
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { data: jobView(job) };
}
