import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { specificationMismatch, type BatteryTechnology } from './services/battery-specification';
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

/**
 * Lab domain rules that the admin and the REST API must both obey, as document service middlewares.
 * Called from the app's `register()`.
 */
export default function registerLab({ strapi }: { strapi: Core.Strapi }) {
  strapi.documents.use(async (ctx, next) => {
    const { documentId, data } = ctx.params as { documentId?: string; data?: DocumentData };
    if (WRITE_ACTIONS.has(ctx.action) && data) {
      if (ctx.uid === 'api::lab.battery') await checkBatterySpecification(strapi, documentId, data);
      if (ctx.uid === 'api::lab.profile') deriveProfileSteps(data);
    }
    return next();
  });
}
