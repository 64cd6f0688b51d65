import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { specificationMismatch, type BatteryTechnology } from './services/battery-specification';
import { SAMPLES_TABLE } from './services/lab-samples';
import { ROLLUPS_TABLE } from './sample-rollups';
import { parseProfileInstructions, ProfileInstructionsError, type ParsedProfile } from './services/profile-instructions';

type DocumentData = Record<string, unknown>;

/** Document actions that write `data`; clone merges its data into a copy of an existing document. */
const WRITE_ACTIONS = new Set(['create', 'update', 'clone']);

/** A 400 whose `path` lets the admin highlight the offending field. */
function fieldError(field: string, message: string) {
  return new errors.ValidationError(message, { errors: [{ path: [field], message, name: 'ValidationError' }] });
}

async function checkBatterySpecification(strapi: Core.Strapi, documentId: string | undefined, data: DocumentData) {
  if (data.technology === undefined && data.specification === undefined) return;
  let { technology, specification } = data;
  // Partial updates: the missing half of the pair comes from the stored battery.
  if (documentId && (technology === undefined || specification === undefined)) {
    const stored = await strapi.documents('api::lab.battery').findOne({ documentId, populate: ['specification'] });
    if (technology === undefined) technology = stored?.technology;
    if (specification === undefined) specification = stored?.specification;
  }
  // No technology: the required-field validation that runs next reports it.
  if (!technology) return;
  const reason = specificationMismatch(technology as BatteryTechnology, specification as Array<{ __component?: string }>);
  if (reason) throw fieldError('specification', `Invalid specification: ${reason}`);
}

/** Steps and the envelope are derived data: recomputed from the instructions every time they are written. */
function deriveProfileSteps(data: DocumentData) {
  const { instructions } = data;
  if (instructions === undefined) return;
  if (instructions !== null && typeof instructions !== 'string') throw fieldError('instructions', 'Instructions must be text');
  let parsed: ParsedProfile;
  try {
    parsed = parseProfileInstructions(typeof instructions === 'string' ? instructions : '');
  } catch (error) {
    if (error instanceof ProfileInstructionsError) throw fieldError('instructions', `Invalid instructions: ${error.message}`);
    throw error;
  }
  if (!parsed.steps.length) throw fieldError('instructions', 'Instructions need at least one WAIT, CC or CV line');
  Object.assign(data, { steps: parsed.steps, ...parsed.envelope });
}

/** A queued experiment knows when it was queued: dispatch takes the oldest first. */
function stampQueuedAt(action: string, data: DocumentData) {
  if (action !== 'create') return;
  if ((data.state ?? 'queued') === 'queued' && !data.queued_at) data.queued_at = new Date();
}

/**
 * Deprecating a station: its queued experiments can never run there, so they move to error with the
 * reason in `state_reason` and an alarm (running ones are left to the cycler to finish or stop).
 */
async function failQueuedOfDeprecatedStation(strapi: Core.Strapi, station: { id?: number; name?: string } | null) {
  if (!station?.id) return;
  const queued = await strapi.db.query('api::lab.experiment').findMany({
    where: { state: 'queued', cycler_station: { id: station.id } },
    select: ['id'],
  });
  if (!queued.length) return;
  const reason = `Station "${station.name}" was deprecated while this experiment was queued`;
  const ids = queued.map((e: { id: number }) => e.id);
  await strapi.db.query('api::lab.experiment').updateMany({
    where: { id: { $in: ids } },
    data: { state: 'error', state_reason: reason, finished_at: new Date() },
  });
  for (const id of ids) {
    await strapi.db.query('api::lab.alarm').create({
      data: { experiment: id, code: 'STATION_DEPRECATED', message: reason, raised_at: new Date() },
    });
  }
}

/**
 * An experiment's samples and chart rollups are plain tables (no relation Strapi would cascade), so
 * deleting experiments deletes them here, in the delete's transaction when it runs in one. Ids
 * are read before a deleteMany (its `where` may not name them); a single delete's result carries its id.
 */
function deleteSamplesWithExperiments(strapi: Core.Strapi) {
  const purge = async (ids: number[]) => {
    if (!ids.length) return;
    // strapi.db.transaction joins the delete's own transaction when there is one (SQLite has one
    // connection: a query outside it would wait for it forever).
    await strapi.db.transaction(async ({ trx }) => {
      for (const table of [SAMPLES_TABLE, ROLLUPS_TABLE]) await trx(table).whereIn('experiment_id', ids).delete();
    });
  };
  strapi.db.lifecycles.subscribe({
    models: ['api::lab.experiment'],
    async afterDelete(event: any) {
      await purge(event.result?.id ? [event.result.id] : []);
    },
    async beforeDeleteMany(event: any) {
      const rows = await strapi.db.query('api::lab.experiment').findMany({ where: event.params?.where ?? {}, select: ['id'] });
      event.state.experimentIds = rows.map((r: { id: number }) => r.id);
    },
    async afterDeleteMany(event: any) {
      await purge(event.state.experimentIds ?? []);
    },
  });
}

/**
 * Lab domain rules that the admin and the REST API must both obey, as document service middlewares
 * (and the samples' cleanup as a database lifecycle). Called from the app's `register()`.
 */
export default function registerLab({ strapi }: { strapi: Core.Strapi }) {
  deleteSamplesWithExperiments(strapi);
  strapi.documents.use(async (ctx, next) => {
    const { documentId, data } = ctx.params as { documentId?: string; data?: DocumentData };
    if (WRITE_ACTIONS.has(ctx.action) && data) {
      if (ctx.uid === 'api::lab.battery') await checkBatterySpecification(strapi, documentId, data);
      if (ctx.uid === 'api::lab.profile') deriveProfileSteps(data);
      if (ctx.uid === 'api::lab.experiment') stampQueuedAt(ctx.action, data);
    }
    const result = await next();
    if (ctx.uid === 'api::lab.cycler-station' && WRITE_ACTIONS.has(ctx.action) && data?.state === 'deprecated') {
      await failQueuedOfDeprecatedStation(strapi, result as { id?: number; name?: string });
    }
    return result;
  });
}
