import crypto from 'crypto';
import type { Core } from '@strapi/strapi';
import { INGEST_ACTION, SERVICE_UID } from '../utils';

/** A log-service row as the ingest path needs it. */
export interface LogServiceRow {
  id: number;
  documentId: string;
  name: string;
  active: boolean;
  retention_days: number | null;
}

/**
 * Who posts: a service with its own token (bound to that service), or a Strapi API token with the
 * ingest permission (which must name the service of every record).
 */
export type IngestPrincipal = { kind: 'service'; service: LogServiceRow } | { kind: 'api-token'; id: number };

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomString(length: number): string {
  // Rejection-free: 62 does not divide 256, but 248 = 4 * 62, so bytes >= 248 are skipped.
  let out = '';
  while (out.length < length) {
    for (const byte of crypto.randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

/** `tbl_<8>_<32>`: the first two parts are the visible, indexed prefix; only the hash of the whole is stored. */
const TOKEN_PATTERN = /^(tbl_[A-Za-z0-9]{8})_[A-Za-z0-9]{32}$/;

const SERVICE_FIELDS = ['id', 'documentId', 'name', 'active', 'retention_days'];

const createLogTokensService = ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * Creates (or rotates) the token of a log service and returns it: the only time it is ever visible.
   * Overwriting the hash invalidates the previous token at once. Null when the service does not exist.
   */
  async issue(serviceDocumentId: string): Promise<{ token: string; token_prefix: string; service: string } | null> {
    const service = await strapi.db.query(SERVICE_UID).findOne({ where: { documentId: serviceDocumentId }, select: ['id', 'name'] });
    if (!service) return null;
    const prefix = `tbl_${randomString(8)}`;
    const token = `${prefix}_${randomString(32)}`;
    // Query engine, not the Document Service: token_hash is private and this is not an editorial change.
    await strapi.db.query(SERVICE_UID).update({ where: { id: service.id }, data: { token_prefix: prefix, token_hash: hashToken(token) } });
    return { token, token_prefix: prefix, service: service.name };
  },

  /** Parses `Authorization: Token <t>` or `Bearer <t>`; null when absent or malformed. */
  tokenFromHeader(header: unknown): string | null {
    if (typeof header !== 'string') return null;
    const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header);
    return match ? match[1] : null;
  },

  async authenticate(token: string | null): Promise<IngestPrincipal | null> {
    if (!token || token.length > 512) return null;
    const own = TOKEN_PATTERN.exec(token);
    if (own) {
      // Plain knex on the indexed prefix: this runs on every ingest request.
      const row = await strapi.db
        .connection(strapi.db.metadata.get(SERVICE_UID).tableName)
        .where({ token_prefix: own[1] })
        .first('id', 'document_id', 'name', 'active', 'retention_days', 'token_hash');
      // SQLite returns booleans as 0/1; NULL (never set) counts as active, like the schema default.
      if (!row?.token_hash || row.active === false || row.active === 0) return null;
      const expected = Buffer.from(String(row.token_hash), 'hex');
      const given = Buffer.from(hashToken(token), 'hex');
      if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return null;
      return {
        kind: 'service',
        service: { id: Number(row.id), documentId: row.document_id, name: row.name, active: true, retention_days: row.retention_days },
      };
    }
    const apiTokens = strapi.service('admin::api-token-content-api') as any;
    const apiToken = await apiTokens.getByAccessKey(apiTokens.hash(token));
    if (!apiToken) return null;
    if (apiToken.kind && apiToken.kind !== 'content-api') return null;
    if (apiToken.expiresAt && new Date(apiToken.expiresAt).getTime() < Date.now()) return null;
    const allowed =
      apiToken.type === 'full-access' ||
      (apiToken.type === 'custom' && Array.isArray(apiToken.permissions) && apiToken.permissions.includes(INGEST_ACTION));
    if (!allowed) return null;
    return { kind: 'api-token', id: apiToken.id };
  },

  /** Active services by name (API-token posts name theirs per request or per record). */
  async servicesByName(names: string[]): Promise<Map<string, LogServiceRow>> {
    if (!names.length) return new Map();
    const rows = await strapi.db.query(SERVICE_UID).findMany({ where: { name: { $in: names } }, select: SERVICE_FIELDS });
    return new Map((rows as LogServiceRow[]).map((r) => [r.name, r]));
  },
});

export type LogTokensService = ReturnType<typeof createLogTokensService>;
export default createLogTokensService;
