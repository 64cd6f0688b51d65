/** Admin routes behind the Content Manager list-view buttons. */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { adminAccess, assertType } from '../access';
import { parseExportOptions, parseImportOptions } from '../options';
import { getService } from '../utils';
import { requestOptions, sendExport, uploadedCsv, type Ctx } from './shared';

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
      const job = getService('importJobs', strapi).start(uid, ctx.state.user.id, (onProgress) =>
        getService('csvImport', strapi).run(uid, a, buffer, options, onProgress),
      );
      ctx.status = 202;
      ctx.body = { data: job };
    },

    async job(ctx: Ctx) {
      const job = getService('importJobs', strapi).get(ctx.params.id);
      if (!job || job.ownerId !== ctx.state.user.id) throw new errors.NotFoundError('No such import job');
      ctx.body = { data: job };
    },
  };
};
