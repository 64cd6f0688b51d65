import type { Server as HttpServer } from 'http';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import type { Core } from '@strapi/strapi';
import type { Principal, RealtimeConfig, TopicAccess } from '../types';

const SUPER_ADMIN = 'strapi-super-admin';

export interface SubscribeResult {
  joined: string[];
  refused: Array<{ topic: string; reason: string }>;
}

const createRealtimeService = ({ strapi }: { strapi: Core.Strapi }) => {
  const topics = new Map<string, TopicAccess>();
  let io: Server | null = null;
  let redis: { pub: Redis; sub: Redis } | null = null;

  const config = (): RealtimeConfig => strapi.config.get('plugin::realtime') as RealtimeConfig;

  /** Exact name first, then the longest `prefix*` pattern. */
  const accessFor = (topic: string): TopicAccess | undefined => {
    if (topics.has(topic)) return topics.get(topic);
    let best: { len: number; access: TopicAccess } | undefined;
    for (const [pattern, access] of topics) {
      if (pattern.endsWith('*') && topic.startsWith(pattern.slice(0, -1)) && (!best || pattern.length > best.len)) {
        best = { len: pattern.length, access };
      }
    }
    return best?.access;
  };

  async function resolveAdmin(token: string): Promise<Principal | null> {
    const manager = (strapi as any).sessionManager?.('admin');
    if (!manager) return null;
    const result = manager.validateAccessToken(token);
    if (!result?.isValid || !(await manager.isSessionActive(result.payload.sessionId))) return null;
    const id = Number(result.payload.userId);
    const user = await strapi.db.query('admin::user').findOne({ where: { id }, populate: ['roles'] });
    if (!user || user.isActive !== true) return null;
    const ability = await (strapi as any).admin.services.permission.engine.generateUserAbility(user);
    return {
      kind: 'admin',
      id: user.id,
      isSuperAdmin: (user.roles ?? []).some((r: { code: string }) => r.code === SUPER_ADMIN),
      can: (action, subject) => ability.can(action, subject ?? undefined),
    };
  }

  async function resolveUser(token: string): Promise<Principal | null> {
    try {
      const payload = await strapi.plugin('users-permissions').service('jwt').verify(token);
      const user = await strapi.db
        .query('plugin::users-permissions.user')
        .findOne({ where: { id: payload.id }, populate: ['role'] });
      if (!user || user.blocked) return null;
      return { kind: 'user', id: user.id, roleType: user.role?.type ?? 'authenticated' };
    } catch {
      return null;
    }
  }

  async function resolveApiToken(token: string): Promise<Principal | null> {
    const tokens = strapi.service('admin::api-token-content-api') as any;
    const apiToken = await tokens.getByAccessKey(tokens.hash(token));
    if (!apiToken) return null;
    if (apiToken.kind && apiToken.kind !== 'content-api') return null;
    if (apiToken.expiresAt && new Date(apiToken.expiresAt).getTime() < Date.now()) return null;
    return { kind: 'api-token', id: apiToken.id, type: apiToken.type };
  }

  const service = {
    /** Declare who may join a topic (exact name, or a prefix ending in `*`). */
    registerTopic(name: string, access: TopicAccess) {
      topics.set(name, access);
    },

    publicTopics(): string[] {
      return [...topics].filter(([, a]) => a.public).map(([name]) => name).sort();
    },

    /**
     * Identify a socket's bearer: admin panel access token, users-permissions JWT or Strapi API token.
     * No token means anonymous; a token that matches nothing is refused (returns null).
     */
    async authenticate(token: string | undefined | null): Promise<Principal | null> {
      if (!token) return { kind: 'anonymous' };
      const looksLikeJwt = token.split('.').length === 3;
      if (looksLikeJwt) return (await resolveAdmin(token)) ?? (await resolveUser(token));
      return resolveApiToken(token);
    },

    canJoin(principal: Principal, topic: string): { ok: true } | { ok: false; reason: string } {
      const access = accessFor(topic);
      if (!access) return { ok: false, reason: 'unknown topic' };
      if (access.public) return { ok: true };
      switch (principal.kind) {
        case 'anonymous':
          return { ok: false, reason: 'authentication required' };
        case 'admin':
          if (principal.isSuperAdmin) return { ok: true };
          if (access.adminPermissions?.some((p) => principal.can(p.action, p.subject))) return { ok: true };
          break;
        case 'user':
          if (access.userRoles?.includes(principal.roleType)) return { ok: true };
          break;
        case 'api-token':
          if (access.apiTokenTypes?.includes(principal.type)) return { ok: true };
          break;
      }
      return { ok: false, reason: 'forbidden' };
    },

    subscribe(socket: Socket, requested: unknown): SubscribeResult {
      const principal = socket.data.principal as Principal;
      const list = (Array.isArray(requested) ? requested : [requested]).filter((t) => typeof t === 'string') as string[];
      const result: SubscribeResult = { joined: [], refused: [] };
      if (list.length === 0) result.refused.push({ topic: String(requested), reason: 'topic must be a string or a list of strings' });
      for (const topic of list) {
        const verdict = service.canJoin(principal, topic);
        if (verdict.ok === true) {
          socket.join(topic);
          result.joined.push(topic);
        } else {
          result.refused.push({ topic, reason: verdict.reason });
        }
      }
      return result;
    },

    /** Send `event` with `payload` to every client that joined `topic`, on every instance. */
    publish(topic: string, event: string, payload: unknown): void {
      if (!io) return; // Not attached yet (e.g. during boot or in scripts): nobody can be listening.
      io.to(topic).emit(event, payload, { topic, sentAt: new Date().toISOString() });
    },

    async attach(httpServer: HttpServer): Promise<Server> {
      const cfg = config();
      for (const [name, access] of Object.entries(cfg.topics ?? {})) service.registerTopic(name, access);

      io = new Server(httpServer, {
        path: cfg.path,
        cors: cfg.cors ?? { origin: false },
        serveClient: false,
      });

      if (cfg.redisUrl) {
        const pub = new Redis(cfg.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
        const sub = pub.duplicate();
        await Promise.all([pub.connect(), sub.connect()]);
        redis = { pub, sub };
        io.adapter(createAdapter(pub, sub, { key: cfg.redisKey }));
        strapi.log.info(`[realtime] sharing events through Redis at ${new URL(cfg.redisUrl).host}`);
      }

      io.use(async (socket, next) => {
        try {
          const header = socket.handshake.headers.authorization;
          const token =
            (socket.handshake.auth?.token as string | undefined) ??
            (typeof header === 'string' && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '') : undefined);
          const principal = await service.authenticate(token);
          if (!principal) return next(new Error('Unauthorized: invalid or expired token'));
          socket.data.principal = principal;
          next();
        } catch (error) {
          strapi.log.error(`[realtime] authentication failed: ${(error as Error).message}`);
          next(new Error('Unauthorized'));
        }
      });

      io.on('connection', (socket) => {
        socket.on('subscribe', (requested: unknown, ack?: (r: SubscribeResult) => void) => {
          const result = service.subscribe(socket, requested);
          if (typeof ack === 'function') ack(result);
        });
        socket.on('unsubscribe', (topic: unknown, ack?: () => void) => {
          if (typeof topic === 'string') socket.leave(topic);
          if (typeof ack === 'function') ack();
        });
      });
      return io;
    },

    server(): Server | null {
      return io;
    },

    async close(): Promise<void> {
      if (io) {
        await new Promise<void>((resolve) => io!.close(() => resolve()));
        io = null;
      }
      if (redis) {
        await Promise.allSettled([redis.pub.quit(), redis.sub.quit()]);
        redis = null;
      }
    },
  };
  return service;
};

export type RealtimeService = ReturnType<typeof createRealtimeService>;
export default createRealtimeService;
