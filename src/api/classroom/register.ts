import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';

const RESULT_UID = 'api::classroom.problem-result';
const SNAPSHOT_UID = 'api::classroom.notebook-snapshot';

type Ref = number | string | { id?: number | string; documentId?: string } | null | undefined;

/**
 * A problem result's `snapshot` is a join column (`useJoinTable: false`, docs/classroom.md), and
 * Strapi 5.54's Document Service maps relation input (documentIds, `connect`/`disconnect`/`set`) only
 * for link-table relations: the Content Manager's relation picker got a 500 and REST a 400 for a
 * documentId. This document middleware turns any of those forms into the snapshot's id (or null, or
 * no change) before Strapi sees them, for the admin panel and the REST API alike.
 */
export default function registerClassroom({ strapi }: { strapi: Core.Strapi }) {
  const idOf = async (ref: Ref): Promise<number | null> => {
    if (ref === null || ref === undefined) return null;
    if (typeof ref === 'number' || (typeof ref === 'string' && /^\d+$/.test(ref))) return Number(ref);
    const documentId = typeof ref === 'string' ? ref : ref.documentId;
    if (documentId === undefined && typeof ref === 'object' && ref.id !== undefined) return Number(ref.id);
    const row = documentId ? await strapi.db.query(SNAPSHOT_UID as any).findOne({ where: { documentId }, select: ['id'] }) : null;
    if (!row) throw new errors.ValidationError(`snapshot: no notebook snapshot "${String(documentId)}"`);
    return Number(row.id);
  };
  /** undefined: leave the relation as it is. */
  const resolve = async (input: any): Promise<number | null | undefined> => {
    if (Array.isArray(input)) return input.length ? idOf(input[input.length - 1]) : null;
    if (input && typeof input === 'object' && ('set' in input || 'connect' in input || 'disconnect' in input)) {
      if (Array.isArray(input.set)) return input.set.length ? idOf(input.set[input.set.length - 1]) : null;
      const connect = Array.isArray(input.connect) ? input.connect : input.connect ? [input.connect] : [];
      if (connect.length) return idOf(connect[connect.length - 1]);
      const disconnect = Array.isArray(input.disconnect) ? input.disconnect : input.disconnect ? [input.disconnect] : [];
      return disconnect.length ? null : undefined;
    }
    return idOf(input);
  };
  strapi.documents.use(async (ctx: any, next: () => Promise<any>) => {
    // Nothing of another type's call is read: data-exchange's bulk writer probes middlewares for that.
    if (ctx.uid !== RESULT_UID || !['create', 'update'].includes(ctx.action)) return next();
    const data = ctx.params?.data;
    if (data && typeof data === 'object' && 'snapshot' in data) {
      const id = await resolve(data.snapshot);
      if (id === undefined) delete data.snapshot;
      else data.snapshot = id;
    }
    return next();
  });
}
