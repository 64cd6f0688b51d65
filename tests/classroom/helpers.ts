import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { root } from '../helpers/strapi';

export const FIXTURES = path.join(root, 'tests', 'fixtures', 'classroom');
export const SHARED_NOTEBOOKS = path.resolve(root, '..', 'shared', 'fixtures', 'notebooks');
export const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
export const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** Personal values planted in the test data: none may appear in a response to a viewer without the right. */
export const PERSONAL_VALUES = ['Alice Liddell', 'alice@example.test', 'Bob Marley', 'bob@example.test', 'S-1001', 'S-1002'];

export const USERS_CSV = fixture('users.csv');

/** A notebook with the given outcomes of graded cells (what the bench and the browser tests generate). */
export function notebook(outcomes: string[], prefix = 'q'): string {
  const output = (o: string) =>
    ({
      error: [{ output_type: 'error', ename: 'ValueError', evalue: 'bad', traceback: [] }],
      display: [{ output_type: 'display_data', data: { 'text/plain': ['<Figure>'] }, metadata: {} }],
      stream: [{ output_type: 'stream', name: 'stdout', text: ['out\n'] }],
      ok: [{ output_type: 'execute_result', data: { 'text/plain': ['1'] }, execution_count: 1, metadata: {} }],
      empty: [],
      not_run: [],
    })[o] ?? [];
  return JSON.stringify({
    cells: outcomes.map((o, i) => ({
      cell_type: 'code',
      execution_count: null,
      id: `${prefix}${i + 1}`,
      metadata: { nbgrader: { grade: true, grade_id: `${prefix}${i + 1}`, points: 1, solution: false, locked: true } },
      outputs: output(o),
      source: o === 'empty' ? '' : `answer_${i + 1} = compute()`,
    })),
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** An independent count of graded code cells by outcome (written apart from the plugin's parser). */
export function independentCount(nb: any): Record<string, number> {
  const counts: Record<string, number> = { code_error: 0, code_display: 0, code_stream: 0, code_ok: 0, code_empty: 0, code_not_run: 0 };
  for (const cell of nb.cells) {
    const g = cell.metadata?.nbgrader;
    if (cell.cell_type !== 'code' || !g?.grade || !g.grade_id) continue;
    const kinds = (cell.outputs ?? []).map((o: any) => o.output_type);
    const src = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
    const key = kinds.includes('error') ? 'error'
      : kinds.includes('display_data') ? 'display'
        : kinds.includes('stream') ? 'stream'
          : kinds.includes('execute_result') ? 'ok'
            : src.trim() === '' ? 'empty' : 'not_run';
    counts[`code_${key}`]++;
  }
  return counts;
}
