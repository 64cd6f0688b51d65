/**
 * OpenAPI for local plugins: every content-API route of src/plugins/<name> describes itself in
 * `config.openapi` (an Operation Object); this module turns those into path items for the
 * documentation plugin (docs/openapi.md). Deriving path, path parameters, tags and security from
 * the route itself keeps the description next to the route and stops the two drifting apart.
 */
import fs from 'fs';
import path from 'path';
import type { Core } from '@strapi/strapi';

export type OpenApiSchema = Record<string, unknown>;

export interface OpenApiOperation {
  summary: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  parameters?: Array<Record<string, unknown>>;
  requestBody?: Record<string, unknown>;
  responses: Record<string | number, Record<string, unknown>>;
  security?: Array<Record<string, string[]>>;
  [extension: `x-${string}`]: unknown;
}

export interface PluginRoute {
  method: string;
  path: string;
  handler: string | unknown;
  config?: { auth?: false | object; openapi?: OpenApiOperation; [key: string]: unknown };
}

export interface DocumentedRoute {
  plugin: string;
  method: string;
  /** Document path, e.g. /data-exchange/{uid}/export.csv */
  path: string;
  route: PluginRoute;
}

/** Shared responses plugin routes may $ref (Strapi's own error body). */
export const SHARED_COMPONENTS = {
  responses: Object.fromEntries(
    [
      ['BadRequest', 'Invalid input; error.details names the field, line or row'],
      ['Unauthorized', 'Missing or invalid credentials'],
      ['Forbidden', 'The caller may not do this'],
      ['NotFound', 'No such resource'],
    ].map(([name, description]) => [
      name,
      { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    ]),
  ),
};

/** Folder names under src/plugins: the local plugins (the smoke test uses the same rule). */
export function localPluginNames(strapi: Core.Strapi): string[] {
  const dir = path.join(strapi.dirs.app.src, 'plugins');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && strapi.plugin(d.name))
    .map((d) => d.name)
    .sort();
}

function contentApiRoutes(routes: unknown): PluginRoute[] {
  if (Array.isArray(routes)) return routes as PluginRoute[]; // a bare array is content-api in Strapi
  if (!routes || typeof routes !== 'object') return [];
  return Object.values(routes as Record<string, { type?: string; routes?: PluginRoute[] }>)
    .filter((router) => router && router.type === 'content-api')
    .flatMap((router) => router.routes ?? []);
}

/** `/:uid/export.csv` and `/v:major(\\d+)` style segments become `{uid}` / `{major}`. */
export const toDocumentPath = (plugin: string, routePath: string) =>
  `/${plugin}${routePath.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, '{$1}')}`.replace(/\/$/, '') || '/';

/**
 * Descriptions kept beside a plugin's routes instead of in them: `server/src/openapi.ts` exporting
 * `{ 'METHOD /route-path': OpenApiOperation }` (route path as declared, e.g. 'POST /logs').
 */
export type PluginOpenApi = Record<string, OpenApiOperation>;

function pluginOpenApiFile(strapi: Core.Strapi, plugin: string): PluginOpenApi {
  const file = path.join(strapi.dirs.dist.src, 'plugins', plugin, 'server', 'src', 'openapi.js');
  if (!fs.existsSync(file)) return {};
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const loaded = require(file);
  return (loaded.default ?? loaded) as PluginOpenApi;
}

export function localContentApiRoutes(strapi: Core.Strapi): DocumentedRoute[] {
  return localPluginNames(strapi).flatMap((plugin) => {
    const described = pluginOpenApiFile(strapi, plugin);
    return contentApiRoutes(strapi.plugin(plugin).routes).map((route) => {
      const openapi = route.config?.openapi ?? described[`${route.method.toUpperCase()} ${route.path}`];
      return {
        plugin,
        method: route.method.toLowerCase(),
        path: toDocumentPath(plugin, route.path),
        route: openapi ? { ...route, config: { ...route.config, openapi } } : route,
      };
    });
  });
}

function operationFor({ plugin, route }: DocumentedRoute): OpenApiOperation {
  const declared = route.config?.openapi as OpenApiOperation;
  const parameters = [...(declared.parameters ?? [])];
  for (const [, name] of route.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
    if (!parameters.some((p) => p.in === 'path' && p.name === name)) {
      parameters.push({ name, in: 'path', required: true, schema: { type: 'string' } });
    }
  }
  return {
    operationId: `${plugin}.${typeof route.handler === 'string' ? route.handler : route.path}`,
    tags: [plugin],
    ...(route.config?.auth === false ? { security: [] } : {}),
    ...declared,
    ...(parameters.length ? { parameters } : {}),
  };
}

/** Routes lacking a description, as "GET /plugin/path" (what the OpenAPI test reports). */
export function undocumentedRoutes(strapi: Core.Strapi): string[] {
  return localContentApiRoutes(strapi)
    .filter(({ route }) => !route.config?.openapi?.responses || !route.config.openapi.summary)
    .map(({ method, path: p }) => `${method.toUpperCase()} ${p}`);
}

/** The override handed to the documentation plugin: paths of every documented local route. */
export function localPluginsOverride(strapi: Core.Strapi) {
  const paths: Record<string, Record<string, OpenApiOperation>> = {};
  for (const entry of localContentApiRoutes(strapi)) {
    if (!entry.route.config?.openapi) continue;
    const methods = entry.method === 'all' ? ['get', 'post', 'put', 'patch', 'delete'] : [entry.method];
    for (const method of methods) (paths[entry.path] ??= {})[method] = operationFor(entry);
  }
  const tags = localPluginNames(strapi).map((name) => ({ name, description: `Local plugin ${name}` }));
  return { tags, paths, components: SHARED_COMPONENTS };
}
