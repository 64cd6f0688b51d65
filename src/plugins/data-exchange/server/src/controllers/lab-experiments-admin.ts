/**
 * The "Experiments" admin page of the battery lab (docs/battery-data.md): the table's paginated,
 * sortable, filtered list (`api::lab.experiment-catalog`), its filter choices and one experiment's
 * summary. The page's CSV and HTML downloads are the content-API handlers themselves (routes/
 * lab-experiments-admin.ts), so they run the same services with the same checks.
 */
import { errors } from '@strapi/utils';
import { DateTime } from 'luxon';
import { EXPERIMENT_SORTS, type ExperimentCatalogService, type ExperimentListQuery, type ExperimentSort } from '../../../../../api/lab/services/experiment-catalog';
import type { Ctx } from './shared';

const EXPERIMENT = 'api::lab.experiment';
const STATES = ['queued', 'running', 'paused', 'finished', 'error'];
const SOURCES = ['live', 'imported'];
const catalog = () => strapi.service('api::lab.experiment-catalog') as unknown as ExperimentCatalogService;

const positiveInt = (value: unknown, name: string, fallback: number, max: number) => {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new errors.ValidationError(`${name} must be an integer from 1 to ${max}`, { errors: [{ path: [name], message: 'invalid' }] });
  }
  return n;
};

const oneOf = (value: unknown, name: string, allowed: string[]) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new errors.ValidationError(`${name} must be one of ${allowed.join(', ')}`, { errors: [{ path: [name], message: 'invalid' }] });
  }
  return value;
};

const optionalId = (value: unknown, name: string) => (value === undefined || value === '' ? undefined : positiveInt(value, name, 1, Number.MAX_SAFE_INTEGER));

/** An ISO 8601 date or instant; a bare date is that UTC day, `to` covering it to its last millisecond. */
const dateParam = (value: unknown, name: 'from' | 'to') => {
  if (value === undefined || value === '') return undefined;
  const text = typeof value === 'string' ? value.trim() : '';
  const parsed = DateTime.fromISO(text, { zone: 'utc' });
  if (!text || !parsed.isValid) {
    throw new errors.ValidationError(`${name} must be an ISO 8601 date or date-time (e.g. 2026-01-31 or 2026-01-31T12:00:00Z)`, { errors: [{ path: [name], message: 'invalid' }] });
  }
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  return (name === 'to' && dateOnly ? parsed.endOf('day') : parsed).toJSDate();
};

/** `sort=<column>` or `sort=<column>:asc|desc` over EXPERIMENT_SORTS; newest first (id:desc) by default. */
const sortParam = (value: unknown): ExperimentListQuery['sort'] => {
  if (value === undefined || value === '') return { column: 'id', direction: 'desc' };
  const [column, direction = 'asc', ...rest] = typeof value === 'string' ? value.split(':') : [];
  if (!EXPERIMENT_SORTS.includes(column as ExperimentSort) || !['asc', 'desc'].includes(direction) || rest.length) {
    throw new errors.ValidationError(`sort must be <column>[:asc|desc] with column one of ${EXPERIMENT_SORTS.join(', ')}`, { errors: [{ path: ['sort'], message: 'invalid' }] });
  }
  return { column: column as ExperimentSort, direction: direction as 'asc' | 'desc' };
};

/**
 * GET /data-exchange/lab/experiments?state=&source=&q=&technology=&battery=&station=&profile=&from=&to=&sort=&page=&pageSize=
 * (admin). `q` searches name and description; battery/station/profile are ids (choices from
 * `/filter-options`); from/to bound the start (or creation) date. `cycles` is the length of the
 * stored cycle summary. Any parameter out of range: 400 naming it.
 */
export async function listExperiments(ctx: Ctx) {
  const query: ExperimentListQuery = {
    page: positiveInt(ctx.query.page, 'page', 1, 100_000),
    pageSize: positiveInt(ctx.query.pageSize, 'pageSize', 25, 100),
    sort: sortParam(ctx.query.sort),
    state: oneOf(ctx.query.state, 'state', STATES),
    source: oneOf(ctx.query.source, 'source', SOURCES),
    q: typeof ctx.query.q === 'string' && ctx.query.q.trim() ? ctx.query.q.trim() : undefined,
    technology: oneOf(ctx.query.technology, 'technology', catalog().technologies()),
    battery: optionalId(ctx.query.battery, 'battery'),
    station: optionalId(ctx.query.station, 'station'),
    profile: optionalId(ctx.query.profile, 'profile'),
    from: dateParam(ctx.query.from, 'from'),
    to: dateParam(ctx.query.to, 'to'),
  };
  if (query.from && query.to && query.from > query.to) {
    throw new errors.ValidationError('to must not be before from', { errors: [{ path: ['to'], message: 'invalid' }] });
  }
  ctx.body = await catalog().list(query);
}

/** GET /data-exchange/lab/experiments/filter-options (admin): the choices of the page's technology, battery, station and profile filters. */
export async function experimentFilterOptions(ctx: Ctx) {
  ctx.body = { data: await catalog().filterOptions() };
}

/** GET /data-exchange/lab/experiments/:id/summary (admin): metadata and the whole cycle summary of one experiment. */
export async function experimentSummary(ctx: Ctx) {
  const raw = String(ctx.params.id ?? '');
  const experiment = await strapi.db.query(EXPERIMENT).findOne({
    where: /^\d+$/.test(raw) ? { id: Number(raw) } : { documentId: raw },
    select: ['id', 'documentId', 'name', 'description', 'state', 'state_reason', 'source', 'sample_count', 'queued_at', 'started_at', 'finished_at', 'cycle_summary'],
    populate: { battery: { select: ['id', 'name', 'technology', 'manufacturer', 'model'] }, cycler_station: { select: ['id', 'name'] }, profile: { select: ['id', 'name'] } },
  });
  if (!experiment) throw new errors.NotFoundError(`experiment ${raw} not found`);
  const { cycler_station, ...rest } = experiment as any;
  ctx.body = { data: { ...rest, station: cycler_station?.name ?? null } };
}
