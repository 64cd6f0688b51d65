/** OpenAPI of this plugin's content-API routes, keyed 'METHOD /route-path' (docs/openapi.md). */
import type { PluginOpenApi } from '../../../../extensions/documentation/openapi';

export default {
  'GET /health': {
    summary: 'Plugin liveness',
    responses: {
      200: { description: 'The plugin is loaded', content: { 'application/json': { schema: { type: 'object', properties: { ok: { type: 'boolean', example: true } } } } } },
    },
  },
} satisfies PluginOpenApi;
