/** OpenAPI descriptions of the content-API routes (collected by src/extensions/documentation; docs/openapi.md). */
import type { OpenApiOperation } from '../../../../../extensions/documentation/openapi';

const uid = {
  name: 'uid',
  in: 'path',
  required: true,
  description: 'Content type UID, e.g. api::race.runner',
  schema: { type: 'string', example: 'api::race.runner' },
};
const errorsOf = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [c, { $ref: `#/components/responses/${({ 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound' } as Record<number, string>)[c]}` }]));

const problem = {
  type: 'object',
  required: ['line', 'message'],
  properties: {
    line: { type: 'integer', description: 'Line of the file where the row starts' },
    column: { type: 'string', description: 'CSV header of the cell' },
    field: { type: 'string' },
    value: { type: 'string' },
    message: { type: 'string' },
  },
};

export const importReport = {
  type: 'object',
  properties: {
    uid: { type: 'string' },
    dryRun: { type: 'boolean' },
    ok: { type: 'boolean' },
    total: { type: 'integer', description: 'Data rows in the file' },
    created: { type: 'integer' },
    updated: { type: 'integer' },
    writer: {
      type: 'string',
      description: "How rows that create were written: 'bulk' (the bulk writer, same rules as the admin form) or 'document-service: <why not bulk>'",
      example: 'bulk',
    },
    encoding: { type: 'string', example: 'UTF-8' },
    delimiter: { type: 'string', example: ',' },
    mapping: { type: 'object', additionalProperties: { type: 'string', nullable: true } },
    problemCount: { type: 'integer' },
    problems: { type: 'array', items: problem },
  },
};

export const types: OpenApiOperation = {
  summary: 'Collection types the caller may export or import',
  responses: {
    200: {
      description: 'Types and what the caller may do with each',
      content: { 'application/json': { schema: { type: 'object', properties: { data: { type: 'array', items: {
        type: 'object', properties: { uid: { type: 'string' }, export: { type: 'boolean' }, import: { type: 'boolean' } } } } } } } },
    },
    ...errorsOf(401, 403),
  },
};

export const exportCsv: OpenApiOperation = {
  summary: 'Export a collection type as CSV (streamed)',
  description:
    'Needs the data-exchange export permission and find on the type. Same `filters`, `sort` and `locale` as the REST list. ' +
    'Private fields are never exported; relations as display field or id; components and JSON as JSON text; dates ISO 8601 UTC; ' +
    'cells starting with = + - @ are prefixed with a quote.',
  parameters: [
    uid,
    { name: 'filters', in: 'query', style: 'deepObject', explode: true, schema: { type: 'object' }, description: 'Strapi filters, e.g. filters[team][name][$eq]=Red' },
    { name: 'sort', in: 'query', schema: { type: 'string' }, example: 'last_name:asc' },
    { name: 'locale', in: 'query', schema: { type: 'string' } },
    { name: 'delimiter', in: 'query', schema: { type: 'string', enum: [',', ';', '|', 'tab'], default: ',' } },
    { name: 'bom', in: 'query', schema: { type: 'boolean', default: false }, description: 'Start with a UTF-8 BOM (spreadsheets)' },
    { name: 'columns', in: 'query', schema: { type: 'string' }, description: 'Comma-separated field names, in order' },
    { name: 'relations', in: 'query', schema: { type: 'string', enum: ['display', 'id'], default: 'display' } },
  ],
  responses: {
    200: {
      description: 'CSV, header row first; X-Total-Count gives the row count',
      headers: { 'X-Total-Count': { schema: { type: 'integer' } } },
      content: { 'text/csv': { schema: { type: 'string' } } },
    },
    ...errorsOf(400, 401, 403, 404),
  },
};

export const importCsv: OpenApiOperation = {
  summary: 'Import a CSV into a collection type (all or nothing)',
  description:
    'Needs the data-exchange import permission and create (and/or update) on the type. Rows go through the Document Service ' +
    '(same validation and rules as the admin form) in one transaction; any problem, or dryRun, writes nothing. ' +
    'A file with problems answers 400 with the whole report in error.details.',
  parameters: [uid],
  requestBody: {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['file'],
          properties: {
            file: { type: 'string', format: 'binary', description: 'The CSV; encoding and delimiter are detected' },
            dryRun: { type: 'boolean', default: false },
            mode: { type: 'string', enum: ['create', 'update', 'upsert'], default: 'create' },
            key: { type: 'string', description: 'Unique field (or id, documentId) finding existing documents; needed for update and upsert' },
            delimiter: { type: 'string', enum: [',', ';', '|', 'tab'] },
            encoding: { type: 'string', example: 'windows-1252' },
            mapping: { type: 'string', description: 'JSON object {"CSV header": "field" | null}; other headers map by field name or label' },
            relations: { type: 'string', enum: ['display', 'id'], default: 'display' },
            locale: { type: 'string' },
          },
        },
      },
    },
  },
  responses: {
    200: { description: 'Imported (or dry run without problems)', content: { 'application/json': { schema: { type: 'object', properties: { data: importReport } } } } },
    400: {
      description: 'Bad option, or problems in the file (error.details is the report: every problem by line and column)',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    },
    ...errorsOf(401, 403, 404),
  },
};
