/** OpenAPI of this plugin's content-API routes, keyed 'METHOD /route-path' (docs/openapi.md, docs/lap-control.md; shapes in ../../contract.ts). */
import type { PluginOpenApi } from '../../../../extensions/documentation/openapi';

const runner = { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, team: { type: 'string', nullable: true } } };
const ticket = { type: 'object', properties: { ticketId: { type: 'integer' }, position: { type: 'integer' }, runner } };
const lap = {
  type: 'object',
  properties: { lapId: { type: 'integer' }, runner, startedAt: { type: 'string', format: 'date-time' }, durationMs: { type: 'integer' }, points: { type: 'number' } },
};
const kioskRunner = { ...runner, properties: { ...runner.properties, lapsRun: { type: 'integer' }, bestLapMs: { type: 'integer', nullable: true }, inQueue: { type: 'boolean' } } };
const json = (schema: unknown, description = 'OK') => ({ description, content: { 'application/json': { schema } } });
const errors = {
  400: { $ref: '#/components/responses/BadRequest' },
  401: { $ref: '#/components/responses/Unauthorized' },
  403: { $ref: '#/components/responses/Forbidden' },
};
const queued = json({ type: 'object', properties: { ticket: { ...ticket, properties: { ...ticket.properties, runner: kioskRunner } }, queueVersion: { type: 'integer' } } }, 'Queued');

export default {
  'GET /public/statistics': {
    summary: 'Race statistics for the audience screens (no personal data)',
    responses: {
      200: json({
        type: 'object',
        properties: {
          race: { type: 'object', additionalProperties: true },
          queueVersion: { type: 'integer' },
          current: { ...lap, nullable: true },
          previous: { ...lap, nullable: true },
          next: { type: 'array', items: ticket },
          topRunners: { type: 'array', items: { type: 'object', properties: { runner, bestLapMs: { type: 'integer' } } } },
          topTeams: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, score: { type: 'number' }, rank: { type: 'integer' } } } },
          mostActive: { type: 'array', items: { type: 'object', properties: { runner, laps: { type: 'integer' } } } },
          lastLaps: { type: 'array', items: lap },
          recentLaps: { type: 'array', items: { type: 'object', properties: { lapId: { type: 'integer' }, startedAt: { type: 'string' }, durationMs: { type: 'integer' } } } },
        },
      }),
    },
  },
  'GET /public/queue': {
    summary: 'The queue for the audience screens',
    responses: { 200: json({ type: 'object', properties: { queueVersion: { type: 'integer' }, tickets: { type: 'array', items: ticket } } }) },
  },
  'GET /kiosk/lookup': {
    summary: 'Look a runner up by identification (kiosk, role Competition)',
    parameters: [{ name: 'identification', in: 'query', required: true, schema: { type: 'string', example: 'r1234567' } }],
    responses: { 200: json({ type: 'object', properties: { known: { type: 'boolean' }, runner: kioskRunner } }), ...errors },
  },
  'POST /kiosk/queue': {
    summary: 'Queue a registered runner up (appends)',
    requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['identification'], properties: { identification: { type: 'string' } } } } } },
    responses: { 201: queued, ...errors },
  },
  'POST /kiosk/register': {
    summary: 'Register a new runner and queue them up',
    requestBody: {
      required: true,
      content: { 'application/json': { schema: { type: 'object', required: ['identification', 'firstName', 'lastName'], properties: {
        identification: { type: 'string' }, firstName: { type: 'string' }, lastName: { type: 'string' },
        university: { type: 'integer', nullable: true }, team: { type: 'integer', nullable: true }, firstYear: { type: 'boolean' },
      } } } },
    },
    responses: { 201: queued, ...errors },
  },
  'GET /kiosk/options': {
    summary: 'Universities and teams for the registration form',
    responses: {
      200: json({ type: 'object', properties: {
        universities: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } } },
        teams: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } } },
      } }),
      ...errors,
    },
  },
} satisfies PluginOpenApi;
