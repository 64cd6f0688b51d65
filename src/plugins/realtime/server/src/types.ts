import type { Core } from '@strapi/strapi';

/** Who is on the other end of a socket, resolved once at connection time. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'admin'; id: number | string; isSuperAdmin: boolean; can: (action: string, subject?: string) => boolean }
  | { kind: 'user'; id: number; roleType: string }
  | { kind: 'api-token'; id: number; type: 'full-access' | 'read-only' | 'custom' };

/**
 * Who may join a topic. Super Admins may join every topic; everything else must be granted.
 * `public: true` opens the topic to anonymous clients too, so it must never carry personal data.
 */
export interface TopicAccess {
  public?: boolean;
  /** Admin panel users holding one of these permissions (action, optional subject). */
  adminPermissions?: Array<{ action: string; subject?: string }>;
  /** users-permissions role types (e.g. 'authenticated', 'competition', 'teacher'). */
  userRoles?: string[];
  /** API token types allowed ('full-access', 'read-only', 'custom'). */
  apiTokenTypes?: Array<'full-access' | 'read-only' | 'custom'>;
  description?: string;
}

export interface RealtimeConfig {
  /** Topics declared in config/plugins.ts; plugins add theirs with registerTopic(). */
  topics: Record<string, TopicAccess>;
  /** Redis URL for fan-out between instances; REDIS_URL by default. */
  redisUrl?: string;
  /** Channel prefix in Redis, so several deployments (or test runs) can share one Redis. */
  redisKey: string;
  /** socket.io path. */
  path: string;
  cors?: { origin: string | string[] | boolean };
}

export type StrapiInstance = Core.Strapi;
