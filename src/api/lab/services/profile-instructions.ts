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

// Also registered by Strapi as the service `api::lab.profile-instructions` (every file here is a service).
export default { parseProfileInstructions, profileEnvelope };
