/**
 * JSON Schemas of every MQTT payload (docs/cycler-bridge.md prints them). Validated with ajv, compiled
 * once; a payload that fails is rejected whole (counted, acknowledged, never stored in part).
 */
import Ajv, { type ErrorObject } from 'ajv';

const finite = { type: 'number', minimum: -1e9, maximum: 1e9 } as const;
const counter = { type: 'integer', minimum: 0, maximum: 2_147_483_647 } as const;
const timestamp = {
  description: 'Epoch milliseconds or an ISO 8601 date-time',
  oneOf: [{ type: 'integer', minimum: 0, maximum: 8.64e15 }, { type: 'string', minLength: 10, maxLength: 40 }],
} as const;

export const DEVICE_KINDS = ['source', 'bisource', 'load', 'meter', 'epc', 'bms', 'flow'] as const;

export const heartbeatSchema = {
  $id: 'tallyboard/heartbeat',
  title: 'Station heartbeat (station -> platform, QoS 0 or 1, every few seconds)',
  type: 'object',
  required: ['state'],
  additionalProperties: false,
  properties: {
    state: { enum: ['available', 'running', 'paused', 'error'], description: 'What the station is doing' },
    experiment: { type: ['integer', 'null'], minimum: 1, description: 'Experiment id being run, if any' },
    devices: {
      type: 'array',
      maxItems: 32,
      items: {
        type: 'object',
        required: ['kind'],
        additionalProperties: false,
        properties: {
          kind: { enum: DEVICE_KINDS },
          model: { type: 'string', maxLength: 255 },
          serial_number: { type: 'string', maxLength: 255 },
          connected: { type: 'boolean' },
        },
      },
    },
    sent_at: timestamp,
  },
} as const;

export const sampleSchema = {
  type: 'object',
  required: ['test_time_s', 'voltage_v', 'current_a'],
  additionalProperties: false,
  properties: {
    recorded_at: timestamp,
    test_time_s: { type: 'number', minimum: 0, maximum: 1e9 },
    voltage_v: finite,
    current_a: finite,
    power_w: finite,
    temperature_c: finite,
    cycle_index: counter,
    step_index: counter,
    charge_capacity_ah: finite,
    discharge_capacity_ah: finite,
    charge_energy_wh: finite,
    discharge_energy_wh: finite,
    extra: { type: 'object', maxProperties: 32 },
  },
} as const;

export const samplesSchema = {
  $id: 'tallyboard/samples',
  title: 'Samples (station -> platform, QoS 1): samples[k] has sequence number seq + k',
  type: 'object',
  required: ['experiment', 'seq', 'samples'],
  additionalProperties: false,
  properties: {
    experiment: { type: 'integer', minimum: 1, maximum: 2_147_483_647, description: 'Experiment id from the start command' },
    seq: { type: 'integer', minimum: 0, maximum: 9_007_199_254_740_000, description: 'Sequence number of the first sample' },
    samples: { type: 'array', minItems: 1, maxItems: 1000, items: sampleSchema },
  },
} as const;

export const statusSchema = {
  $id: 'tallyboard/status',
  title: 'Experiment status (station -> platform, QoS 1)',
  type: 'object',
  required: ['experiment', 'kind'],
  additionalProperties: false,
  properties: {
    experiment: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
    kind: { enum: ['running', 'paused', 'finished', 'error', 'alarm'] },
    step: { ...counter, description: '0-based index of the profile step now running' },
    cycle: counter,
    samples_sent: { ...counter, description: 'Samples published for this experiment so far (finished)' },
    alarm: {
      type: 'object',
      required: ['code'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', pattern: '^[A-Z0-9_]{1,64}$' },
        message: { type: 'string', maxLength: 1000 },
        raised_at: {
          ...timestamp,
          description: 'When the station raised the alarm (epoch milliseconds or ISO 8601): stored as the alarm time; a redelivered alarm carries the same one and is stored once',
        },
      },
    },
  },
  allOf: [{ if: { properties: { kind: { enum: ['error', 'alarm'] } } }, then: { required: ['alarm'] } }],
} as const;

export const commandSchema = {
  $id: 'tallyboard/commands',
  title: 'Command (platform -> station, QoS 1)',
  type: 'object',
  required: ['command', 'experiment', 'sent_at'],
  additionalProperties: false,
  properties: {
    command: { enum: ['start', 'pause', 'resume', 'stop'] },
    experiment: {
      type: 'object',
      required: ['id'],
      properties: { id: { type: 'integer' }, documentId: { type: 'string' }, name: { type: 'string' } },
    },
    profile: {
      type: 'object',
      description: 'start only: the parsed profile',
      properties: { name: { type: 'string' }, instructions: { type: 'string' }, steps: { type: 'array' } },
    },
    limits: {
      type: 'object',
      description: 'start only: battery limits intersected with station limits (null = unbounded)',
      properties: {
        min_voltage_v: { type: ['number', 'null'] }, max_voltage_v: { type: ['number', 'null'] },
        min_current_a: { type: ['number', 'null'] }, max_current_a: { type: ['number', 'null'] },
      },
    },
    battery: { type: 'object', description: 'start only: name, technology, nominal_capacity_ah' },
    sent_at: { type: 'string' },
  },
} as const;

export const SCHEMAS = { heartbeat: heartbeatSchema, samples: samplesSchema, status: statusSchema, commands: commandSchema };

const ajv = new Ajv({ allErrors: false, strict: false });
export const validateHeartbeat = ajv.compile(heartbeatSchema);
export const validateSamples = ajv.compile(samplesSchema);
export const validateStatus = ajv.compile(statusSchema);
export const validateCommand = ajv.compile(commandSchema);

/** One readable line for the admin's "last malformed reason". */
export function describeErrors(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return 'invalid payload';
  const where = first.instancePath || '(root)';
  const extra = first.keyword === 'additionalProperties' ? ` "${(first.params as any).additionalProperty}"` : '';
  return `${where} ${first.message}${extra}`;
}

/** Epoch ms from a validated timestamp; null when a string is not a date. */
export function toEpochMs(value: number | string | undefined, fallback: number): number | null {
  if (value === undefined) return fallback;
  if (typeof value === 'number') return value;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}
