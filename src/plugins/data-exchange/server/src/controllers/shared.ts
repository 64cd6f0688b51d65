import fs from 'fs/promises';
import { errors } from '@strapi/utils';
import type { PreparedExport } from '../services/csv-export';
import { invalid } from '../options';

export type Ctx = any;

export function sendExport(ctx: Ctx, prepared: PreparedExport) {
  ctx.set('Content-Disposition', `attachment; filename="${prepared.filename}"`);
  // The admin's progress bar: rows to expect, before the body streams.
  ctx.set('X-Total-Count', String(prepared.total));
  ctx.set('Access-Control-Expose-Headers', 'X-Total-Count, Content-Disposition');
  ctx.type = 'text/csv; charset=utf-8';
  ctx.body = prepared.stream();
}

/**
 * Strapi's body middleware deletes the temp file of a multipart field named `files` only: the CSV's
 * (field `file`) would stay in the temp directory after every upload, so it is removed once read.
 */
export function removeUpload(ctx: Ctx): void {
  const file = ctx.request.files?.file;
  for (const one of Array.isArray(file) ? file : file ? [file] : []) {
    const filepath = one.filepath ?? one.path;
    if (filepath) fs.rm(filepath, { force: true }).catch(() => undefined);
  }
}

/** The uploaded CSV (multipart field `file`) as bytes: the encoding is detected from them. The temp file is removed once read. */
export async function uploadedCsv(ctx: Ctx): Promise<Buffer> {
  const file = ctx.request.files?.file;
  const one = Array.isArray(file) ? file[0] : file;
  if (!one) throw invalid('file', 'missing: send the CSV as multipart/form-data field "file"');
  try {
    return await fs.readFile(one.filepath ?? one.path);
  } finally {
    removeUpload(ctx);
  }
}

/** Options from multipart fields and the query string (fields win). */
export const requestOptions = (ctx: Ctx): Record<string, unknown> => ({ ...ctx.query, ...(ctx.request.body ?? {}) });

/** A report with problems is a 400 whose details carry the whole report. */
export function reportOrFail(report: { ok: boolean; problemCount: number; dryRun: boolean }) {
  if (report.ok) return { data: report };
  throw new errors.ValidationError(
    `${report.problemCount} problem(s) in the file; nothing was written${report.dryRun ? ' (dry run)' : ''}`,
    report,
  );
}
