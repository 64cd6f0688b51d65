/**
 * The New-experiment page's rules: which batteries, stations and profiles may be combined, the check
 * of a written or uploaded profile against battery-limits intersected with station-limits, and
 * queueing the experiment (then dispatching it if its station is free).
 */
import type { Core } from '@strapi/strapi';
import {
  batteryLimits, checkProfile, envelopeFits, intersectLimits, limitsCover, stationLimits,
  type ProfileInstructionIssue, type ProfileLimits,
} from '../../../../../api/lab/services/profile-instructions';
import { EXPERIMENT_UID, getService, STATION_UID } from '../utils';

const BATTERY_UID = 'api::lab.battery';
const PROFILE_UID = 'api::lab.profile';
const TECHNOLOGIES = ['lithium', 'lead_acid', 'redox_flow'];

export class InputError extends Error {
  constructor(readonly field: string, message: string, readonly issues?: ProfileInstructionIssue[]) {
    super(message);
  }
}

export interface CreateInput {
  name?: unknown;
  description?: unknown;
  battery?: unknown;
  station?: unknown;
  profile?: unknown;
  instructions?: unknown;
  profileName?: unknown;
}

export interface NewExperimentService {
  options(query: { technology?: string; battery?: string; station?: string }): Promise<unknown>;
  check(input: { battery?: unknown; station?: unknown; instructions?: unknown }): Promise<{ ok: boolean; issues: ProfileInstructionIssue[]; limits: ProfileLimits; steps: number }>;
  create(input: CreateInput): Promise<{ id: number; documentId: string; state: string }>;
}

const BATTERY_FIELDS = ['id', 'documentId', 'name', 'technology', 'min_voltage_v', 'max_voltage_v', 'max_charge_current_a', 'max_discharge_current_a', 'nominal_capacity_ah'];
const STATION_FIELDS = ['id', 'documentId', 'name', 'state', 'virtual', 'min_voltage_v', 'max_voltage_v', 'min_current_a', 'max_current_a', 'location'];

