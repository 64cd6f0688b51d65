import type { Knex } from 'knex';
import type { Core } from '@strapi/strapi';
import { documentIds } from './document-ids';
import { ENTRY_UID, ingestConfig, isPostgres } from '../utils';
import type { ParsedBody } from '../body';
import { normaliseRecord, RecordError, type NormalisedRecord } from './records';
import type { IngestPrincipal, LogServiceRow } from './log-tokens';
import type { LogEntryView, StoredEntries } from './live-tail';
import { getService } from '../utils';

export const IDEMPOTENCY_TABLE = 'ingest_idempotency';
/** Strapi's SQLite dialect caps one INSERT at 500 rows. */
const SQLITE_CHUNK = 500;
/** PostgreSQL: one statement per this many rows keeps its JSON parameter reasonable. */
const POSTGRES_CHUNK = 10_000;

export interface IngestResponse {
  status: number;
  body: { stored: number; rejected: Array<{ index: number; reason: string; line?: number }> } | { error: { status: number; name: string; message: string } };
  retryAfter?: number;
  replayed?: boolean;
}

const errorBody = (status: number, name: string, message: string): IngestResponse => ({
  status,
  body: { error: { status, name, message } },
});

const createLogIngestService = ({ strapi }: { strapi: Core.Strapi }) => {
  const entriesTable = () => strapi.db.metadata.get(ENTRY_UID).tableName;

  async function insertSqlite(trx: Knex, service: LogServiceRow, records: NormalisedRecord[], receivedAt: Date) {
    const inserted: Array<{ id: number; document_id: string }> = [];
    for (let i = 0; i < records.length; i += SQLITE_CHUNK) {
      const chunk = records.slice(i, i + SQLITE_CHUNK);
      const ids = documentIds(chunk.length);
      const rows = chunk.map((r, j) => ({
        document_id: ids[j],
        service_name: service.name,
        timestamp: r.timestamp,
        received_at: receivedAt,
        severity: r.severity,
        message: r.message,
        attributes: r.attributes,
        host: r.host,
        created_at: receivedAt,
        updated_at: receivedAt,
        published_at: receivedAt,
      }));
      inserted.push(...((await trx(entriesTable()).insert(rows).returning(['id', 'document_id'])) as Array<{ id: number; document_id: string }>));
    }
    return inserted;
  }

  /**
   * One INSERT ... SELECT FROM json_to_recordset(one JSON parameter) per chunk: the records travel as
   * a single JSON text (JSON.stringify is native) and PostgreSQL parses it in C; six array parameters
   * cost ~15 % of a 1,000-line request in node-postgres' per-element array escaping.
   */
  async function insertPostgres(trx: Knex, service: LogServiceRow, records: NormalisedRecord[], receivedAt: Date) {
    const inserted: Array<{ id: number; document_id: string }> = [];
    const received = receivedAt.toISOString();
    for (let i = 0; i < records.length; i += POSTGRES_CHUNK) {
      const chunk = records.slice(i, i + POSTGRES_CHUNK);
      const chunkIds = documentIds(chunk.length);
      const rows = JSON.stringify(
        chunk.map((r, j) => ({ d: chunkIds[j], t: r.timestamp.toISOString(), s: r.severity, m: r.message, a: r.attributes, h: r.host })),
      );
      const result = await trx.raw(
        `insert into ?? (document_id, service_name, timestamp, received_at, severity, message, attributes, host, created_at, updated_at, published_at)
         select d, ?, t, ?::timestamptz, s, m, a::jsonb, h, ?::timestamptz, ?::timestamptz, ?::timestamptz
         from json_to_recordset(?::json) as u(d varchar, t timestamptz, s varchar, m text, a text, h varchar)
         returning id, document_id`,
        [entriesTable(), service.name, received, received, received, received, rows],
      );
      // Back into input order: RETURNING rows come in no guaranteed order.
      const byDocumentId = new Map((result.rows as Array<{ id: number; document_id: string }>).map((r) => [r.document_id, r]));
      inserted.push(...chunkIds.map((documentId) => byDocumentId.get(documentId)!));
    }
    return inserted;
  }

  const service = {
    /**
     * The one bulk write path of the logs capability: stores already validated records of one service
     * with every column Strapi needs (document_id, timestamps), so the rows stay editable in the
     * Content Manager. Runs in `trx` when given (the caller's transaction), else in its own.
     */
    async ingestLogEntries(logService: LogServiceRow, records: NormalisedRecord[], trx?: Knex.Transaction): Promise<StoredEntries> {
      if (!records.length) return { count: 0, views: () => [] };
      const receivedAt = new Date();
      const run = async (t: Knex.Transaction) =>
        isPostgres(strapi) ? insertPostgres(t, logService, records, receivedAt) : insertSqlite(t, logService, records, receivedAt);
      const ids = trx ? await run(trx) : await strapi.db.connection.transaction(run);
      // Both insert paths return ids in input order.
      const view = (i: number): LogEntryView => ({
        id: Number(ids[i].id),
        documentId: ids[i].document_id,
        service: logService.name,
        timestamp: records[i].timestamp.toISOString(),
        received_at: receivedAt.toISOString(),
        severity: records[i].severity,
        message: records[i].message,
        attributes: records[i].attributes ? JSON.parse(records[i].attributes!) : null,
        host: records[i].host,
      });
      return { count: ids.length, views: (start) => ids.slice(start).map((_, k) => view(start + k)) };
    },

    /**
     * A whole ingest request after authentication and body parsing: validation per record, rate
     * limit, one transaction for the valid records, idempotent replay of a retried request.
     */
    async ingest(
      principal: IngestPrincipal,
      parsed: ParsedBody,
      options: { serviceName?: string; idempotencyKey?: string },
    ): Promise<IngestResponse> {
      const config = ingestConfig(strapi);
      if (parsed.records.length > config.maxRecordsPerRequest) {
        return errorBody(413, 'PayloadTooLargeError', `Request holds ${parsed.records.length} records; the limit is ${config.maxRecordsPerRequest} per request`);
      }
      const tokens = getService('logTokens', strapi);

      // Which service a record belongs to: the token's own, or (API tokens) the one it names.
      let defaultService: LogServiceRow | null = principal.kind === 'service' ? principal.service : null;
      if (principal.kind === 'api-token' && options.serviceName !== undefined) {
        defaultService = (await tokens.servicesByName([options.serviceName])).get(options.serviceName) ?? null;
        if (!defaultService) return errorBody(400, 'ValidationError', `Unknown log service "${options.serviceName}" (query parameter service)`);
        if (defaultService.active === false) return errorBody(400, 'ValidationError', `Log service "${options.serviceName}" is not active`);
      }
      if (principal.kind === 'service' && options.serviceName !== undefined && options.serviceName !== principal.service.name) {
        return errorBody(403, 'ForbiddenError', `This token belongs to service "${principal.service.name}" and cannot post as "${options.serviceName}"`);
      }

      const scope = principal.kind === 'service' ? `service:${principal.service.id}` : `api-token:${principal.id}:${defaultService?.id ?? ''}`;
      const key = options.idempotencyKey;
      if (key !== undefined) {
        const replay = await service.findIdempotent(scope, key);
        if (replay) return replay;
      }

      const now = new Date();
      const rejected: Array<{ index: number; reason: string; line?: number }> = [];
      const accepted: Array<{ record: NormalisedRecord; serviceName: string; index: number }> = [];
      const named = new Set<string>();
      parsed.records.forEach((entry, index) => {
        const reject = (reason: string) => rejected.push({ index, reason, ...(entry.line ? { line: entry.line } : {}) });
        if ('error' in entry) return reject(entry.error);
        try {
          const record = normaliseRecord(entry.value, config, now);
          if (principal.kind === 'service') {
            if (record.service !== null && record.service !== principal.service.name) {
              return reject(`record names service "${record.service.slice(0, 100)}" but the token belongs to "${principal.service.name}"`);
            }
            accepted.push({ record, serviceName: principal.service.name, index });
          } else {
            const serviceName = record.service ?? defaultService?.name;
            if (!serviceName) return reject('service is required with an API token (record field service or query parameter ?service=)');
            named.add(serviceName);
            accepted.push({ record, serviceName, index });
          }
        } catch (error) {
          if (error instanceof RecordError) return reject(error.message);
          throw error;
        }
      });

      // API tokens: resolve the services records name; unknown or inactive ones reject their records.
      const services = new Map<string, LogServiceRow>();
      if (principal.kind === 'service') services.set(principal.service.name, principal.service);
      else {
        for (const [name, row] of await tokens.servicesByName([...named])) services.set(name, row);
        if (defaultService) services.set(defaultService.name, defaultService);
      }
      const groups = new Map<string, { service: LogServiceRow; records: NormalisedRecord[] }>();
      for (const { record, serviceName, index } of accepted) {
        const row = services.get(serviceName);
        if (!row || row.active === false) {
          rejected.push({ index, reason: row ? `log service "${serviceName}" is not active` : `unknown log service "${serviceName.slice(0, 100)}"` });
          continue;
        }
        const group = groups.get(serviceName) ?? { service: row, records: [] };
        group.records.push(record);
        groups.set(serviceName, group);
      }
      rejected.sort((a, b) => a.index - b.index);

      const storedCount = [...groups.values()].reduce((n, g) => n + g.records.length, 0);
      if (storedCount > 0) {
        const limiter = getService('rateLimiter', strapi);
        for (const group of groups.values()) {
          const wait = limiter.take(group.service.id, group.records.length);
          if (wait > 0) {
            const limited = errorBody(429, 'TooManyRequestsError', `Rate limit of ${config.rate.recordsPerSecond} records per second for service "${group.service.name}" exceeded; retry in ${wait} s`);
            return { ...limited, retryAfter: wait };
          }
        }
      }

      const response: IngestResponse = { status: storedCount > 0 ? 200 : 400, body: { stored: storedCount, rejected } };
      const stored: StoredEntries[] = [];
      try {
        await strapi.db.connection.transaction(async (trx) => {
          for (const group of groups.values()) stored.push(await service.ingestLogEntries(group.service, group.records, trx));
          if (key !== undefined) {
            await trx(IDEMPOTENCY_TABLE).insert({
              scope,
              idempotency_key: key,
              status: response.status,
              response: JSON.stringify(response.body),
              created_at: new Date(),
            });
          }
        });
      } catch (error) {
        // A concurrent request with the same key committed first: answer what it answered.
        if (key !== undefined) {
          const replay = await service.findIdempotent(scope, key);
          if (replay) return replay;
        }
        throw error;
      }
      for (const entries of stored) getService('liveTail', strapi).push(entries);
      return response;
    },

    async findIdempotent(scope: string, key: string): Promise<IngestResponse | null> {
      const hours = ingestConfig(strapi).idempotencyHours;
      const row = await strapi.db
        .connection(IDEMPOTENCY_TABLE)
        .where({ scope, idempotency_key: key })
        .first();
      if (!row) return null;
      const createdAt = row.created_at instanceof Date ? row.created_at : new Date(Number(row.created_at) || row.created_at);
      if (Date.now() - createdAt.getTime() > hours * 3600_000) {
        // Expired: forget it so the key can be used again.
        await strapi.db.connection(IDEMPOTENCY_TABLE).where({ scope, idempotency_key: key }).delete();
        return null;
      }
      return { status: Number(row.status), body: JSON.parse(row.response), replayed: true };
    },

    /** Forgets Idempotency-Keys older than the configured window; returns how many. */
    async purgeIdempotencyKeys(now = new Date()): Promise<number> {
      const cutoff = new Date(now.getTime() - ingestConfig(strapi).idempotencyHours * 3600_000);
      return strapi.db.connection(IDEMPOTENCY_TABLE).where('created_at', '<', cutoff).delete();
    },
  };
  return service;
};

export type LogIngestService = ReturnType<typeof createLogIngestService>;
export default createLogIngestService;
