/**
 * Content-API routes of the battery lab import (appended to the plugin's routes). Function handlers
 * with an explicit `auth.scope`: the permission is the lab's own "create experiment", not a new
 * plugin action. Paths have three segments so they never meet `POST /:uid/import`.
 */
import type { OpenApiOperation } from '../../../../../extensions/documentation/openapi';
import { exportExperiment, importExperiment, preview } from '../controllers/lab-import';

const SCOPE = { auth: { scope: ['api::lab.experiment.create'] } };
const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

const parameters = [
  { name: 'name', in: 'query', schema: { type: 'string' }, description: 'Experiment name (required to import)' },
  { name: 'description', in: 'query', schema: { type: 'string' } },
  { name: 'battery', in: 'query', schema: { type: 'string' }, description: 'Battery documentId or name' },
  { name: 'station', in: 'query', schema: { type: 'string', default: 'imported-files' }, description: 'Virtual station (created on first use)' },
  { name: 'format', in: 'query', schema: { type: 'string', enum: ['wattrex', 'arbin', 'bdf', 'beep', 'mapped'] }, description: 'Detected when absent' },
  { name: 'dateFormat', in: 'query', schema: { type: 'string', enum: ['unix-s', 'unix-ms', 'iso', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY/MM/DD'] }, description: 'Detected when unambiguous; a day/month-ambiguous file is refused without it' },
  { name: 'currentSign', in: 'query', schema: { type: 'string', enum: ['charge-positive', 'discharge-positive'] }, description: 'Default charge-positive (Arbin, BDF, BEEP)' },
  { name: 'units', in: 'query', schema: { type: 'string' }, description: 'JSON {field: unit} for headers without units, e.g. {"voltage_v":"V"}' },
  { name: 'columnMapping', in: 'query', schema: { type: 'string' }, description: 'Name of a saved api::lab.column-mapping to start from (options given here win)' },
  { name: 'mapping', in: 'query', schema: { type: 'string' }, description: 'JSON {"CSV header": field | null}, for any other CSV' },
  { name: 'startedAt', in: 'query', schema: { type: 'string', format: 'date-time' }, description: 'Test start for files without dates' },
  { name: 'timezone', in: 'query', schema: { type: 'string', default: 'UTC' }, description: 'IANA time zone (e.g. Europe/Madrid) of dates written without an offset; DST applied' },
  { name: 'encoding', in: 'query', schema: { type: 'string', enum: ['utf-8', 'latin1', 'windows-1252', 'utf-16le'] }, description: 'File encoding; default UTF-8, or UTF-16 when the file starts with its byte order mark' },
  { name: 'saveMappingAs', in: 'query', schema: { type: 'string' }, description: 'Import only: also save the layout used (columns, units, sign, date format, delimiter) as a column mapping of this name, in the same transaction; a taken name is a 400' },
  { name: 'restCurrent', in: 'query', schema: { type: 'number', default: 0.001 }, description: 'Rest threshold (A) for cycles derived from current transitions' },
];

const requestBody = {
  required: true,
  content: {
    'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } },
    'application/octet-stream': { schema: { type: 'string', format: 'binary' }, description: 'The CSV as the raw body (streamed)' },
    'text/csv': { schema: { type: 'string' }, description: 'Small files only (Strapi\'s 56 kB text limit)' },
  },
};

const column = { type: 'object', properties: { column: { type: 'string' }, field: { type: 'string', nullable: true }, unit: { type: 'string', nullable: true } } };

const previewDoc: OpenApiOperation = {
  summary: 'Preview a cycler CSV: detected format, column mapping, first rows converted to SI',
  description: 'Needs api::lab.experiment.create. Writes nothing.',
  parameters,
  requestBody,
  responses: {
    200: {
      description: 'Layout and first rows',
      content: { 'application/json': { schema: { type: 'object', properties: { data: { type: 'object', properties: {
        format: { type: 'string' }, delimiter: { type: 'string' }, headerLine: { type: 'integer' }, currentSign: { type: 'string' },
        dateFormat: { type: 'string', nullable: true }, deriveCycles: { type: 'boolean' }, columns: { type: 'array', items: column },
        rows: { type: 'array', items: { type: 'object' } },
      } } } } } },
    },
    400: errorRef('BadRequest'),
    401: errorRef('Unauthorized'),
    403: errorRef('Forbidden'),
  },
};

const importDoc: OpenApiOperation = {
  summary: 'Import a cycler CSV as a finished experiment (all or nothing) and compute its cycle summary',
  description:
    'Needs api::lab.experiment.create. WattRex, Arbin, BDF and BEEP/Battery Archive CSVs are recognised; other CSVs need `mapping`. ' +
    'Units are converted to SI, one transaction: a bad row answers 400 with error.details {line, column, value} and nothing is written.',
  parameters,
  requestBody,
  responses: {
    201: {
      description: 'The experiment (source imported, state finished), rows imported and its cycle summary',
      content: { 'application/json': { schema: { type: 'object', properties: { data: { type: 'object', properties: {
        experiment: { type: 'object', properties: { id: { type: 'integer' }, documentId: { type: 'string' }, name: { type: 'string' } } },
        station: { type: 'string' }, format: { type: 'string' }, rows: { type: 'integer' }, cycles: { type: 'integer' },
        summary: { type: 'object', description: 'As stored in the experiment\'s cycle_summary (docs/battery-data.md)' },
      } } } } } },
    },
    400: errorRef('BadRequest'),
    401: errorRef('Unauthorized'),
    403: errorRef('Forbidden'),
  },
};

const READ_SCOPE = { auth: { scope: ['api::lab.experiment.find'] } };

const exportDoc: OpenApiOperation = {
  summary: 'Export an experiment\'s samples (whole or a time window) as CSV, streamed',
  description:
    'Needs api::lab.experiment.find. Battery Data Format headers by default (Test Time / s, Unix Time / s, Voltage / V, Current / A, ' +
    'Power / W, Temperature T1 / degC, Cycle Count / 1, Step Index / 1, Charging/Discharging Capacity / Ah, Charging/Discharging Energy / Wh, ' +
    'then one column per key of the samples\' extra measures), SI values: the file re-imports through POST /lab/experiments/import ' +
    'as format bdf with the same samples. names=native writes the lab_samples columns (recorded_at ISO 8601, extra as JSON).',
  parameters: [
    { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Experiment id or documentId' },
    { name: 'from', in: 'query', schema: { type: 'string' }, description: 'Window start (inclusive): epoch milliseconds or ISO 8601' },
    { name: 'to', in: 'query', schema: { type: 'string' }, description: 'Window end (inclusive): epoch milliseconds or ISO 8601' },
    { name: 'names', in: 'query', schema: { type: 'string', enum: ['bdf', 'native'], default: 'bdf' }, description: 'Header style' },
  ],
  responses: {
    200: { description: 'CSV, header row first, samples in recording order', content: { 'text/csv': { schema: { type: 'string' } } } },
    400: errorRef('BadRequest'),
    401: errorRef('Unauthorized'),
    403: errorRef('Forbidden'),
    404: errorRef('NotFound'),
  },
};

export default [
  { method: 'POST', path: '/lab/experiments/preview', handler: preview, config: { ...SCOPE, openapi: previewDoc } },
  { method: 'POST', path: '/lab/experiments/import', handler: importExperiment, config: { ...SCOPE, openapi: importDoc } },
  { method: 'GET', path: '/lab/experiments/:id/export.csv', handler: exportExperiment, config: { ...READ_SCOPE, openapi: exportDoc } },
];
