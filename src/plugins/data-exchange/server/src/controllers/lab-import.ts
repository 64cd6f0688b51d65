/**
 * Battery lab import for machines: a cycler CSV becomes a finished experiment (docs/battery-data.md).
 * Thin handlers: the body as a stream, options parsed, then `api::lab.battery-import`. Declared as
 * function handlers in routes/lab-import.ts with an explicit scope, `api::lab.experiment.create`: an
 * import creates an experiment, so whoever may create one may import one.
 */
import fs from 'fs';
import { Readable } from 'stream';
import { errors } from '@strapi/utils';
import { LayoutError, RowError, type BatteryImportService } from '../../../../../api/lab/services/battery-import';
import type { LabSamplesService, SampleExportOptions } from '../../../../../api/lab/services/lab-samples';
import { removeUpload, type Ctx } from './shared';

const service = () => strapi.service('api::lab.battery-import') as unknown as BatteryImportService;

/** Multipart field `file`, a text/csv body (parsed by Strapi's body middleware, small files), or a raw application/octet-stream body (streamed). */
function bodyStream(ctx: Ctx): Readable {
  const file = ctx.request.files?.file;
  const one = Array.isArray(file) ? file[0] : file;
  if (one) return fs.createReadStream(one.filepath ?? one.path);
  const body = ctx.request.body;
  if (typeof body === 'string') return Readable.from([Buffer.from(body, 'utf8')]);
  if (!ctx.req.readableEnded && (ctx.get('content-length') !== '' || ctx.get('transfer-encoding') !== '')) return ctx.req;
  throw toHttpError(new LayoutError('file', 'missing: send the CSV as multipart/form-data field "file" or as an application/octet-stream body'));
}

function options(ctx: Ctx) {
  const fields = ctx.request.body && typeof ctx.request.body === 'object' ? ctx.request.body : {};
  return service().options({ ...ctx.query, ...fields });
}

/** Layout and option problems name the option; row problems the line, column and value. */
function toHttpError(error: unknown): unknown {
  if (error instanceof RowError) {
    return new errors.ValidationError(`${error.message}; nothing was imported`, { line: error.line, column: error.column, value: error.value });
  }
  if (error instanceof LayoutError) {
    return new errors.ValidationError(error.message, { errors: [{ path: [error.option], message: error.message, name: 'ValidationError' }] });
  }
  return error;
}

export async function preview(ctx: Ctx) {
  try {
    const opts = await options(ctx);
    ctx.body = { data: await service().preview(bodyStream(ctx), opts) };
  } catch (error) {
    throw toHttpError(error);
  } finally {
    removeUpload(ctx);
  }
}

export async function importExperiment(ctx: Ctx) {
  try {
    const opts = await options(ctx);
    ctx.status = 201;
    ctx.body = { data: await service().importCsv(bodyStream(ctx), opts) };
  } catch (error) {
    throw toHttpError(error);
  } finally {
    removeUpload(ctx);
  }
}

/** `from` / `to`: epoch milliseconds or an ISO date-time; anything else is a 400 naming the parameter. */
function exportOptions(query: Record<string, unknown>): SampleExportOptions {
  const time = (key: 'from' | 'to') => {
    const v = query[key];
    if (v === undefined || v === '') return undefined;
    const n = typeof v !== 'string' ? Number.NaN : /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(n)) throw new LayoutError(key, `${key} must be epoch milliseconds or an ISO 8601 date-time`);
    return n;
  };
  const names = query.names ?? 'bdf';
  if (names !== 'bdf' && names !== 'native') throw new LayoutError('names', 'names must be bdf or native');
  const from = time('from');
  const to = time('to');
  if (from !== undefined && to !== undefined && from > to) throw new LayoutError('to', 'to must not be before from');
  return { from, to, names };
}

/** Every sample of an experiment (by id or documentId), or of a time window, as streamed CSV. */
export async function exportExperiment(ctx: Ctx) {
  try {
    const opts = exportOptions(ctx.query);
    const ref = String(ctx.params.id);
    const experiment = await strapi.db.query('api::lab.experiment').findOne({
      where: /^\d+$/.test(ref) ? { id: Number(ref) } : { documentId: ref },
      select: ['id'],
    });
    if (!experiment) throw new errors.NotFoundError(`no experiment with id or documentId "${ref}"`);
    const samples = strapi.service('api::lab.lab-samples') as unknown as LabSamplesService;
    ctx.set('Content-Disposition', `attachment; filename="experiment-${experiment.id}${opts.names === 'native' ? '-native' : ''}.csv"`);
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = samples.exportCsv(experiment.id, opts);
  } catch (error) {
    throw toHttpError(error);
  }
}
