/**
 * The nbgrader counting rule of the notebook-progress seed (make_database.py, ipynb_parser.parse), with
 * its dropped case kept: graded code cells (`metadata.nbgrader.grade === true` with a `grade_id`) count
 * once each, by the first outcome that applies.
 */
export const OUTCOMES = ['error', 'display', 'stream', 'ok', 'empty', 'not_run'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type OutcomeCounts = Record<`code_${Outcome}`, number>;

export interface ParsedNotebook {
  counts: OutcomeCounts;
  /** One per graded cell, in notebook order. */
  results: Array<{ grade_id: string; outcome: Outcome }>;
}

export class NotebookError extends Error {}

export const emptyCounts = (): OutcomeCounts => ({
  code_error: 0,
  code_display: 0,
  code_stream: 0,
  code_ok: 0,
  code_empty: 0,
  code_not_run: 0,
});

const sourceText = (source: unknown): string =>
  typeof source === 'string' ? source : Array.isArray(source) ? source.filter((s) => typeof s === 'string').join('') : '';

/** The outcome of one code cell's outputs and source, by the seed's priority. */
export function cellOutcome(outputs: unknown, source: unknown): Outcome {
  const types = new Set(
    (Array.isArray(outputs) ? outputs : []).map((o) => (o && typeof o === 'object' ? (o as { output_type?: unknown }).output_type : undefined)),
  );
  if (types.has('error')) return 'error';
  if (types.has('display_data')) return 'display';
  if (types.has('stream')) return 'stream';
  if (types.has('execute_result')) return 'ok';
  // Outputs of an unknown type fall through to the source rule, as in the seed.
  return sourceText(source).trim() === '' ? 'empty' : 'not_run';
}

/**
 * Parses the bytes (or text) of an .ipynb file. Throws NotebookError for invalid JSON or anything
 * that is not an nbformat 4 notebook (any minor version).
 */
export function parseNotebook(content: string): ParsedNotebook {
  let nb: any;
  try {
    nb = JSON.parse(content);
  } catch (error) {
    throw new NotebookError(`not valid JSON (${(error as Error).message})`);
  }
  if (!nb || typeof nb !== 'object' || Array.isArray(nb)) throw new NotebookError('not a notebook: the top level is not a JSON object');
  if (nb.nbformat !== 4) throw new NotebookError(`not an nbformat 4 notebook (nbformat is ${JSON.stringify(nb.nbformat ?? null)})`);
  if (!Array.isArray(nb.cells)) throw new NotebookError('not a notebook: "cells" is not an array');

  const counts = emptyCounts();
  const results: ParsedNotebook['results'] = [];
  nb.cells.forEach((cell: any, index: number) => {
    if (!cell || typeof cell !== 'object') throw new NotebookError(`cell ${index} is not an object`);
    if (cell.cell_type !== 'code') return;
    const grader = cell.metadata?.nbgrader;
    if (!grader || grader.grade !== true || typeof grader.grade_id !== 'string' || grader.grade_id === '') return;
    const outcome = cellOutcome(cell.outputs, cell.source);
    counts[`code_${outcome}`] += 1;
    results.push({ grade_id: grader.grade_id, outcome });
  });
  return { counts, results };
}
