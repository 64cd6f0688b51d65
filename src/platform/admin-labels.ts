/**
 * Readable field labels in the Content Manager for staff ("Nominal capacity (Ah)" rather than
 * "nominal_capacity_ah"). Only labels still equal to Strapi's default (the attribute name) are
 * replaced, so labels an administrator edits in "Configure the view" survive restarts.
 */
import type { Core } from '@strapi/strapi';

const UNITS: Record<string, string> = { ah: 'Ah', v: 'V', a: 'A', w: 'W', wh: 'Wh', c: '°C', s: 's', ms: 'ms', l: 'L', cm2: 'cm²' };
const WORDS: Record<string, string> = {
  id: 'ID', ip: 'IP', uid: 'UID', mqtt: 'MQTT', cpu: 'CPU', gui: 'GUI', sha256: 'SHA-256', uc: 'UC', ws: 'WebSocket', ok: 'OK',
};

export function humanLabel(attribute: string): string {
  const words = attribute.split('_').filter(Boolean);
  const unit = words.length > 1 ? UNITS[words[words.length - 1]] : undefined;
  if (unit) words.pop();
  const text = words.map((w, i) => WORDS[w] ?? (i === 0 ? w[0].toUpperCase() + w.slice(1) : w)).join(' ');
  return unit ? `${text} (${unit})` : text;
}

type Metadatas = Record<string, { edit?: { label?: string }; list?: { label?: string } }>;
interface ConfigService {
  findConfiguration(model: unknown): Promise<{ metadatas: Metadatas } & Record<string, unknown>>;
  updateConfiguration(model: unknown, configuration: unknown): Promise<unknown>;
}

async function relabel(service: ConfigService, model: { uid: string; attributes: Record<string, unknown> }): Promise<boolean> {
  const { uid: _uid, ...configuration } = await service.findConfiguration(model);
  const metadatas = configuration.metadatas as Metadatas;
  let changed = false;
  for (const name of Object.keys(model.attributes)) {
    const meta = metadatas[name];
    if (!meta) continue;
    for (const view of ['edit', 'list'] as const) {
      if (meta[view]?.label === name) {
        meta[view]!.label = humanLabel(name);
        changed = true;
      }
    }
  }
  if (changed) await service.updateConfiguration(model, configuration);
  return changed;
}

export async function applyAdminLabels(strapi: Core.Strapi): Promise<void> {
  const contentManager = strapi.plugin('content-manager');
  const contentTypes = contentManager.service('content-types') as unknown as ConfigService;
  const components = contentManager.service('components') as unknown as ConfigService;
  for (const [uid, model] of Object.entries(strapi.contentTypes)) {
    if (uid.startsWith('api::')) await relabel(contentTypes, model as any);
  }
  for (const model of Object.values(strapi.components)) await relabel(components, model as any);
}
