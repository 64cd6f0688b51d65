import type { Core } from '@strapi/strapi';
import { getService } from '../utils';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** POST /ingest/log-services/:documentId/token (admin): creates or rotates; the token is shown once. */
  async issue(ctx) {
    const { documentId } = ctx.params;
    const issued = await getService('logTokens', strapi).issue(String(documentId));
    if (!issued) return ctx.notFound(`No log service with documentId "${documentId}"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { data: issued };
  },
});
