/**
 * Test data for the logs reading side: a deterministic set of entries with known distributions,
 * written straight into logs_entries (query engine createMany, which fills document_id and the
 * Strapi timestamps) plus the service link rows, the way the bulk ingest path stores them.
 */
import type { Core } from '@strapi/strapi';

export const SERVICES = ['pagos', 'pedidos', 'chat'];
export const SEVERITIES = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
const SEVERITY_WEIGHTS = [20, 50, 15, 10, 5];
export const MESSAGES = [
  'Pago aprobado',
  'Pago rechazado: fondos insuficientes',
  'TIMEOUT contacting bank',
  'Timeout en pedidos',
  'Descuento 50% aplicado',
  'Descuento 500 aplicado',
  'missing user_id in request',
  'missing userXid in request',
  '=HYPERLINK("http://evil","click")',
  '+SUM(A1:A2)',
  '-2 items in cart',
  '@admin mentioned',
  'quoted "text", with comma\nand newline',
  'Ñandú café ÉXITO',
];
/** Relative boundaries the tests use: no row is generated within GUARD_MS of them. */
export const RELATIVE_MS = { '-15m': 15 * 60_000, '-24h': 24 * 3_600_000, '-7d': 7 * 86_400_000 };
export const GUARD_MS = 5 * 60_000;
export const SPAN_MS = 10 * 86_400_000;

export interface GeneratedEntry {
  service: string;
  timestamp: number;
  severity: string;
  message: string;
  attributes: Record<string, unknown>;
  host: string;
}

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
export function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateEntries(count: number, now: number, seed = 42): GeneratedEntry[] {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
  const weighted = () => {
    let r = rand() * 100;
    for (let i = 0; i < SEVERITIES.length; i++) {
      if ((r -= SEVERITY_WEIGHTS[i]) < 0) return SEVERITIES[i];
    }
    return 'INFO';
  };
  const out: GeneratedEntry[] = [];
  while (out.length < count) {
    // Whole milliseconds, some rows sharing a timestamp to exercise the id tie-break of the keyset.
    const age = out.length % 10 === 0 && out.length ? now - out[out.length - 1].timestamp : Math.floor(rand() * SPAN_MS) + 1000;
    if (Object.values(RELATIVE_MS).some((b) => Math.abs(age - b) < GUARD_MS)) continue;
    out.push({
      service: pick(SERVICES),
      timestamp: now - age,
      severity: weighted(),
      message: pick(MESSAGES),
      attributes: { code: pick([200, 404, 500]), region: pick(['eu', 'us']), retry: rand() < 0.3 },
      host: pick(['web-1', 'web-2']),
    });
  }
  return out;
}

/** Creates the services and inserts the entries; returns the services' ids by name. */
export async function insertEntries(strapi: Core.Strapi, entries: GeneratedEntry[]): Promise<Record<string, number>> {
  const serviceIds: Record<string, number> = {};
  for (const name of SERVICES) {
    const existing = await strapi.db.query('api::logs.log-service').findOne({ where: { name } });
    serviceIds[name] = existing?.id ?? (await strapi.documents('api::logs.log-service').create({ data: { name } as any })).id;
  }
  for (let i = 0; i < entries.length; i += 400) {
    const chunk = entries.slice(i, i + 400);
    const result: any = await strapi.db.query('api::logs.log-entry').createMany({
      data: chunk.map((e) => ({
        service_name: e.service,
        timestamp: new Date(e.timestamp),
        received_at: new Date(e.timestamp + 5),
        severity: e.severity,
        message: e.message,
        attributes: e.attributes,
        host: e.host,
      })),
    });
    if (result.count !== chunk.length) throw new Error(`createMany stored ${result.count} of ${chunk.length}`);
  }
  return serviceIds;
}

/** Every row as the database holds it, timestamps normalised to epoch ms (independent of the service). */
export async function readAllRows(strapi: Core.Strapi) {
  const rows = await strapi.db.connection('logs_entries').select('id', 'service_name', 'timestamp', 'severity', 'message', 'attributes');
  return rows.map((r: any) => ({
    id: Number(r.id),
    service: r.service_name as string,
    ts: typeof r.timestamp === 'number' ? r.timestamp : new Date(r.timestamp).getTime(),
    severity: r.severity as string,
    message: r.message as string,
    attributes: typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes,
  }));
}
