/** OpenAPI of this plugin's content-API routes, keyed 'METHOD /route-path' (docs/openapi.md). */
import type { PluginOpenApi } from '../../../../extensions/documentation/openapi';

export default {
  'GET /topics': {
    summary: 'Public realtime topics',
    description: 'Topics an anonymous socket.io client may join (no personal data is ever sent on them), and the socket.io path.',
    responses: {
      200: {
        description: 'Public topics',
        content: { 'application/json': { schema: { type: 'object', properties: {
          data: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, description: { type: 'string' } } } },
          meta: { type: 'object', properties: { path: { type: 'string', example: '/socket.io' } } },
        } } } },
      },
    },
  },
} satisfies PluginOpenApi;
