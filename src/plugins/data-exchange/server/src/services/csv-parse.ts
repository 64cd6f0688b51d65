/**
 * Bytes to rows: encoding from the BOM or chardet (decoded with iconv-lite), delimiter as given or
 * detected by papaparse, and the file line where each row starts (quoted cells can span lines), so
 * every problem is reported by line.
 */
import chardet from 'chardet';
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import { invalid } from '../options';

export interface ParsedCsv {
  encoding: string;
  delimiter: string;
  headers: string[];
  rows: Array<{ line: number; cells: string[] }>;
  /** Structural problems (unclosed quotes, too many cells), by line. */
  problems: Array<{ line: number; message: string }>;
}

const BOMS: Array<[number[], string]> = [
  [[0xef, 0xbb, 0xbf], 'UTF-8'],
  [[0xff, 0xfe], 'UTF-16LE'],
  [[0xfe, 0xff], 'UTF-16BE'],
];

export function detectEncoding(buffer: Buffer): string {
  for (const [bytes, name] of BOMS) if (bytes.every((b, i) => buffer[i] === b)) return name;
  const sample = buffer.subarray(0, 256 * 1024);
  // chardet calls plain ASCII ISO-8859-1; and bytes that are valid UTF-8 are UTF-8 in practice.
  if (!sample.some((b) => b >= 0x80)) return 'UTF-8';
  let end = sample.length;
  if (end < buffer.length) {
    // Drop a character the sample cut in two: its continuation bytes and its lead byte.
    let k = end - 1;
    while (k > end - 4 && (sample[k] & 0xc0) === 0x80) k--;
    end = k;
  }
  const head = sample.subarray(0, end);
  if (Buffer.from(head.toString('utf8'), 'utf8').equals(head)) return 'UTF-8';
  const guess = chardet.detect(sample);
  if (!guess || guess === 'ASCII') return 'UTF-8';
  return guess;
}

export function decode(buffer: Buffer, encoding?: string): { text: string; encoding: string } {
  const name = encoding || detectEncoding(buffer);
  if (!iconv.encodingExists(name)) throw invalid('encoding', `${name} is not an encoding this server can read`);
  // iconv-lite drops the BOM itself.
  return { text: iconv.decode(buffer, name), encoding: name };
}

export function parseCsv(buffer: Buffer, options: { encoding?: string; delimiter?: string; limit?: number } = {}): ParsedCsv {
  if (!buffer.length) throw invalid('file', 'is empty');
  const { text, encoding } = decode(buffer, options.encoding);
  const rows: ParsedCsv['rows'] = [];
  const problems: ParsedCsv['problems'] = [];
  let headers: string[] | null = null;
  let line = 1;
  let scanned = 0; // offset up to which newlines were counted into `line`
  let start = 0; // offset where the next row starts
  const lineAt = (offset: number) => {
    for (; scanned < offset; scanned++) if (text.charCodeAt(scanned) === 10) line++;
    return line;
  };
  let delimiter = options.delimiter ?? '';
  const result = Papa.parse<string[]>(text, {
    delimiter,
    skipEmptyLines: 'greedy',
    step: (step, parser) => {
      // Skip the blank lines papaparse jumped over, so the row's line is where its text starts.
      let from = start;
      while (from < text.length && (text[from] === '\n' || text[from] === '\r')) from++;
      const rowLine = lineAt(from);
      start = step.meta.cursor;
      // A one-column file has no delimiter to detect: papaparse then falls back to ',' and says so.
      for (const error of step.errors.filter((e) => e.code !== 'UndetectableDelimiter')) problems.push({ line: rowLine, message: `${error.message} (${error.code})` });
      if (!headers) {
        delimiter = step.meta.delimiter;
        headers = step.data.map((h) => h.trim());
        return;
      }
      rows.push({ line: rowLine, cells: step.data });
      if (options.limit && rows.length >= options.limit) parser.abort();
    },
  });
  void result;
  if (!headers) throw invalid('file', 'has no header row');
  const seen = new Set<string>();
  for (const header of headers as string[]) {
    if (header && seen.has(header)) throw invalid('file', `header "${header}" appears twice`);
    seen.add(header);
  }
  return { encoding, delimiter, headers, rows, problems };
}
