/**
 * Content-API route of the battery lab's HTML report (appended to the plugin's routes). A function
 * handler with an explicit `auth.scope`: reading an experiment's report needs what reading the
 * experiment needs, `api::lab.experiment.find`.
 */
import type { OpenApiOperation } from '../../../../../extensions/documentation/openapi';
import { experimentReport } from '../controllers/lab-report';

const errorRef = (name: string) => ({ $ref: `#/components/responses/${name}` });

const reportDoc: OpenApiOperation = {
  summary: 'Download an experiment as a self-contained HTML report (works offline)',
  description:
    'Needs api::lab.experiment.find. One file: metadata, profile, voltage/current/temperature vs time (downsampled) and ' +
    'discharge capacity / coulombic efficiency vs cycle drawn by an inlined apexcharts, and the cycle summary table. ' +
    'No external URL; sent as an attachment.',
  parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Experiment id or documentId' }],
  responses: {
    200: {
      description: 'The report (Content-Disposition: attachment; filename="experiment-<id>-<name>.html")',
      content: { 'text/html': { schema: { type: 'string' } } },
    },
    401: errorRef('Unauthorized'),
    403: errorRef('Forbidden'),
    404: errorRef('NotFound'),
  },
};

export default [
  { method: 'GET', path: '/lab/experiments/:id/report.html', handler: experimentReport, config: { auth: { scope: ['api::lab.experiment.find'] }, openapi: reportDoc } },
];
