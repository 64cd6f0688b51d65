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
}
