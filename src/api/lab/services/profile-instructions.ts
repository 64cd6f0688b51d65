/**
 * Parser for cycling profiles written in WattRex syntax, one instruction per line:
 *
 *   WAIT, <seconds>
 *   CC, <current A>, <TIME|VOLTAGE>, <limit>     constant current until a time or a voltage is reached
 *   CV, <voltage V>, <TIME|CURRENT>, <limit>     constant voltage until a time or a current is reached
 *
 * Currents are signed (negative = discharge). Blank lines and `#` comments are ignored.
 * Pure and dependency-free so the admin, the REST API, importers and tests share one grammar.
 */

export type ProfileStep =
  | { line: number; mode: 'WAIT'; time_s: number }
  | { line: number; mode: 'CC'; current_a: number; limit_type: 'TIME' | 'VOLTAGE'; limit_value: number }
  | { line: number; mode: 'CV'; voltage_v: number; limit_type: 'TIME' | 'CURRENT'; limit_value: number };

/** Field names match the profile attributes, so an envelope can be spread into the document data. */
export interface ProfileEnvelope {
  min_voltage_v: number | null;
  max_voltage_v: number | null;
  min_current_a: number | null;
  max_current_a: number | null;
}

export interface ParsedProfile {
  steps: ProfileStep[];
  envelope: ProfileEnvelope;
}

export interface ProfileInstructionIssue {
  /** 1-based line number in the instructions text. */
  line: number;
  message: string;
}

export class ProfileInstructionsError extends Error {
  readonly issues: ProfileInstructionIssue[];

  constructor(issues: ProfileInstructionIssue[]) {
    super(issues.map((issue) => `line ${issue.line}: ${issue.message}`).join('; '));
    this.name = 'ProfileInstructionsError';
    this.issues = issues;
  }
}

const SYNTAX = {
  WAIT: 'WAIT, <seconds>',
  CC: 'CC, <current A>, <TIME|VOLTAGE>, <limit>',
  CV: 'CV, <voltage V>, <TIME|CURRENT>, <limit>',
} as const;

/** Plain decimal numbers only: Number() would also accept '', 'Infinity' and '0x10'. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Thrown inside the line parser and turned into one issue for that line. */
class LineError extends Error {}

function parseNumber(raw: string, what: string): number {
  if (!DECIMAL.test(raw)) throw new LineError(`${what} "${raw}" is not a number`);
  return Number(raw);
}

function parsePositive(raw: string, what: string): number {
  const value = parseNumber(raw, what);
  if (value <= 0) throw new LineError(`${what} must be > 0, got ${raw}`);
  return value;
}

function parseLimitType<T extends string>(raw: string, mode: 'CC' | 'CV', allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  const known = ['TIME', 'VOLTAGE', 'CURRENT'].includes(raw);
  throw new LineError(
    known
      ? `${mode} cannot end on ${raw}: use ${allowed.join(' or ')}`
      : `limit type "${raw}" is not ${allowed.join(' or ')}`,
  );
}

function expectElements(fields: string[], count: number, mode: keyof typeof SYNTAX): void {
  if (fields.length !== count) {
    throw new LineError(`${mode} takes ${count} elements (${SYNTAX[mode]}), got ${fields.length}`);
  }
}

function parseLine(fields: string[], line: number): ProfileStep {
  const mode = fields[0];
  switch (mode) {
    case 'WAIT':
      expectElements(fields, 2, mode);
      return { line, mode, time_s: parsePositive(fields[1], 'time') };
    case 'CC': {
      expectElements(fields, 4, mode);
      const current_a = parseNumber(fields[1], 'current');
      const limit_type = parseLimitType(fields[2], mode, ['TIME', 'VOLTAGE'] as const);
      return { line, mode, current_a, limit_type, limit_value: parsePositive(fields[3], limitLabel(limit_type)) };
    }
    case 'CV': {
      expectElements(fields, 4, mode);
      const voltage_v = parseNumber(fields[1], 'voltage');
      const limit_type = parseLimitType(fields[2], mode, ['TIME', 'CURRENT'] as const);
      return { line, mode, voltage_v, limit_type, limit_value: parsePositive(fields[3], limitLabel(limit_type)) };
    }
    default:
      throw new LineError(
        mode.toUpperCase() in SYNTAX
          ? `mode "${mode}" must be written in capitals: ${mode.toUpperCase()}`
          : `unknown mode "${mode}": expected WAIT, CC or CV`,
      );
  }
}

