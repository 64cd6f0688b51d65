import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import {
  DEFAULT_IDENTIFICATION_PATTERN,
  InvalidIdentificationError,
  normalizeRunnerIdentification,
} from './services/runner-identification';

/** Document actions that write `data`; clone merges its data into a copy of an existing document. */
const WRITE_ACTIONS = new Set(['create', 'update', 'clone']);

/**
 * Race domain rules that the admin and the REST API must both obey, as document service middlewares.
 * Called from the app's `register()`.
 */
export default function registerRace({ strapi }: { strapi: Core.Strapi }) {
  strapi.documents.use(async (ctx, next) => {
    const { data } = ctx.params as { data?: Record<string, unknown> };
    // null is left to the required-field validation.
    if (ctx.uid === 'api::race.runner' && WRITE_ACTIONS.has(ctx.action) && data?.identification != null) {
      const pattern = strapi.config.get<string>('race.identificationPattern', DEFAULT_IDENTIFICATION_PATTERN);
      try {
        data.identification = normalizeRunnerIdentification(data.identification, pattern);
      } catch (error) {
        if (!(error instanceof InvalidIdentificationError)) throw error;
        throw new errors.ValidationError(error.message, {
          errors: [{ path: ['identification'], message: error.message, name: 'ValidationError' }],
        });
      }
    }
    return next();
  });

  // An admin edit of a lap (duration, start, rain, runner) in the Content Manager or the REST API:
  // the lap-control plugin recomputes that lap's points, the runners' points and the team scores, and
  // publishes lap:update / lap:delete and score:update. Its own advance/reverse writes bypass this.
  strapi.documents.use(async (ctx, next) => {
    if (ctx.uid !== 'api::race.lap' || !LAP_ACTIONS.has(ctx.action)) return next();
    const lapControl = strapi.plugin('lap-control')?.service('lapControl');
    if (!lapControl) return next();
    const { documentId } = ctx.params as { documentId?: string };
    const before = documentId ? await lapRunners(strapi, documentId) : [];
    const result = await next();
    if (ctx.action === 'delete') {
      for (const lap of before) await lapControl.lapDeleted(lap.id, lap.runnerId);
    } else {
      const id = (result as { id?: number } | null)?.id;
      const after = id != null ? [{ id }] : documentId ? await lapRunners(strapi, documentId) : [];
      for (const lap of after) await lapControl.lapEdited(lap.id, before.find((b) => b.id === lap.id)?.runnerId ?? before[0]?.runnerId ?? null);
    }
    return result;
  });
}

/** Lap document actions after which points and scores are recomputed. */
const LAP_ACTIONS = new Set(['create', 'update', 'delete', 'clone']);

/** Rows of a lap document with their runner id (before an edit changes it). */
async function lapRunners(strapi: Core.Strapi, documentId: string): Promise<Array<{ id: number; runnerId: number | null }>> {
  const link = (strapi.db.metadata.get('api::race.lap').attributes as any).runner.joinTable;
  const rows = await strapi.db
    .connection(strapi.db.metadata.get('api::race.lap').tableName + ' as l')
    .leftJoin(`${link.name} as lr`, `lr.${link.joinColumn.name}`, 'l.id')
    .where('l.document_id', documentId)
    .select('l.id', `lr.${link.inverseJoinColumn.name} as runner_id`);
  return rows.map((r: any) => ({ id: Number(r.id), runnerId: r.runner_id == null ? null : Number(r.runner_id) }));
}
