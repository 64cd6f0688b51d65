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
    const entries = strapi.db.metadata.get(ENTRY_UID);
    const joinTable = (entries.attributes as any).service.joinTable;
    const link = { name: joinTable.name, entry: joinTable.joinColumn.name, service: joinTable.inverseJoinColumn.name };
    const services = (await strapi.db.query(SERVICE_UID).findMany({ select: ['id', 'name', 'retention_days'] })) as Array<{
      id: number;
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
        const ids: number[] = (
          await knex(`${entries.tableName} as e`)
            .join(`${link.name} as l`, `l.${link.entry}`, 'e.id')
            .where(`l.${link.service}`, service.id)
            .andWhere('e.timestamp', '<', cutoff)
            .select('e.id')
            .limit(batchSize)
        ).map((r: { id: number }) => r.id);
        if (!ids.length) break;
        await knex.transaction(async (trx) => {
          await trx(link.name).whereIn(link.entry, ids).delete();
          await trx(entries.tableName).whereIn('id', ids).delete();
        });
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