function limitLabel(limitType: 'TIME' | 'VOLTAGE' | 'CURRENT'): string {
  return limitType === 'TIME' ? 'time limit' : `${limitType.toLowerCase()} limit`;
}

function range(values: number[]): [number | null, number | null] {
  return values.length ? [Math.min(...values), Math.max(...values)] : [null, null];
}

/** Voltages come from CV setpoints and CC voltage limits, currents from CC setpoints and CV current limits. */
export function profileEnvelope(steps: ProfileStep[]): ProfileEnvelope {
  const voltages: number[] = [];
  const currents: number[] = [];
  for (const step of steps) {
    if (step.mode === 'CC') {
      currents.push(step.current_a);
      if (step.limit_type === 'VOLTAGE') voltages.push(step.limit_value);
    } else if (step.mode === 'CV') {
      voltages.push(step.voltage_v);
      if (step.limit_type === 'CURRENT') currents.push(step.limit_value);
    }
  }
  const [min_voltage_v, max_voltage_v] = range(voltages);
  const [min_current_a, max_current_a] = range(currents);
  return { min_voltage_v, max_voltage_v, min_current_a, max_current_a };
}

/**
 * Parses profile instructions into steps and their voltage/current envelope.
 * @throws ProfileInstructionsError listing every bad line (1-based) and why, never just the first.
 */
