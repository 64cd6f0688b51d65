import { requireAdminAction } from '../../../../../platform/admin-policies';
import { ROBOTICS_UPLOAD_ACTION } from '../services/robotics-import';

const adminPolicies = requireAdminAction(ROBOTICS_UPLOAD_ACTION);

/** Robotics log import routes, spread into the plugin's route lists (docs/robotics.md). */
export const roboticsContentApiRoutes = [
  {
    method: 'POST',
    path: '/robotics/import',
    handler: 'robotics.import',
    // Default auth: an API token (full access, or custom with ingest → robotics → import).
    config: {
      description: 'Import Kibotics web server log files (v1 or v2; multipart files, or the file as the body with ?filename=).',
      openapi: {
        summary: 'Import Kibotics web server logs (v1 log.txt or v2 YYYY-MM-DD-log.txt); re-importing a file changes nothing',
        parameters: [
          { name: 'filename', in: 'query', required: false, schema: { type: 'string' }, description: 'Name of the file when the log is sent as the request body (required then)' },
          { name: 'timeZone', in: 'query', required: false, schema: { type: 'string', example: 'Europe/Madrid' }, description: 'IANA zone of the log times (default ROBOTICS_LOG_TIMEZONE or Europe/Madrid)' },
        ],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': { schema: { type: 'object', properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } } } } },
            'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            'text/plain': { schema: { type: 'string' } },
          },
        },
        responses: {
          200: {
            description: 'One import report per file, and totals',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    data: {
                      type: 'object',
                      properties: {
                        reports: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: {
                              file_name: { type: 'string' }, format: { type: 'string', enum: ['v1', 'v2', 'mixed', 'unknown'] },
                              total_lines: { type: 'integer' }, already_imported_lines: { type: 'integer' }, malformed_count: { type: 'integer' },
                              simulations_created: { type: 'integer' }, simulations_completed: { type: 'integer' },
                              sessions_created: { type: 'integer' }, sessions_completed: { type: 'integer' }, errors_created: { type: 'integer' },
                              malformed_lines: { type: 'array', items: { type: 'object', properties: { line: { type: 'integer' }, reason: { type: 'string' }, text: { type: 'string' } } } },
                            },
                          },
                        },
                        totals: { type: 'object', additionalProperties: true },
                      },
                    },
                  },
                },
              },
            },
          },
          400: { $ref: '#/components/responses/BadRequest' },
          401: { $ref: '#/components/responses/Unauthorized' },
          403: { $ref: '#/components/responses/Forbidden' },
        },
      },
    },
  },
];

export const roboticsAdminRoutes = [
  { method: 'POST', path: '/robotics/upload', handler: 'robotics.upload', config: { policies: adminPolicies } },
  { method: 'GET', path: '/robotics/reports', handler: 'robotics.reports', config: { policies: adminPolicies } },
];
