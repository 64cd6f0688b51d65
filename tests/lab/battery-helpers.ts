/** Battery import test helpers: the routes, the fixtures, BEEP's cycle rule as an independent oracle. */
import fs from 'fs';
import path from 'path';
import Papa from 'papaparse';
import type { TestApp } from '../helpers/strapi';

export const OWN_FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'battery');
export const SHARED_FIXTURES = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'battery');
export const IMPORT_ROUTE = '/api/data-exchange/lab/experiments/import';
export const PREVIEW_ROUTE = '/api/data-exchange/lab/experiments/preview';

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export function postCsv(app: TestApp, route: string, token: string | null, file: string | Buffer, query: Record<string, string> = {}) {
  let req = app.http().post(route).query(query);
  if (token) req = req.set(bearer(token));
  const body = Buffer.isBuffer(file) ? file : fs.readFileSync(file);
  return req.attach('file', body, { filename: Buffer.isBuffer(file) ? 'data.csv' : path.basename(file), contentType: 'text/csv' });
}

export const CAPACITY_COLUMNS = ['Charge_Capacity', 'Discharge_Capacity', 'Charge_Energy', 'Discharge_Energy'] as const;
export const SUMMARY_FIELDS = ['charge_capacity_ah', 'discharge_capacity_ah', 'charge_energy_wh', 'discharge_energy_wh'] as const;

/**
 * BEEP's summary rule, computed here from the file with no code of the app: group the rows by
 * Cycle_Index and take the max of each capacity/energy column. Headers are matched without unit
 * suffixes (`Charge_Capacity(Ah)`). Rows with an empty Cycle_Index form one group keyed `null`.
 */
export function beepRule(file: string): Map<number | null, number[]> {
  const rows = Papa.parse<Record<string, string>>(fs.readFileSync(file, 'utf8'), { header: true, skipEmptyLines: true }).data;
  const key = (row: Record<string, string>, name: string) => Object.keys(row).find((h) => h.replace(/\(.*\)$/, '') === name) as string;
  const out = new Map<number | null, number[]>();
  for (const row of rows) {
    const raw = row[key(row, 'Cycle_Index')];
    const cycle = raw === '' || raw === undefined ? null : Number(raw);
    const values = CAPACITY_COLUMNS.map((c) => Number(row[key(row, c)]));
    const max = out.get(cycle);
    out.set(cycle, max ? max.map((m, i) => Math.max(m, values[i])) : values);
  }
  return out;
}

export function dataRowCount(file: string): number {
  return Papa.parse(fs.readFileSync(file, 'utf8'), { skipEmptyLines: true }).data.length - 1;
}

/** |a - b| <= 1e-9 relative (exact for zeros). */
export function relativeClose(a: number, b: number, tolerance = 1e-9): boolean {
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}
