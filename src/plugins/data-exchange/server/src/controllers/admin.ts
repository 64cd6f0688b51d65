/** Admin routes behind the Content Manager list-view buttons. */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { adminAccess, assertType } from '../access';
import { parseExportOptions, parseImportOptions } from '../options';
import { getService } from '../utils';
import type { ImportJob } from '../services/import-jobs';
import { requestOptions, sendExport, uploadedCsv, type Ctx } from './shared';

/** The job as the import dialog reads it: the content type in `uid`, the report when it is done. */
const importJobView = (job: ImportJob) => ({
  id: job.id,
  uid: job.subject,
  ownerId: job.ownerId,
  state: job.state,
  progress: job.progress,
  ...(job.result ? { report: job.result } : {}),
  ...(job.error ? { error: job.error } : {}),
  ...(job.endedAt ? { endedAt: job.endedAt } : {}),
});

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const access = (ctx: Ctx) => adminAccess(strapi, ctx.state.userAbility);

  return {
    /** Columns the export dialog offers (readable, never private). */
    async fields(ctx: Ctx) {
      const { uid } = ctx.params;
      const info = await getService('fields', strapi).describe(uid);
      const a = access(ctx);
      await assertType(a, uid, 'read');
      const readable = a.allowedFields(uid, 'read');
      ctx.body = {
        data: {
          ...info,
          fields: info.fields.filter((f) => !f.private && (f.kind === 'system' || !readable || readable.has(f.name))),
        },
      };
    },

    async export(ctx: Ctx) {
      const { uid } = ctx.params;
      getService('fields', strapi).assertExchangeable(uid);
      const options = parseExportOptions(ctx.query);
      sendExport(ctx, await getService('csvExport', strapi).prepare(uid, access(ctx), ctx.query, options));
    },

    async preview(ctx: Ctx) {
      const { uid } = ctx.params;
      getService('fields', strapi).assertExchangeable(uid);
      const options = parseImportOptions(requestOptions(ctx));
      ctx.body = { data: await getService('csvImport', strapi).preview(uid, access(ctx), await uploadedCsv(ctx), options) };
    },

    /** Starts the import (or dry run) as a job; the dialog polls `job` for the progress bar and the report. */
    async startImport(ctx: Ctx) {
      const { uid } = ctx.params;
      getService('fields', strapi).assertExchangeable(uid);
      const options = parseImportOptions(requestOptions(ctx));
      const buffer = await uploadedCsv(ctx);
      const a = access(ctx);
      // Permission and option errors answer this request; row problems go into the job's report.
      if (options.mode !== 'update') await assertType(a, uid, 'create');
      if (options.mode !== 'create') await assertType(a, uid, 'update');
      const job = await getService('importJobs', strapi).start(
        ctx.state.user.id,
        { phase: 'checking', processed: 0, total: 0 },
        (onProgress) => getService('csvImport', strapi).run(uid, a, buffer, options, onProgress),
        uid,
      );
      ctx.status = 202;
      ctx.body = { data: importJobView(job) };
    },

    async job(ctx: Ctx) {
      const job = await getService('importJobs', strapi).get(String(ctx.params.id), ctx.state.user.id);
      if (!job) throw new errors.NotFoundError('No such import job');
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { data: importJobView(job) };
    },
  };
};