export function parseProfileInstructions(text: string): ParsedProfile {
  const steps: ProfileStep[] = [];
  const issues: ProfileInstructionIssue[] = [];

  (text ?? '').split(/\r\n|\r|\n/).forEach((rawLine, index) => {
    const content = rawLine.replace(/#.*/, '').trim();
    if (!content) return;
    const line = index + 1;
    try {
      steps.push(parseLine(content.split(',').map((field) => field.trim()), line));
    } catch (error) {
      if (!(error instanceof LineError)) throw error;
      issues.push({ line, message: error.message });
    }
  });

  if (issues.length) throw new ProfileInstructionsError(issues);
  return { steps, envelope: profileEnvelope(steps) };
}

// ---------------------------------------------------------------------------------------------
// Limits: a profile may only be run where every setpoint and limit fits the battery and the station.

/** Closed intervals; null means unbounded on that side. Field names match the envelope's. */
export type ProfileLimits = ProfileEnvelope;

type Decimalish = number | string | null | undefined;
const num = (value: Decimalish): number | null => (value === null || value === undefined || value === '' ? null : Number(value));

/** Battery limits: currents are signed, charging positive, so discharge becomes the lower bound. */
export function batteryLimits(battery: {
  min_voltage_v?: Decimalish; max_voltage_v?: Decimalish; max_charge_current_a?: Decimalish; max_discharge_current_a?: Decimalish;
}): ProfileLimits {
  const discharge = num(battery.max_discharge_current_a);
  return {
    min_voltage_v: num(battery.min_voltage_v),
    max_voltage_v: num(battery.max_voltage_v),
    min_current_a: discharge === null ? null : -Math.abs(discharge),
    max_current_a: num(battery.max_charge_current_a),
  };
}

export function stationLimits(station: {
  min_voltage_v?: Decimalish; max_voltage_v?: Decimalish; min_current_a?: Decimalish; max_current_a?: Decimalish;
}): ProfileLimits {
  return {
    min_voltage_v: num(station.min_voltage_v),
    max_voltage_v: num(station.max_voltage_v),
    min_current_a: num(station.min_current_a),
    max_current_a: num(station.max_current_a),
  };
}

const tighter = (a: number | null, b: number | null, pick: (x: number, y: number) => number) =>
  a === null ? b : b === null ? a : pick(a, b);

export function intersectLimits(a: ProfileLimits, b: ProfileLimits): ProfileLimits {
  return {
    min_voltage_v: tighter(a.min_voltage_v, b.min_voltage_v, Math.max),
    max_voltage_v: tighter(a.max_voltage_v, b.max_voltage_v, Math.min),
    min_current_a: tighter(a.min_current_a, b.min_current_a, Math.max),
    max_current_a: tighter(a.max_current_a, b.max_current_a, Math.min),
  };
}

/** True when the station's range covers the battery's whole range (what a compatible station means). */
export function limitsCover(outer: ProfileLimits, inner: ProfileLimits): boolean {
  const below = (o: number | null, i: number | null) => o === null || (i !== null && o <= i);
  const above = (o: number | null, i: number | null) => o === null || (i !== null && o >= i);
  return below(outer.min_voltage_v, inner.min_voltage_v) && above(outer.max_voltage_v, inner.max_voltage_v)
    && below(outer.min_current_a, inner.min_current_a) && above(outer.max_current_a, inner.max_current_a);
}

const formatRange = (min: number | null, max: number | null, unit: string) =>
  `${min ?? '-∞'} ${unit} .. ${max ?? '+∞'} ${unit}`;

function outside(value: number, min: number | null, max: number | null) {
  return (min !== null && value < min) || (max !== null && value > max);
}

/** Every step whose setpoint or limit leaves `limits`, one issue per offending value, with its line. */
export function checkStepsWithinLimits(steps: ProfileStep[], limits: ProfileLimits, limitsName = 'the allowed range'): ProfileInstructionIssue[] {
  const issues: ProfileInstructionIssue[] = [];
  const volts = formatRange(limits.min_voltage_v, limits.max_voltage_v, 'V');
  const amps = formatRange(limits.min_current_a, limits.max_current_a, 'A');
  const checkVoltage = (step: ProfileStep, value: number, what: string) => {
    if (outside(value, limits.min_voltage_v, limits.max_voltage_v)) {
      issues.push({ line: step.line, message: `${what} ${value} V is outside ${limitsName} (${volts})` });
    }
  };
  const checkCurrent = (step: ProfileStep, value: number, what: string) => {
    if (outside(value, limits.min_current_a, limits.max_current_a)) {
      issues.push({ line: step.line, message: `${what} ${value} A is outside ${limitsName} (${amps})` });
    }
  };
  for (const step of steps) {
    if (step.mode === 'CC') {
      checkCurrent(step, step.current_a, 'CC current');
      if (step.limit_type === 'VOLTAGE') checkVoltage(step, step.limit_value, 'CC voltage limit');
    } else if (step.mode === 'CV') {
      checkVoltage(step, step.voltage_v, 'CV voltage');
      if (step.limit_type === 'CURRENT') checkCurrent(step, step.limit_value, 'CV current limit');
    }
  }
  return issues;
}

/** True when the profile's envelope fits `limits` (used to offer only compatible stored profiles). */
export function envelopeFits(envelope: ProfileEnvelope, limits: ProfileLimits): boolean {
  const values: Array<[number | null, number | null, number | null]> = [
    [envelope.min_voltage_v, limits.min_voltage_v, limits.max_voltage_v],
    [envelope.max_voltage_v, limits.min_voltage_v, limits.max_voltage_v],
    [envelope.min_current_a, limits.min_current_a, limits.max_current_a],
    [envelope.max_current_a, limits.min_current_a, limits.max_current_a],
  ];
  return values.every(([value, min, max]) => value === null || !outside(Number(value), min, max));
}

/**
 * The whole check the New-experiment page runs before saving: syntax of every line, then every
 * setpoint against the limits. Never throws for bad input: returns every issue with its line.
 */
export function checkProfile(text: string, limits: ProfileLimits, limitsName?: string): { parsed: ParsedProfile | null; issues: ProfileInstructionIssue[] } {
  let parsed: ParsedProfile;
  try {
    parsed = parseProfileInstructions(text);
  } catch (error) {
    if (error instanceof ProfileInstructionsError) return { parsed: null, issues: error.issues };
    throw error;
  }
  if (!parsed.steps.length) return { parsed: null, issues: [{ line: 1, message: 'the profile needs at least one WAIT, CC or CV line' }] };
  return { parsed, issues: checkStepsWithinLimits(parsed.steps, limits, limitsName) };
}

// Also registered by Strapi as the service `api::lab.profile-instructions` (every file here is a service).
export default { parseProfileInstructions, profileEnvelope, checkProfile, checkStepsWithinLimits, envelopeFits, intersectLimits, limitsCover };
