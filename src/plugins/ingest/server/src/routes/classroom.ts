/**
 * Content-API routes of the notebook-progress sync agent. Strapi authenticates them: a full-access API
 * token, or a custom one with plugin::ingest.classroom.snapshots / .students.
 */
export const CLASSROOM_SNAPSHOTS_PATH = '/api/ingest/classroom/snapshots';

const errors = {
  400: { $ref: '#/components/responses/BadRequest' },
  401: { $ref: '#/components/responses/Unauthorized' },
  403: { $ref: '#/components/responses/Forbidden' },
};

const snapshotInput = {
  type: 'object',
  required: ['uid', 'path', 'taken_at'],
  properties: {
    uid: { type: 'string', description: "The student's uid (users.csv)" },
    path: { type: 'string', description: "Relative to the student's notebooks directory, '/'-separated" },
    taken_at: { type: 'string', format: 'date-time', description: "The file's mtime (ISO 8601 or epoch milliseconds)" },
    size: { type: 'integer', minimum: 0 },
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'Required without content; checked against content' },
    content: { type: 'string', description: 'The file as UTF-8 text; required for .ipynb (parsed with the nbgrader rule)' },
    version_label: { type: 'string' },
  },
};

export default [
  {
    method: 'POST',
    path: '/classroom/snapshots',
    handler: 'classroom.snapshots',
    config: {
      description: 'Store file versions of students (notebooks are parsed with the nbgrader rule).',
      openapi: {
        summary: 'Store file versions of students (sync agent); notebooks are parsed, a version already stored is not stored again',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { type: 'object', required: ['snapshots'], properties: { snapshots: { type: 'array', maxItems: 2000, items: snapshotInput } } } } },
        },
        responses: {
          200: {
            description: 'At least one file stored or already there; the rejected ones are named',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    stored: { type: 'integer' },
                    duplicates: { type: 'integer' },
                    rejected: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, file: { type: 'string' }, reason: { type: 'string' } } } },
                    snapshots: { type: 'array', items: { type: 'object', properties: { index: { type: 'integer' }, documentId: { type: 'string' }, duplicate: { type: 'boolean' } } } },
                  },
                },
              },
            },
          },
          ...errors,
          413: { description: 'Body over CLASSROOM_MAX_BODY_BYTES or more than CLASSROOM_MAX_FILES_PER_REQUEST files' },
        },
      },
    },
  },
  {
    method: 'POST',
    path: '/classroom/students',
    handler: 'classroom.students',
    config: {
      description: 'Create or update students from users.csv (uid,notebooks[,real_name,email,team,...]).',
      openapi: {
        summary: 'Create or update students (by uid) from users.csv; extra columns become private attributes',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['csv'], properties: { csv: { type: 'string', description: 'users.csv: uid,notebooks[,real_name,email,team,...]' } } } } } },
        responses: {
          200: {
            description: 'Imported; rejected rows by CSV line',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: {
                    created: { type: 'integer' },
                    updated: { type: 'integer' },
                    rejected: { type: 'array', items: { type: 'object', properties: { row: { type: 'integer' }, reason: { type: 'string' } } } },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
  },
];
