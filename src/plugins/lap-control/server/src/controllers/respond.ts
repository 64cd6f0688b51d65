import { RaceError } from '../utils';

export type Ctx = {
  params: Record<string, string>;
  query: Record<string, unknown>;
  request: { body?: unknown };
  body: unknown;
  status: number;
  type: string;
  set(name: string, value: string): void;
};

/** Runs a handler; a RaceError becomes `{ error, ...extra }` with its status (400 names the field). */
export async function respond(ctx: Ctx, handler: () => Promise<unknown>, status = 200): Promise<void> {
  try {
    const body = await handler();
    ctx.status = status;
    ctx.body = body;
  } catch (error) {
    if (!(error instanceof RaceError)) throw error;
    ctx.status = error.status;
    ctx.body = { error: error.message, ...(error.field ? { field: error.field } : {}), ...error.extra };
  }
}

export const bodyOf = (ctx: Ctx): Record<string, unknown> => {
  const body = ctx.request.body;
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
};
