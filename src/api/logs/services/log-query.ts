// STAND-IN: replaced by the logsread branch at merge
/**
 * Minimal stand-in for the logs query service so the dashboards plugin works end-to-end in this
 * branch. It implements the shared contract's signatures with simple, slow queries through the query
 * engine (stats and attribute filters are computed in JS). Do not build on it.
 */
import { Readable } from 'stream';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';

const ENTRY = 'api::logs.log-entry';
const SEVERITIES = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
type Severity = (typeof SEVERITIES)[number];

export interface LogFilters {
  severities: Severity[] | null;
  services: string[] | null;
  from: Date | null;
  to: Date | null;
  q: string | null;
  attributes: Record<string, string>;
  limit: number;
  cursor: { timestamp: string; id: number } | null;
}

export interface LogEntryView {
  id: number;
  documentId: string;
  service: string | null;
  timestamp: string;
  received_at: string | null;
  severity: Severity;
  message: string | null;
  attributes: Record<string, unknown> | null;
  host: string | null;
}

const bad = (param: string, message: string) =>
  new errors.ValidationError(`${param}: ${message}`, { errors: [{ path: [param], message, name: 'ValidationError' }] });

const list = (value: unknown): string[] =>
  String(value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function parseTime(param: string, value: unknown): Date | null {
  if (value === undefined || value === null || value === '') return null;
  const text = String(value);
  if (text === 'now') return new Date();
  const rel = /^-(\d+)([smhd])$/.exec(text);
  if (rel) {
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[rel[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(Date.now() - Number(rel[1]) * unit * 1000);
  }
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw bad(param, `"${text}" is not an ISO date or a relative time like -15m`);
  return date;
}

const toIso = (value: unknown): string | null => (value === null || value === undefined ? null : new Date(value as string).toISOString());

const view = (row: any): LogEntryView => ({
  id: row.id,
  documentId: row.documentId,
  service: row.service_name ?? null,
  timestamp: toIso(row.timestamp)!,
  received_at: toIso(row.received_at),
  severity: row.severity,
  message: row.message ?? null,
  attributes: row.attributes ?? null,
  host: row.host ?? null,
});

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const where = (f: LogFilters, withCursor = true) => {
    const and: any[] = [];
    if (f.severities) and.push({ severity: { $in: f.severities } });
    if (f.services) and.push({ service_name: { $in: f.services } });
    if (f.from) and.push({ timestamp: { $gte: f.from } });
    if (f.to) and.push({ timestamp: { $lte: f.to } });
    if (f.q) and.push({ message: { $containsi: f.q } });
    if (withCursor && f.cursor) {
      const t = new Date(f.cursor.timestamp);
      and.push({ $or: [{ timestamp: { $lt: t } }, { timestamp: t, id: { $lt: f.cursor.id } }] });
    }
    return { $and: and };
  };
  const attrMatch = (f: LogFilters, row: any) =>
    Object.entries(f.attributes).every(([k, v]) => row.attributes && String(row.attributes[k]) === v);

  const service = {
    parseFilters(query: Record<string, unknown>): LogFilters {
      const severities = list(query.severity).map((s) => s.toUpperCase());
      for (const s of severities) if (!SEVERITIES.includes(s as Severity)) throw bad('severity', `unknown severity "${s}"`);
      let sev: Severity[] | null = severities.length ? (severities as Severity[]) : null;
      if (query.minSeverity) {
        const min = SEVERITIES.indexOf(String(query.minSeverity).toUpperCase() as Severity);
        if (min < 0) throw bad('minSeverity', `unknown severity "${query.minSeverity}"`);
        const atLeast = SEVERITIES.slice(min);
        sev = sev ? sev.filter((s) => atLeast.includes(s)) : [...atLeast];
      }
      const services = list(query.service);
      const limit = query.limit === undefined ? 100 : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw bad('limit', 'must be an integer from 1 to 1000');
      let cursor: LogFilters['cursor'] = null;
      if (query.cursor) {
        try {
          const [timestamp, id] = Buffer.from(String(query.cursor), 'base64url').toString('utf8').split('|');
          if (Number.isNaN(new Date(timestamp).getTime()) || !Number.isInteger(Number(id))) throw new Error();
          cursor = { timestamp, id: Number(id) };
        } catch {
          throw bad('cursor', 'is not a cursor returned by a previous page');
        }
      }
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(query)) if (key.startsWith('attr.')) attributes[key.slice(5)] = String(value);
      return {
        severities: sev,
        services: services.length ? services : null,
        from: parseTime('from', query.from),
        to: parseTime('to', query.to),
        q: query.q ? String(query.q) : null,
        attributes,
        limit,
        cursor,
      };
    },

    async search(f: LogFilters): Promise<{ data: LogEntryView[]; meta: { nextCursor: string | null } }> {
      const hasAttr = Object.keys(f.attributes).length > 0;
      const rows = await strapi.db.query(ENTRY).findMany({
        where: where(f),
        orderBy: [{ timestamp: 'desc' }, { id: 'desc' }],
        limit: hasAttr ? undefined : f.limit + 1,
      });
      const matching = (hasAttr ? rows.filter((r: any) => attrMatch(f, r)) : rows).slice(0, f.limit + 1);
      const page = matching.slice(0, f.limit).map(view);
      const last = page[page.length - 1];
      const nextCursor =
        matching.length > f.limit && last ? Buffer.from(`${last.timestamp}|${last.id}`, 'utf8').toString('base64url') : null;
      return { data: page, meta: { nextCursor } };
    },

    async stats(f: LogFilters) {
      const rows = (await strapi.db.query(ENTRY).findMany({ where: where(f, false) })).filter((r: any) => attrMatch(f, r));
      const times = rows.map((r: any) => new Date(r.timestamp).getTime());
      const from = f.from?.getTime() ?? (times.length ? Math.min(...times) : Date.now() - 86400000);
      const to = f.to?.getTime() ?? (times.length ? Math.max(...times) + 1 : Date.now());
      const steps = [1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800];
      const span = Math.max(1, (to - from) / 1000);
      const bucketSeconds = steps.find((s) => span / s <= 120) ?? 604800;
      const start = Math.floor(from / 1000 / bucketSeconds) * bucketSeconds * 1000;
      const buckets: { start: string; counts: Record<Severity, number> }[] = [];
      for (let t = start; t <= to; t += bucketSeconds * 1000) {
        buckets.push({ start: new Date(t).toISOString(), counts: { DEBUG: 0, INFO: 0, WARN: 0, ERROR: 0, FATAL: 0 } });
      }
      const byService = new Map<string, number>();
      const bySeverity = new Map<string, number>();
      for (const r of rows as any[]) {
        byService.set(r.service_name, (byService.get(r.service_name) ?? 0) + 1);
        bySeverity.set(r.severity, (bySeverity.get(r.severity) ?? 0) + 1);
        const i = Math.floor((new Date(r.timestamp).getTime() - start) / 1000 / bucketSeconds);
        if (buckets[i]) buckets[i].counts[r.severity as Severity] += 1;
      }
      return {
        total: rows.length,
        byService: [...byService].map(([service, count]) => ({ service, count })).sort((a, b) => b.count - a.count),
        bySeverity: [...bySeverity].map(([severity, count]) => ({ severity, count })),
        histogram: { bucketSeconds, buckets },
      };
    },

    exportStream(f: LogFilters, format: 'csv' | 'ndjson'): NodeJS.ReadableStream {
      const columns = ['id', 'documentId', 'service', 'timestamp', 'received_at', 'severity', 'message', 'attributes', 'host'] as const;
      const cell = (v: unknown) => {
        const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
        return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
      };
      async function* lines() {
        if (format === 'csv') yield `${columns.join(',')}\n`;
        let filters: LogFilters = { ...f, limit: 500, cursor: null };
        for (;;) {
          const { data, meta } = await service.search(filters);
          for (const e of data) yield format === 'csv' ? `${columns.map((c) => cell(e[c])).join(',')}\n` : `${JSON.stringify(e)}\n`;
          if (!meta.nextCursor) return;
          const [timestamp, id] = Buffer.from(meta.nextCursor, 'base64url').toString('utf8').split('|');
          filters = { ...filters, cursor: { timestamp, id: Number(id) } };
        }
      }
      return Readable.from(lines());
    },

    async errorsByService(hours = 24): Promise<{ service: string; count: number }[]> {
      const rows = await strapi.db.query(ENTRY).findMany({
        select: ['service_name'],
        where: { severity: { $in: ['ERROR', 'FATAL'] }, timestamp: { $gte: new Date(Date.now() - hours * 3600000) } },
      });
      const counts = new Map<string, number>();
      for (const r of rows as any[]) counts.set(r.service_name, (counts.get(r.service_name) ?? 0) + 1);
      return [...counts].map(([service, count]) => ({ service, count })).sort((a, b) => b.count - a.count);
    },
  };
  return service;
};