export default ({ strapi }: { strapi: Core.Strapi }): NewExperimentService => {
  const byDocumentId = async (uid: string, documentId: unknown, field: string, select: string[]) => {
    if (typeof documentId !== 'string' || !documentId) throw new InputError(field, `${field} is required`);
    const row = await strapi.db.query(uid as any).findOne({ where: { documentId }, select });
    if (!row) throw new InputError(field, `${field} "${documentId}" does not exist`);
    return row;
  };

  const compatibleStations = async (battery: any) => {
    const stations = await strapi.db.query(STATION_UID).findMany({
      // Virtual stations hold imported experiments (docs/battery-data.md): nothing runs on them.
      where: { state: { $ne: 'deprecated' }, $or: [{ virtual: false }, { virtual: { $null: true } }] },
      select: STATION_FIELDS,
      orderBy: { name: 'asc' },
    });
    const needed = batteryLimits(battery);
    return stations.filter((s: any) => s.state === 'available' && limitsCover(stationLimits(s), needed));
  };

  const limitsOf = (battery: any, station: any) => intersectLimits(batteryLimits(battery), stationLimits(station));

  const service: NewExperimentService = {
    async options(query) {
      const technology = query.technology;
      if (technology !== undefined && !TECHNOLOGIES.includes(technology)) {
        throw new InputError('technology', `technology must be one of ${TECHNOLOGIES.join(', ')}`);
      }
      // A battery alone (the page opened after creating one) implies its technology.
      const battery = query.battery ? await byDocumentId(BATTERY_UID, query.battery, 'battery', BATTERY_FIELDS) : null;
      const chosen = technology ?? battery?.technology ?? null;
      const batteries = chosen
        ? await strapi.db.query(BATTERY_UID).findMany({ where: { technology: chosen }, select: BATTERY_FIELDS, orderBy: { name: 'asc' } })
        : [];
      let stations: any[] = [];
      let profiles: any[] = [];
      let limits: ProfileLimits | null = null;
      if (battery) {
        stations = await compatibleStations(battery);
        if (query.station) {
          const station = stations.find((s) => s.documentId === query.station);
          if (!station) throw new InputError('station', `station "${query.station}" is not available for this battery`);
          limits = limitsOf(battery, station);
          const all = await strapi.db.query(PROFILE_UID).findMany({
            select: ['id', 'documentId', 'name', 'description', 'instructions', 'min_voltage_v', 'max_voltage_v', 'min_current_a', 'max_current_a'],
            orderBy: { name: 'asc' },
          });
          const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
          profiles = all.filter((p: any) => envelopeFits({ min_voltage_v: num(p.min_voltage_v), max_voltage_v: num(p.max_voltage_v), min_current_a: num(p.min_current_a), max_current_a: num(p.max_current_a) }, limits!));
        }
      }
      return { data: { technologies: TECHNOLOGIES, technology: chosen, battery, batteries, stations, profiles, limits } };
    },

    async check(input) {
      const battery = await byDocumentId(BATTERY_UID, input.battery, 'battery', BATTERY_FIELDS);
      const station = await byDocumentId(STATION_UID, input.station, 'station', STATION_FIELDS);
      if (typeof input.instructions !== 'string') throw new InputError('instructions', 'instructions must be text');
      const limits = limitsOf(battery, station);
      const result = checkProfile(input.instructions, limits, `battery "${battery.name}" ∩ station "${station.name}"`);
      return { ok: result.issues.length === 0, issues: result.issues, limits, steps: result.parsed?.steps.length ?? 0 };
    },

    async create(input) {
      if (typeof input.name !== 'string' || !input.name.trim()) throw new InputError('name', 'name is required');
      if (input.description !== undefined && input.description !== null && typeof input.description !== 'string') {
        throw new InputError('description', 'description must be text');
      }
      const battery = await byDocumentId(BATTERY_UID, input.battery, 'battery', BATTERY_FIELDS);
      const station = await byDocumentId(STATION_UID, input.station, 'station', STATION_FIELDS);
      if (station.state === 'deprecated') throw new InputError('station', `station "${station.name}" is deprecated`);
      if (station.virtual) throw new InputError('station', `station "${station.name}" is virtual (imported experiments only)`);
      if (!limitsCover(stationLimits(station), batteryLimits(battery))) {
        throw new InputError('station', `station "${station.name}" does not cover the voltage/current range of battery "${battery.name}"`);
      }
      const limits = limitsOf(battery, station);
      const limitsName = `battery "${battery.name}" ∩ station "${station.name}"`;

      let profileId: number;
      if (input.profile !== undefined && input.profile !== null && input.profile !== '') {
        const profile = await byDocumentId(PROFILE_UID, input.profile, 'profile', ['id', 'name', 'instructions']);
        const { issues } = checkProfile(profile.instructions ?? '', limits, limitsName);
        if (issues.length) throw new InputError('profile', `profile "${profile.name}" does not fit: ${issues.map((i) => `line ${i.line}: ${i.message}`).join('; ')}`, issues);
        profileId = profile.id;
      } else {
        if (typeof input.instructions !== 'string') throw new InputError('profile', 'choose a profile or write its instructions');
        const { issues } = checkProfile(input.instructions, limits, limitsName);
        if (issues.length) throw new InputError('instructions', issues.map((i) => `line ${i.line}: ${i.message}`).join('; '), issues);
        const profileName = typeof input.profileName === 'string' && input.profileName.trim() ? input.profileName.trim() : `${input.name.trim()} profile`;
        const created = await strapi.documents(PROFILE_UID as any).create({ data: { name: profileName, instructions: input.instructions } as any });
        profileId = (created as any).id;
      }

      const experiment = (await strapi.documents(EXPERIMENT_UID as any).create({
        data: {
          name: input.name.trim(),
          description: (input.description as string | undefined) ?? null,
          state: 'queued',
          source: 'live',
          battery: battery.id,
          cycler_station: station.id,
          profile: profileId,
        } as any,
      })) as any;
      // A free station starts it now rather than at its next heartbeat.
      const stationRow = await getService('stations', strapi).station(station.name);
      if (stationRow?.state === 'available') {
        await getService('stations', strapi).dispatch(stationRow).catch((error) => strapi.log.warn(`[cycler-bridge] dispatch: ${error.message}`));
      }
      const stored = await strapi.db.query(EXPERIMENT_UID).findOne({ where: { id: experiment.id }, select: ['id', 'documentId', 'state'] });
      return { id: stored.id, documentId: stored.documentId, state: stored.state };
    },
  };
  return service;
};
