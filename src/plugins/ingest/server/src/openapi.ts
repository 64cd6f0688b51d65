/** OpenAPI of this plugin's content-API routes, keyed 'METHOD /route-path' (docs/openapi.md, docs/ingest.md). */
import type { PluginOpenApi } from '../../../../extensions/documentation/openapi';

const record = {
  type: 'object',
  required: ['message'],
  properties: {
    timestamp: { type: 'string', format: 'date-time' },
    severity: { type: 'string', enum: ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] },
    message: { type: 'string' },
    service_name: { type: 'string', description: 'Needed with an API token; a log-service token names its service itself' },
    host: { type: 'string' },
    attributes: { type: 'object', additionalProperties: true },
  },
};

const result = {
  type: 'object',
  properties: {
    stored: { type: 'integer' },
    rejected: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, line: { type: 'integer' }, reason: { type: 'string' } } } },
  },
};

export default {
  'POST /logs': {
    summary: 'Ingest log records',
    description:
      'A JSON object, a JSON array or NDJSON (application/x-ndjson), optionally gzip (Content-Encoding: gzip). ' +
      'Authenticated with a log-service token or an API token (Authorization: Bearer). Records are validated one by one; ' +
      'the valid ones are stored in one transaction. Idempotency-Key replays the first answer.',
    security: [{ bearerAuth: [] }],
    parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string' } }],
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: { oneOf: [record, { type: 'array', items: record }] } },
        'application/x-ndjson': { schema: { type: 'string', description: 'One JSON record per line' } },
      },
    },
    responses: {
      200: { description: 'Stored (some records may be rejected, listed by index)', content: { 'application/json': { schema: result } } },
      400: { description: 'No record stored', content: { 'application/json': { schema: result } } },
      401: { $ref: '#/components/responses/Unauthorized' },
      413: { $ref: '#/components/responses/BadRequest' },
      429: { description: 'Rate limit exceeded (Retry-After)' },
    },
  },
  'GET /limits': {
    summary: 'Ingestion limits',
    responses: {
      200: {
        description: 'Limits in force',
        content: { 'application/json': { schema: { type: 'object', properties: { data: { type: 'object', properties: {
          maxBodyBytes: { type: 'integer' }, maxRecordsPerRequest: { type: 'integer' }, maxMessageLength: { type: 'integer' },
          recordsPerSecond: { type: 'number' }, burst: { type: 'integer' },
        } } } } } },
      },
    },
  },
} satisfies PluginOpenApi;
