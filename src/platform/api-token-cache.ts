/**
 * A short-lived cache of API-token look-ups.
 *
 * Strapi authenticates every content-API request that carries an API token with four queries (the
 * token by its hashed access key, its content-API permissions, its admin permissions, its owner), which
 * is most of the CPU of a small request: measured at ~2-3 ms of a ~7 ms search request
 * (docs/logs.md, "Performance"). Machines poll with the same few tokens, so the answer is kept for a
 * few seconds, keyed by the hash (never the token itself).
 *
 * Any write to a token or to its permissions on this instance (revoke, regenerate, edit, last-used
 * stamp) empties the cache at once. Another instance sharing the database sees such a change after at
 * most `ttlSeconds` (API_TOKEN_CACHE_SECONDS, default 10; 0 turns the cache off).
 */
import type { Core } from '@strapi/strapi';
import { onModelWrite } from './model-writes';

const TOKEN_MODELS = ['admin::api-token', 'admin::api-token-permission'];
/** Bounded so a flood of random tokens cannot grow memory: only hits are kept anyway. */
const MAX_ENTRIES = 1000;

type Lookup = (accessKeyHash: string, options?: unknown) => Promise<unknown>;

export function cacheApiTokenLookups(strapi: Core.Strapi, ttlSeconds: number): void {
  if (!(ttlSeconds > 0)) return;
  const tokens = strapi.service('admin::api-token-content-api') as unknown as { getByAccessKey: Lookup };
  const lookup = tokens.getByAccessKey;
  const cache = new Map<string, { token: unknown; expires: number }>();
  let generation = 0;

  tokens.getByAccessKey = async (accessKeyHash, options) => {
    // Options change the shape of the answer (populate, fields): only the plain look-up is cached.
    if (options !== undefined) return lookup(accessKeyHash, options);
    const now = Date.now();
    const hit = cache.get(accessKeyHash);
    if (hit && hit.expires > now) return hit.token;
    const started = generation;
    const token = await lookup(accessKeyHash);
    // Unknown keys are not cached, and neither is an answer read while a write was emptying the cache.
    if (token && started === generation) {
      if (cache.size >= MAX_ENTRIES) cache.clear();
      cache.set(accessKeyHash, { token, expires: now + ttlSeconds * 1000 });
    }
    return token;
  };

  const forget = () => {
    generation += 1;
    cache.clear();
  };
  onModelWrite(strapi, TOKEN_MODELS, forget);
}
