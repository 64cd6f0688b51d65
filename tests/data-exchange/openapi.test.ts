/**
 * The OpenAPI document (@strapi/plugin-documentation plus src/extensions/documentation) holds every
 * content-API route of every local plugin, with responses: a route added without a description
 * fails here, named (docs/openapi.md).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { startStrapi, type TestApp } from '../helpers/strapi';
import { localContentApiRoutes, undocumentedRoutes } from '../../src/extensions/documentation/openapi';

let app: TestApp;
let doc: any;
let dir: string;

beforeAll(async () => {
  app = await startStrapi();
  // A version of our own, written to a temp copy of the documentation folder: test files running in
  // parallel regenerate 1.0.0 at every boot.
  const service = app.strapi.plugin('documentation').service('documentation') as any;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-'));
  service.getFullDocumentationPath = () => dir;
  await service.generateFullDoc('1.0.0');
  doc = JSON.parse(fs.readFileSync(path.join(dir, '1.0.0', 'full_documentation.json'), 'utf8'));
});
afterAll(async () => {
  await app?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('OpenAPI document', () => {
  it('describes every content-API route of every local plugin', () => {
    expect(undocumentedRoutes(app.strapi)).toEqual([]);
    const routes = localContentApiRoutes(app.strapi);
    for (const plugin of ['realtime', 'dashboards', 'ingest', 'lap-control', 'data-exchange']) {
      expect(routes.some((r) => r.plugin === plugin)).toBe(true);
    }
    const missing = routes.filter((r) => !doc.paths[r.path]?.[r.method === 'all' ? 'get' : r.method]).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(missing).toEqual([]);
  });

  it('gives each plugin operation responses, a tag and its path parameters', () => {
    for (const { plugin, method, path: p, route } of localContentApiRoutes(app.strapi)) {
      if (!route.config?.openapi) continue; // reported by the test above
      const op = doc.paths[p][method === 'all' ? 'get' : method];
      expect([p, Object.keys(op.responses ?? {}).length > 0]).toEqual([p, true]);
      expect(op.tags).toContain(plugin);
      for (const [, name] of route.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
        expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name, in: 'path' })]));
      }
      if (route.config?.auth === false && !route.config.openapi.security) expect(op.security).toEqual([]);
    }
  });

  it('documents the data-exchange routes with request and response schemas', () => {
    const exp = doc.paths['/data-exchange/{uid}/export.csv'].get;
    expect(exp.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['uid', 'filters', 'sort', 'locale', 'delimiter', 'bom', 'columns', 'relations']));
    expect(exp.responses['200'].content['text/csv']).toBeDefined();
    const imp = doc.paths['/data-exchange/{uid}/import'].post;
    expect(Object.keys(imp.requestBody.content['multipart/form-data'].schema.properties)).toEqual(
      expect.arrayContaining(['file', 'dryRun', 'mode', 'key', 'mapping']),
    );
    expect(imp.responses['200'].content['application/json'].schema.properties.data.properties.problems).toBeDefined();
  });

  it('keeps the generated REST API of the content types and resolves every $ref', () => {
    expect(doc.info.title).toBe('Tallyboard API');
    expect(doc.paths['/runners']).toBeDefined();
    const refs = JSON.stringify(doc).match(/"#\/components\/[^"]+"/g) ?? [];
    for (const ref of new Set(refs)) {
      const target = ref.slice(3, -1).split('/').reduce((node: any, key) => node?.[key], doc);
      expect([ref, target !== undefined]).toEqual([ref, true]);
    }
  });

  it('is served at /documentation', async () => {
    const res = await app.http().get('/documentation/v1.0.0');
    expect(res.status).toBe(200);
  });
});
