/**
 * Query parameters of the Classroom routes, parsed once for the admin page, the student page and the
 * REST API: bad input is a 400 naming the parameter.
 */
import { errors } from '@strapi/utils';
import { CLASSROOM_SORTS, type ClassroomSort } from './contract';

export interface ClassroomFilters {
  pathPattern: RegExp | null;
  from: Date | null;
  to: Date | null;
  latestOnly: boolean;
  sort: ClassroomSort;
  limit: number;
  uid: string | null;
}

export const MAX_LIMIT = 5000;
export const DEFAULT_LIMIT = 1000;

export const invalid = (param: string, message: string) =>
  new errors.ValidationError(`${param}: ${message}`, { errors: [{ path: [param], message, name: 'ValidationError' }] });

const UNITS: Record<string, number> = {
  s: 1e3, sec: 1e3, second: 1e3, seconds: 1e3,
  m: 60e3, min: 60e3, minute: 60e3, minutes: 60e3,
  h: 3600e3, hour: 3600e3, hours: 3600e3,
  d: 86400e3, day: 86400e3, days: 86400e3,
  w: 604800e3, week: 604800e3, weeks: 604800e3,
};

/** `now`, a relative time like `-1 days`, `-2 hours` or `-15m`, or an ISO 8601 time. */
export function parseTime(value: unknown, param: string, now = Date.now()): Date | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw invalid(param, 'must be one value');
  const text = value.trim();
  if (text === 'now') return new Date(now);
  const relative = /^-\s*(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text);
  if (relative) {
    const unit = UNITS[relative[2].toLowerCase()];
    if (!unit) throw invalid(param, `unknown unit "${relative[2]}" (use minutes, hours, days or weeks)`);
    return new Date(now - Number(relative[1]) * unit);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const d = new Date(text);
    if (Number.isFinite(d.getTime())) return d;
  }
  throw invalid(param, `"${text.slice(0, 60)}" is not a time (use now, -1 days, -2 hours or an ISO 8601 time)`);
}

const one = (query: Record<string, unknown>, param: string): string | undefined => {
  const v = query[param];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalid(param, 'must be one value');
  return v;
};

export function parseFilters(query: Record<string, unknown>, now = Date.now()): ClassroomFilters {
  const pattern = one(query, 'path');
  let pathPattern: RegExp | null = null;
  if (pattern) {
    if (pattern.length > 500) throw invalid('path', 'is longer than 500 characters');
    try {
      pathPattern = new RegExp(pattern);
    } catch (error) {
      throw invalid('path', `is not a regular expression (${(error as Error).message})`);
    }
  }
  const from = parseTime(one(query, 'from'), 'from', now);
  const to = parseTime(one(query, 'to'), 'to', now);
  if (from && to && from > to) throw invalid('from', 'is after to');
  const latest = one(query, 'latest');
  if (latest !== undefined && !['true', 'false', '1', '0', ''].includes(latest)) throw invalid('latest', 'must be true or false');
  const sort = (one(query, 'sort') || 'latest') as ClassroomSort;
  if (!CLASSROOM_SORTS.includes(sort)) throw invalid('sort', `must be one of ${CLASSROOM_SORTS.join(', ')}`);
  const limitText = one(query, 'limit');
  const limit = limitText === undefined || limitText === '' ? DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw invalid('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
  const uid = one(query, 'uid') || null;
  return { pathPattern, from, to, latestOnly: latest === 'true' || latest === '1', sort, limit, uid };
}
