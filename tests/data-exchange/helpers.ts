import Papa from 'papaparse';
import type { TestApp } from '../helpers/strapi';

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export function parse(csv: string): string[][] {
  return Papa.parse<string[]>(csv.replace(/^\ufeff/, ''), { skipEmptyLines: true }).data;
}

/** GET /api/data-exchange/<uid>/export.csv, the body as text. */
export async function exportCsv(app: TestApp, token: string, uid: string, query: Record<string, string> = {}) {
  const res = await app
    .http()
    .get(`/api/data-exchange/${uid}/export.csv`)
    .query(query)
    .set(bearer(token))
    .buffer(true)
    .parse((response, done) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => done(null, Buffer.concat(chunks)));
    });
  return { status: res.status, headers: res.headers, raw: res.body as Buffer, text: Buffer.isBuffer(res.body) ? res.body.toString('utf8') : '', res };
}

/** POST /api/data-exchange/<uid>/import with the CSV as multipart field `file`. */
export function importCsv(app: TestApp, token: string | null, uid: string, csv: string | Buffer, fields: Record<string, string> = {}) {
  let req = app.http().post(`/api/data-exchange/${uid}/import`);
  if (token) req = req.set(bearer(token));
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  return req.attach('file', Buffer.isBuffer(csv) ? csv : Buffer.from(csv, 'utf8'), { filename: 'data.csv', contentType: 'text/csv' });
}

export const count = (app: TestApp, uid: string) => app.strapi.db.query(uid as any).count();
