/** Experiment report tests: an imported experiment with user-input names that need escaping, and the report route. */
import path from 'path';
import type { TestApp } from '../helpers/strapi';
import { IMPORT_ROUTE, OWN_FIXTURES, bearer, postCsv } from './battery-helpers';

export const reportRoute = (id: number | string) => `/api/data-exchange/lab/experiments/${id}/report.html`;
/** Names with markup: the report must show them as text. */
export const HOSTILE = { experiment: 'Cell <b>A</b> & "run" </script><script>window.__pwned=1</script>', battery: `Pack <img src=x onerror="window.__pwned=2"> 'B'` };

export interface ReportFixture { id: number; documentId: string; cycles: number; rows: number }

/** arbin-units.csv (72 rows, 3 cycles) imported under HOSTILE names, with a profile linked afterwards (imports have none). */
export async function importReportFixture(app: TestApp, token: string, tag = Math.random().toString(36).slice(2, 8)): Promise<ReportFixture> {
  const battery: any = await app.strapi.documents('api::lab.battery').create({
    data: { name: `${HOSTILE.battery} ${tag}`, technology: 'lithium', nominal_capacity_ah: 0.2, specification: [{ __component: 'lab.lithium' }] } as any,
  });
  const res = await postCsv(app, IMPORT_ROUTE, token, path.join(OWN_FIXTURES, 'arbin-units.csv'), { name: HOSTILE.experiment, battery: battery.documentId });
  if (res.status !== 201) throw new Error(`import failed: ${res.status} ${JSON.stringify(res.body)}`);
  const profile: any = await app.strapi.documents('api::lab.profile').create({
    data: { name: `CCCV <i>${tag}</i>`, instructions: 'CC, 1, TIME, 600\nWAIT, 60\nCC, -0.89, VOLTAGE, 3.0' } as any,
  });
  await app.strapi.db.query('api::lab.experiment').update({ where: { id: res.body.data.experiment.id }, data: { profile: profile.id } });
  const { experiment, cycles, rows } = res.body.data;
  return { id: experiment.id, documentId: experiment.documentId, cycles, rows };
}

export const getReport = (app: TestApp, id: number | string, token: string | null) => {
  const req = app.http().get(reportRoute(id)).buffer(true).parse((res, done) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    res.on('end', () => done(null, text));
  });
  return token ? req.set(bearer(token)) : req;
};

/** The chart data a report carries inline (its application/json script). */
export function reportData(html: string): { points: Array<Record<string, number | null>>; cycles: Array<Record<string, number | null>> } {
  const json = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (json === undefined) throw new Error('no report-data script in the report');
  return JSON.parse(json);
}
