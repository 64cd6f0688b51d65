import { InputError } from '../services/new-experiment';

/** Bad input answers 400 naming the field (and, for profiles, every line); anything else propagates. */
export async function respond(ctx: any, work: () => Promise<unknown>) {
  try {
    ctx.body = await work();
  } catch (error) {
    if (error instanceof InputError) {
      ctx.status = 400;
      ctx.body = {
        data: null,
        error: { status: 400, name: 'ValidationError', message: error.message, details: { field: error.field, issues: error.issues ?? [] } },
      };
      return;
    }
    throw error;
  }
}

/** Optional epoch-ms or ISO query parameter. */
export function timeParam(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Date.parse(String(value));
  if (!Number.isFinite(n)) throw new InputError(name, `${name} must be epoch milliseconds or an ISO date`);
  return n;
}

export function idParam(value: unknown, name = 'id'): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InputError(name, `${name} must be a positive integer`);
  return n;
}
