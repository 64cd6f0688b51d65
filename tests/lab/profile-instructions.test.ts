import { parseProfileInstructions, ProfileInstructionsError } from '../../src/api/lab/services/profile-instructions';

const issuesOf = (text: string) => {
  try {
    parseProfileInstructions(text);
  } catch (error) {
    if (error instanceof ProfileInstructionsError) return error.issues;
    throw error;
  }
  throw new Error('expected the instructions to be refused');
};

describe('WattRex profile instructions', () => {
  it('parses every mode and derives the envelope', () => {
    const parsed = parseProfileInstructions(['# charge', 'CC, 1.5, VOLTAGE, 4.2', 'CV, 4.2, CURRENT, 0.1', '', 'WAIT, 60', 'CC, -2, VOLTAGE, 3.0', 'CC, 0.5, TIME, 30'].join('\n'));
    expect(parsed.steps).toEqual([
      { line: 2, mode: 'CC', current_a: 1.5, limit_type: 'VOLTAGE', limit_value: 4.2 },
      { line: 3, mode: 'CV', voltage_v: 4.2, limit_type: 'CURRENT', limit_value: 0.1 },
      { line: 5, mode: 'WAIT', time_s: 60 },
      { line: 6, mode: 'CC', current_a: -2, limit_type: 'VOLTAGE', limit_value: 3 },
      { line: 7, mode: 'CC', current_a: 0.5, limit_type: 'TIME', limit_value: 30 },
    ]);
    expect(parsed.envelope).toEqual({ min_voltage_v: 3, max_voltage_v: 4.2, min_current_a: -2, max_current_a: 1.5 });
  });

  it.each([
    ['CC, 1.5, VOLTAGE', 1, /element|field|expect/i],
    ['XX, 1, TIME, 3', 1, /mode|WAIT|CC|CV/],
    ['WAIT, 60\nCC, abc, TIME, 3', 2, /not a number/],
    ['CV, 4.2, VOLTAGE, 4.1', 1, /CV.*(VOLTAGE|CURRENT)/],
    ['WAIT, 1\nWAIT, 2\nCC, 1, CURRENT, 0.5', 3, /CC.*(CURRENT|VOLTAGE)/],
    ['CC, 1, TIME, -5', 1, /limit|greater|positive/i],
  ])('refuses %j naming line %i', (text, line, reason) => {
    const issues = issuesOf(text);
    expect(issues[0].line).toBe(line);
    expect(issues[0].message).toMatch(reason);
  });

  it('reports every bad line, not only the first', () => {
    expect(issuesOf('CC, x, TIME, 1\nWAIT, 5\nCV, 4, VOLTAGE, 1').map((i) => i.line)).toEqual([1, 3]);
  });
});
