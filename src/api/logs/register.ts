import type { Core } from '@strapi/strapi';

const ENTRY_UID = 'api::logs.log-entry';
const SERVICE_UID = 'api::logs.log-service';
const TOKEN_FIELDS = ['token_hash', 'token_prefix'];

type Ref = string | number | { documentId?: string; id?: number } | null | undefined;

/**
 * The service a relation value points at, in any of the shapes the Document Service accepts
 * (documentId, id, { documentId }, { connect: [...] }, { set: [...] }). `null` = disconnected,
 * `undefined` = the relation is not being changed.
 */
function relationTarget(value: unknown): Ref | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (Array.isArray(value)) return value.length ? relationTarget(value[value.length - 1]) : null;
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('set' in v) return relationTarget(v.set) ?? null;
    if ('connect' in v && Array.isArray(v.connect) && v.connect.length) return relationTarget(v.connect);
    if ('disconnect' in v && Array.isArray(v.disconnect) && v.disconnect.length) return null;
    if (v.documentId !== undefined || v.id !== undefined) return v as Ref;
  }
  return undefined;
}

async function serviceName(strapi: Core.Strapi, ref: Ref): Promise<string | null> {
  if (ref === null || ref === undefined) return null;
  const where =
    typeof ref === 'string' ? { documentId: ref } : typeof ref === 'number' ? { id: ref } : ref.documentId ? { documentId: ref.documentId } : { id: ref.id };
  const row = await strapi.db.query(SERVICE_UID).findOne({ where, select: ['name'] });
  return row?.name ?? null;
}

/**
 * Logs domain rules as document middlewares. `service_name` is a denormalised copy of the entry's
 * service name (queries filter on it without a join), so it follows the relation on every write made
 * through the Document Service (admin edits, REST `POST /api/log-entries`), and follows a renamed
 * service. The bulk ingest path fills it itself. A service's token pair is written only by the
 * ingest plugin and its hash is never returned by the Document Service.
 */
export default function registerLogs({ strapi }: { strapi: Core.Strapi }) {
  strapi.documents.use(async (ctx, next) => {
    const data = (ctx.params as { data?: Record<string, unknown> }).data;
    if (ctx.uid === ENTRY_UID && ['create', 'update', 'clone'].includes(ctx.action) && data) {
      const target = relationTarget(data.service);
      if (target !== undefined) data.service_name = await serviceName(strapi, target);
      else if (ctx.action === 'create') data.service_name = null; // never trust a name without its relation
      else delete data.service_name;
    }
    if (ctx.uid === SERVICE_UID && data) {
      // Only the ingest plugin's token service (query engine) writes the token pair.
      for (const field of TOKEN_FIELDS) delete data[field];
    }
    const result = await next();
    if (ctx.uid !== SERVICE_UID) return result;
    if (ctx.action === 'update' && typeof data?.name === 'string' && result) {
      await renameEntries(strapi, (result as { id: number }).id, data.name);
    }
    // `private` only hides token_hash from the content API; the hash stays out of the admin too.
    for (const doc of Array.isArray(result) ? result : [result]) {
      if (doc && typeof doc === 'object') delete (doc as Record<string, unknown>).token_hash;
    }
    return result;
  });
}

async function renameEntries(strapi: Core.Strapi, serviceId: number, name: string) {
  const entries = strapi.db.metadata.get(ENTRY_UID);
  const joinTable = (entries.attributes as any).service.joinTable;
  const knex = strapi.db.connection;
  await knex(entries.tableName)
    .whereIn('id', knex(joinTable.name).select(joinTable.joinColumn.name).where(joinTable.inverseJoinColumn.name, serviceId))
    .where((q) => q.whereNot('service_name', name).orWhereNull('service_name'))
    .update({ service_name: name });
}
