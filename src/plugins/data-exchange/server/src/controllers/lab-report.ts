/**
 * The battery lab's HTML report for machines (docs/battery-data.md): one experiment as a single
 * offline HTML file, built by `api::lab.experiment-report`. A function handler declared in
 * routes/lab-report.ts with the lab's own read permission, `api::lab.experiment.find`.
 */
import { errors } from '@strapi/utils';
import type { ExperimentReportService } from '../../../../../api/lab/services/experiment-report';
import type { Ctx } from './shared';

const service = () => strapi.service('api::lab.experiment-report') as unknown as ExperimentReportService;

/** `:id` is the experiment's numeric id or its documentId. */
export async function experimentReport(ctx: Ctx) {
  const raw = String(ctx.params.id ?? '');
  const id = /^\d+$/.test(raw) ? Number(raw) : raw;
  const report = raw ? await service().build(id) : null;
  if (!report) throw new errors.NotFoundError(`experiment ${raw} not found`);
  // Koa's attachment() encodes the name per RFC 6266; the name is ASCII-only already.
  ctx.attachment(report.fileName);
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = report.html;
}
