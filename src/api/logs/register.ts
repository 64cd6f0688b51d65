import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';

const ENTRY_UID = 'api::logs.log-entry';
const SERVICE_UID = 'api::logs.log-service';
const TOKEN_FIELDS = ['token_hash', 'token_prefix'];

const invalidServiceName = (message: string) =>
  new errors.ValidationError(message, { errors: [{ path: ['service_name'], message, name: 'ValidationError' }] });

/**
 * Logs domain rules as document middlewares. An entry names its service by `service_name` (a plain
 * column, not a relation: a link row per entry halved the bulk ingest rate, docs/ingest.md), so every
 * write made through the Document Service (admin edits, REST `POST /api/log-entries`) must name an
 * existing log service, and a renamed service takes its entries along. The bulk ingest path checks the
 * service itself. A service's token pair is written only by the ingest plugin and its hash is never
 * returned by the Document Service.
 */
export default function registerLogs({ strapi }: { strapi: Core.Strapi }) {
  strapi.documents.use(async (ctx, next) => {
    const data = (ctx.params as { data?: Record<string, unknown> }).data;
    if (ctx.uid === ENTRY_UID && ['create', 'update', 'clone'].includes(ctx.action) && data && data.service_name !== undefined) {
      await checkServiceName(strapi, data.service_name);
    }
    let renamedFrom: string | null = null;
    if (ctx.uid === SERVICE_UID && data) {
      // Only the ingest plugin's token service (query engine) writes the token pair.
      for (const field of TOKEN_FIELDS) delete data[field];
      if (ctx.action === 'update' && typeof data.name === 'string') renamedFrom = await currentName(strapi, ctx.params as { documentId?: string });
    }
    const result = await next();
    if (ctx.uid !== SERVICE_UID) return result;
    if (renamedFrom !== null && result && renamedFrom !== data!.name) {
      await strapi.db.connection(strapi.db.metadata.get(ENTRY_UID).tableName).where('service_name', renamedFrom).update({ service_name: data!.name });
    }
    // `private` only hides token_hash from the content API; the hash stays out of the admin too.
    for (const doc of Array.isArray(result) ? result : [result]) {
      if (doc && typeof doc === 'object') delete (doc as Record<string, unknown>).token_hash;
    }
    return result;
  });
}

async function checkServiceName(strapi: Core.Strapi, name: unknown) {
  // null and '' are left to the required-field validation.
  if (name === null || name === '') return;
  if (typeof name !== 'string') throw invalidServiceName('service_name must be the name of a log service');
  const service = await strapi.db.query(SERVICE_UID).findOne({ where: { name }, select: ['id'] });
  if (!service) throw invalidServiceName(`service_name "${name.slice(0, 100)}" is not a log service`);
}

async function currentName(strapi: Core.Strapi, params: { documentId?: string }): Promise<string | null> {
  if (!params.documentId) return null;
  const row = await strapi.db.query(SERVICE_UID).findOne({ where: { documentId: params.documentId }, select: ['name'] });
  return row?.name ?? null;
}
