/** Content-API: machines with an API token or a users-permissions role. */
import type { Core } from '@strapi/strapi';
import { contentApiAccess } from '../access';
import { parseExportOptions, parseImportOptions } from '../options';
import { getService } from '../utils';
import { isCollectionType } from '../services/fields';
import { reportOrFail, requestOptions, sendExport, uploadedCsv, type Ctx } from './shared';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** Collection types the caller may read (export) or create (import). */
  async types(ctx: Ctx) {
    const access = contentApiAccess(strapi, ctx.state.auth);
    const data = [];
    for (const uid of Object.keys(strapi.contentTypes).filter((u) => isCollectionType(strapi, u)).sort()) {
      const [read, create, update] = await Promise.all([access.canType(uid, 'read'), access.canType(uid, 'create'), access.canType(uid, 'update')]);
      if (read || create || update) data.push({ uid, export: read, import: create || update });
    }
    ctx.body = { data };
  },

  async export(ctx: Ctx) {
    const { uid } = ctx.params;
    getService('fields', strapi).assertExchangeable(uid);
    const options = parseExportOptions(ctx.query);
    const prepared = await getService('csvExport', strapi).prepare(uid, contentApiAccess(strapi, ctx.state.auth), ctx.query, options);
    sendExport(ctx, prepared);
  },

  async import(ctx: Ctx) {
    const { uid } = ctx.params;
    getService('fields', strapi).assertExchangeable(uid);
    const options = parseImportOptions(requestOptions(ctx));
    const buffer = await uploadedCsv(ctx);
    const report = await getService('csvImport', strapi).run(uid, contentApiAccess(strapi, ctx.state.auth), buffer, options);
    ctx.body = reportOrFail(report);
  },
});
