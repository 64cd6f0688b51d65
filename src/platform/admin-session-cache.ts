/**
 * A short-lived cache of admin-panel authentications.
 *
 * Strapi authenticates every admin request from scratch: it verifies the access token (a JWT whose
 * key object is rebuilt each time), reads the session, the user with their roles and the roles'
 * permissions, then builds the CASL ability by running every permission through the registered
 * hooks. That is 4 queries and ~5 ms of CPU per request, most of a lap-control advance (docs/lap-control.md,
 * "Benchmark"). The crew's Control page presses with the same token all day, so the outcome is kept for
 * a few seconds, keyed by a hash of the token (never the token itself).
 *
 * Only the admin strategy's own outcome is reused: routes with their own `auth` config, other
 * strategies (admin API tokens) and failed authentications always take Strapi's path. Any write to a
 * session (logout, expiry clean-up), an admin user, a role or a permission on this instance empties the
 * cache at once; another instance sharing the database sees such a change after at most `ttlSeconds`
 * (ADMIN_AUTH_CACHE_SECONDS, default 10; 0 turns the cache off). An entry never outlives the token's
 * own expiry.
 */
import { createHash } from 'crypto';
import type { Core } from '@strapi/strapi';
import { onModelWrite } from './model-writes';

const AUTH_MODELS = ['admin::session', 'admin::user', 'admin::role', 'admin::permission'];
const MAX_ENTRIES = 1000;

interface AuthState {
  strategy: { name: string };
  credentials: Record<string, unknown>;
  ability: unknown;
}
interface Entry {
  auth: AuthState;
  session: unknown;
  expires: number;
}
type Next = () => Promise<unknown>;
type Authenticate = (ctx: any, next: Next) => Promise<unknown>;

const bearer = (ctx: any): string | null => {
  const match = /^bearer\s+(\S+)$/i.exec(ctx.request?.header?.authorization ?? '');
  return match ? match[1] : null;
};

/** The token's `exp` in ms (it was verified by Strapi before it is cached), or 0 when unreadable. */
const expiryOf = (token: string): number => {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
  } catch {
    return 0;
  }
};

export function cacheAdminAuthentications(strapi: Core.Strapi, ttlSeconds: number): void {
  if (!(ttlSeconds > 0)) return;
  const auth = strapi.get('auth') as { authenticate: Authenticate };
  const authenticate = auth.authenticate.bind(auth);
  const cache = new Map<string, Entry>();
  let generation = 0;

  auth.authenticate = async (ctx, next) => {
    const route = ctx.state?.route;
    // Strapi gives every route `auth: { scope }`; only routes naming their own strategies, or none, are left alone.
    const config = route?.config?.auth;
    const token = route?.info?.type === 'admin' && config !== false && !config?.strategies ? bearer(ctx) : null;
    if (!token) return authenticate(ctx, next);
    const key = createHash('sha256').update(token).digest('base64url');
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expires > now) {
      // What the admin strategy and Strapi's auth service set on success (strategies/admin.js).
      const credentials = { ...hit.auth.credentials };
      ctx.state.userAbility = hit.auth.ability;
      ctx.state.user = credentials;
      ctx.state.session = hit.session;
      ctx.state.isAuthenticated = true;
      ctx.state.auth = { ...hit.auth, credentials };
      return next();
    }
    if (hit) cache.delete(key);
    const started = generation;
    return authenticate(ctx, () => {
      const state = ctx.state.auth as AuthState | undefined;
      // An answer read while a write was emptying the cache is not kept.
      if (state?.strategy?.name === 'admin' && started === generation) {
        const expires = Math.min(now + ttlSeconds * 1000, expiryOf(token));
        if (cache.size >= MAX_ENTRIES) cache.clear();
        if (expires > now) cache.set(key, { auth: { ...state, credentials: { ...state.credentials } }, session: ctx.state.session, expires });
      }
      return next();
    });
  };

  onModelWrite(strapi, AUTH_MODELS, () => {
    generation += 1;
    cache.clear();
  });
}
