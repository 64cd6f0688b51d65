/**
 * Who is asking, and what they may see and write. The admin half reads the Content Manager
 * permissions of the admin user (field level); the content-API half the REST permissions of the
 * API token or users-permissions role (`<uid>.find`, `.create`, `.update`; no field level there).
 * Private attributes are never exported, whoever asks.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { CM_ACTIONS } from './utils';

export type Operation = 'read' | 'create' | 'update';

export interface Access {
  kind: 'admin' | 'content-api';
  canType(uid: string, operation: Operation): Promise<boolean>;
  /** null: every attribute; otherwise the attribute names (top level) the caller may use. */
  allowedFields(uid: string, operation: Operation): Set<string> | null;
  /** The list's filters and sort, checked the way the list itself checks them. */
  sanitizeQuery(uid: string, query: Record<string, unknown>): Promise<Record<string, unknown>>;
}

export async function assertType(access: Access, uid: string, operation: Operation) {
  if (!(await access.canType(uid, operation))) {
    throw new errors.ForbiddenError(`Your role may not ${operation} ${uid}`);
  }
}

const topLevel = (fields: string[]) => new Set(fields.map((f) => f.split('.')[0]));

export function adminAccess(strapi: Core.Strapi, userAbility: any): Access {
  const checkers = new Map<string, any>();
  const checker = (uid: string) => {
    if (!checkers.has(uid)) {
      checkers.set(uid, strapi.plugin('content-manager').service('permission-checker').create({ userAbility, model: uid }));
    }
    return checkers.get(uid);
  };
  return {
    kind: 'admin',
    async canType(uid, operation) {
      return !checker(uid).cannot[operation]();
    },
    allowedFields(uid, operation) {
      const rules = userAbility.rulesFor(CM_ACTIONS[operation], uid).filter((r: any) => !r.inverted);
      if (rules.some((r: any) => !r.fields)) return null;
      return topLevel(rules.flatMap((r: any) => (Array.isArray(r.fields) ? r.fields : [r.fields])));
    },
    async sanitizeQuery(uid, query) {
      return checker(uid).sanitizedQuery.read(query);
    },
  };
}

const SCOPE: Record<Operation, string> = { read: 'find', create: 'create', update: 'update' };

export function contentApiAccess(strapi: Core.Strapi, auth: any): Access {
  return {
    kind: 'content-api',
    async canType(uid, operation) {
      try {
        await strapi.get('auth').verify(auth, { scope: [`${uid}.${SCOPE[operation]}`] });
        return true;
      } catch (error) {
        if (error instanceof errors.UnauthorizedError) throw error;
        return false;
      }
    },
    allowedFields() {
      return null;
    },
    async sanitizeQuery(uid, query) {
      const schema = strapi.getModel(uid as any);
      // validate first: a filter on a private field is a 400 (it would leak the value), not ignored.
      await strapi.contentAPI.validate.query(query, schema, { auth });
      return strapi.contentAPI.sanitize.query(query, schema, { auth });
    },
  };
}
