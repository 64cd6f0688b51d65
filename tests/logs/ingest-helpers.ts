import http from 'http';
import type { Core } from '@strapi/strapi';

/** Creates a log service through the Document Service and gives it a token; returns both. */
export async function createLogService(strapi: Core.Strapi, name: string, data: Record<string, unknown> = {}) {
  const service = await strapi.documents('api::logs.log-service').create({ data: { name, active: true, ...data } as any });
  const issued = await strapi.plugin('ingest').service('logTokens').issue(service.documentId);
  return { service, token: issued.token as string, prefix: issued.token_prefix as string };
}

/** Rows of logs_entries in id order, with the service their name points at (plain SQL, no Strapi API). */
export async function storedEntries(strapi: Core.Strapi, where: Record<string, unknown> = {}) {
  return strapi.db
    .connection('logs_entries as e')
    .leftJoin('logs_services as s', 's.name', 'e.service_name')
    .where(where)
    .select('e.id', 'e.document_id', 'e.service_name', 'e.severity', 'e.message', 'e.host', 'e.attributes', 'e.timestamp', 's.name as known_service')
    .orderBy('e.id');
}

export async function countEntries(strapi: Core.Strapi, where: Record<string, unknown> = {}): Promise<number> {
  const row = await strapi.db.connection('logs_entries').where(where).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/** A timestamp column as a Date, whichever way the database returned it (ms number on SQLite). */
export const asDate = (value: unknown) => (value instanceof Date ? value : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as any)));

/** One keep-alive connection pool for the many raw requests of a test file. */
export const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 8 });

/**
 * POSTs exact bytes (supertest would JSON-encode a Buffer sent as application/json) over a keep-alive
 * agent. Returns the status, the parsed JSON body (null when not JSON) and the headers.
 */
export function postRaw(url: string, headers: Record<string, string>, body: Buffer | string) {
  return new Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) }, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let json: any = null;
        try {
          json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, body: json, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
