import type { Core } from '@strapi/strapi';
import { BodyError, ORIGINAL_CONTENT_TYPE, parseBody, readBody } from '../body';
import { getService, ingestConfig } from '../utils';

const MAX_IDEMPOTENCY_KEY = 200;

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /**
   * POST /api/ingest/logs. Route has `auth: false`: service tokens are not Strapi tokens, so the
   * bearer is checked here (service token or API token with the ingest permission).
   */
  async ingest(ctx) {
    const tokens = getService('logTokens', strapi);
    const principal = await tokens.authenticate(tokens.tokenFromHeader(ctx.get('authorization')));
    if (!principal) {
      ctx.req.resume();
      ctx.set('WWW-Authenticate', 'Token');
      return ctx.unauthorized('Missing or invalid token: send "Authorization: Token <service token>" or "Bearer <API token>"');
    }

    const key = ctx.get('idempotency-key') || undefined;
    if (key !== undefined && key.length > MAX_IDEMPOTENCY_KEY) {
      return ctx.badRequest(`Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY} characters`);
    }
    const serviceName = typeof ctx.query.service === 'string' ? ctx.query.service : undefined;
    if (ctx.query.service !== undefined && serviceName === undefined) return ctx.badRequest('Query parameter service must be one name');

    let parsed;
    try {
      const raw = await readBody(ctx.req, ctx.get('content-encoding'), ingestConfig(strapi).maxBodyBytes);
      parsed = parseBody(raw, ctx.get(ORIGINAL_CONTENT_TYPE) || ctx.get('content-type'));
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      ctx.status = error.status;
      ctx.body = { error: { status: error.status, name: error.status === 413 ? 'PayloadTooLargeError' : 'BadRequestError', message: error.message } };
      return;
    }

    const result = await getService('logIngest', strapi).ingest(principal, parsed, { serviceName, idempotencyKey: key });
    if (result.retryAfter) ctx.set('Retry-After', String(result.retryAfter));
    if (result.replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.status = result.status;
    ctx.body = result.body;
  },

  /** GET /api/ingest/limits: what a shipper must respect (no secrets, no authentication). */
  async limits(ctx) {
    const { maxBodyBytes, maxRecordsPerRequest, maxMessageLength, rate } = ingestConfig(strapi);
    ctx.body = { data: { maxBodyBytes, maxRecordsPerRequest, maxMessageLength, recordsPerSecond: rate.recordsPerSecond, burst: rate.burst } };
  },
});
