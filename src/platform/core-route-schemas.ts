/**
 * Strapi 5.54 gives every generated REST route Zod schemas of its content type: the query
 * parameters, the body and the response. For our 29 content types they hold ~60 MB of heap, a
 * quarter of an idle instance. At run time Strapi reads them only for the query and body keys a
 * plugin adds through `strapi.contentAPI.addQueryParams` / `addInputParams` (merged into the routes
 * after this, so still validated) and for the body's root keys (`data`); the core keys (filters,
 * sort, populate, ...) and the document are validated from the content type itself. The rest serves
 * `strapi openapi generate`; the documentation plugin builds its document from the content types.
 *
 * So the generated routes keep their method, path, handler, config and the body's root keys, and drop
 * the schemas, unless `server.coreRouteSchemas` (CORE_ROUTE_SCHEMAS=true) keeps them.
 */
import type { Core } from '@strapi/strapi';
import { z } from '@strapi/utils';

interface RouteSchemas {
  request?: { query?: unknown; params?: unknown; body?: Record<string, unknown> };
  response?: unknown;
}

// What Strapi reads of a generated route's body schema: its root keys.
const BODY_ROOT = z.object({ data: z.unknown() });

/** In place: the generated router keeps its routes in a closure of its own, so a copy would free nothing. */
function dropSchemas(route: RouteSchemas): void {
  const hasBody = Boolean(route.request?.body?.['application/json']);
  delete route.response;
  delete route.request;
  if (hasBody) route.request = { body: { 'application/json': BODY_ROOT } };
}

/** Wraps every generated router of `strapi.apis` (in register, before the routes are first read). */
export function dropCoreRouteSchemas(strapi: Core.Strapi): void {
  for (const api of Object.values(strapi.apis) as Array<{ routes: Record<string, object> }>) {
    for (const router of Object.values(api.routes)) {
      // A generated router builds its routes on first read (a getter); a custom one lists them.
      const built = Object.getOwnPropertyDescriptor(router, 'routes')?.get;
      if (!built) continue;
      let dropped = false;
      Object.defineProperty(router, 'routes', {
        configurable: true,
        enumerable: true,
        get: () => {
          const routes = built.call(router) as RouteSchemas[];
          if (!dropped) routes.forEach(dropSchemas);
          dropped = true;
          return routes;
        },
      });
    }
  }
}
