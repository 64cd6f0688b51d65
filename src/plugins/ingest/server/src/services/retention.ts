import type { Core } from '@strapi/strapi';
import { ENTRY_UID, SERVICE_UID, getService, ingestConfig } from '../utils';

export interface PurgeResult {
  deleted: number;
  byService: Record<string, number>;
  idempotencyKeys: number;
}

/**
 * Retention: deletes entries older than their service's `retention_days`, a bounded batch of ids per
 * statement, each batch its own short transaction so ingestion is never blocked for long.
 */
const createRetentionService = ({ strapi }: { strapi: Core.Strapi }) => ({
  async purgeExpired(now = new Date()): Promise<PurgeResult> {
    const knex = strapi.db.connection;
    const batchSize = ingestConfig(strapi).retention.batchSize;
    const table = strapi.db.metadata.get(ENTRY_UID).tableName;
    const services = (await strapi.db.query(SERVICE_UID).findMany({ select: ['name', 'retention_days'] })) as Array<{
      name: string;
      retention_days: number | null;
    }>;
    const result: PurgeResult = { deleted: 0, byService: {}, idempotencyKeys: 0 };
    for (const service of services) {
      const days = Number(service.retention_days);
      if (!(days > 0)) continue; // no retention set: keep everything
      const cutoff = new Date(now.getTime() - days * 86_400_000);
      let removed = 0;
      for (;;) {
        // Each batch is one short statement: ingestion waits for no long transaction.
        const ids: number[] = (
          await knex(table).where('service_name', service.name).andWhere('timestamp', '<', cutoff).select('id').limit(batchSize)
        ).map((r: { id: number }) => r.id);
        if (!ids.length) break;
        await knex(table).whereIn('id', ids).delete();
        removed += ids.length;
        if (ids.length < batchSize) break;
      }
      if (removed) result.byService[service.name] = removed;
      result.deleted += removed;
    }
    result.idempotencyKeys = await getService('logIngest', strapi).purgeIdempotencyKeys(now);
    return result;
  },
});

export type RetentionService = ReturnType<typeof createRetentionService>;
export default createRetentionService;
