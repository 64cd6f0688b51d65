/**
 * Battery lab demo (WattRex Battery Experiments Manager): one battery per technology, two cycler
 * stations, two profiles in WattRex syntax, a finished experiment with its measured samples and
 * an alarm, and a queued experiment waiting for a station.
 */
import type { Core } from '@strapi/strapi';
import { parseProfileInstructions, type ProfileStep } from '../../api/lab/services/profile-instructions';
import type { LabSamplesService } from '../../api/lab/services/lab-samples';
import type { DemoSeeder, DocumentData } from './seeder';
import { demoRandom, round, secondsAfter, type DemoRandom } from './random';

const BATTERY = 'api::lab.battery';
const STATION = 'api::lab.cycler-station';
const PROFILE = 'api::lab.profile';
const EXPERIMENT = 'api::lab.experiment';
const ALARM = 'api::lab.alarm';
/** Plain table created by database/migrations/…create-lab-samples.js (not a content type). */
export const SAMPLES_TABLE = 'lab_samples';
/** Strapi's SQLite dialect refuses bigger multi-row inserts. */

const BATTERIES: DocumentData[] = [
  {
    name: 'NMC 18650 cell #01',
    manufacturer: 'Samsung SDI',
    model: 'INR18650-30Q',
    serial_number: '30Q-2303-0147',
    technology: 'lithium',
    nominal_capacity_ah: 3,
    min_voltage_v: 2.5,
    max_voltage_v: 4.2,
    max_charge_current_a: 4,
    max_discharge_current_a: 15,
    notes: 'Reference cell for capacity checks.',
    specification: [{ __component: 'lab.lithium', chemistry: 'NMC', capacity_ah: 3 }],
  },
  {
    name: 'Gel block 12 V 56 Ah',
    manufacturer: 'Exide',
    model: 'ES650',
    serial_number: 'EX-ES650-88412',
    technology: 'lead_acid',
    nominal_capacity_ah: 56,
    min_voltage_v: 10.5,
    max_voltage_v: 14.4,
    max_charge_current_a: 14,
    max_discharge_current_a: 30,
    specification: [{ __component: 'lab.lead-acid', chemistry: 'gel', capacity_ah: 56 }],
  },
  {
    name: 'Vanadium redox stack VS-5',
    manufacturer: 'In-house',
    model: 'VS-5 (5 cells)',
    technology: 'redox_flow',
    nominal_capacity_ah: 20,
    min_voltage_v: 5,
    max_voltage_v: 8.5,
    max_charge_current_a: 10,
    max_discharge_current_a: 10,
    notes: 'Two 1 L tanks; pumps run from the station flow controller.',
    specification: [
      {
        __component: 'lab.redox-stack',
        electrode_size_cm2: 100,
        electrode_composition: 'graphite felt',
        bipolar_type: 'graphite composite',
        membrane_type: 'Nafion 117',
        electrolyte_type: 'vanadium sulfate 1.6 M',
        electrolyte_volume_l: 2,
      },
    ],
  },
];

const STATIONS: DocumentData[] = [
  {
    name: 'Cycler station 01',
    location: 'Lab B.12, bench 1',
    state: 'available',
    min_voltage_v: 0,
    max_voltage_v: 5,
    min_current_a: -15,
    max_current_a: 15,
    mqtt_client_id: 'wattrex-cs01',
    last_heartbeat_at: '2025-03-12T09:30:00.000Z',
    devices: [
      { kind: 'bisource', model: 'EA-PSB 10060-60', serial_number: 'EA-2207-3312', connected: true },
      { kind: 'epc', model: 'WattRex EPC v2', serial_number: 'EPC-0042', connected: true },
      { kind: 'meter', model: 'Keysight 34465A', serial_number: 'MY60012345', connected: true },
    ],
  },
  {
    name: 'Cycler station 02',
    location: 'Lab B.12, bench 3',
    state: 'offline',
    min_voltage_v: 0,
    max_voltage_v: 60,
    min_current_a: -30,
    max_current_a: 30,
    mqtt_client_id: 'wattrex-cs02',
    devices: [
      { kind: 'source', model: 'EA-PS 10060-40', serial_number: 'EA-2101-0931', connected: false },
      { kind: 'load', model: 'EA-EL 9080-60', serial_number: 'EA-2101-1187', connected: false },
      { kind: 'flow', model: 'KNF pump controller', serial_number: 'KNF-7710', connected: false },
    ],
  },
];

const NMC_PROFILE = 'NMC 18650 capacity check (1.5 A)';
const GEL_PROFILE = 'Gel 12 V capacity test (C/20)';

const PROFILES: DocumentData[] = [
  {
    name: NMC_PROFILE,
    description: 'CC-CV charge to 4.2 V, one minute rest, CC discharge to 3.0 V.',
    instructions: ['CC, 1.5, VOLTAGE, 4.2', 'CV, 4.2, CURRENT, 0.1', 'WAIT, 60', 'CC, -1.5, VOLTAGE, 3.0'].join('\n'),
  },
  {
    name: GEL_PROFILE,
    description: 'Full charge, 30 min rest, C/20 discharge to 10.8 V.',
    instructions: ['CC, 5.6, VOLTAGE, 14.1', 'CV, 14.1, CURRENT, 0.6', 'WAIT, 1800', 'CC, -2.8, VOLTAGE, 10.8'].join('\n'),
  },
];

/** Steps and envelope are derived from the instructions (the lab middleware recomputes the same). */
function withParsedSteps(profile: DocumentData): DocumentData {
  const { steps, envelope } = parseProfileInstructions(profile.instructions as string);
  return { ...profile, steps, ...envelope };
}

// ------------------------------------------------------------------------------------------------
// Samples of the finished experiment: a simple cell model run through the profile's steps.

interface CellModel {
  capacity_ah: number;
  resistance_ohm: number;
  /** Open-circuit voltage at a state of charge in [0, 1]. */
  ocv(soc: number): number;
}

const NMC_CELL: CellModel = {
  capacity_ah: 2.95,
  resistance_ohm: 0.04,
  ocv: (soc) => 3.0 + 0.85 * soc + 0.35 * soc * soc,
};

/** A step whose limit the model never reaches still ends (the real cycler has a safety timeout too). */
const MAX_STEP_SECONDS = 24 * 3600;

export interface LabSample {
  seq: number;
  recorded_at: Date;
  test_time_s: number;
  voltage_v: number;
  current_a: number;
  power_w: number;
  temperature_c: number;
  cycle_index: number;
  step_index: number;
  charge_capacity_ah: number;
  discharge_capacity_ah: number;
  charge_energy_wh: number;
  discharge_energy_wh: number;
  extra: string;
}

/**
 * Integrates the cell through the steps (1 s resolution) and records one sample every
 * `sampleEvery` seconds plus one at the end of each step, as the cycler would.
 */
export function simulateSamples(
  steps: ProfileStep[],
  cell: CellModel,
  startedAt: string,
  sampleEvery: number,
  random: DemoRandom,
): LabSample[] {
  const samples: LabSample[] = [];
  const counters = { charge_capacity_ah: 0, discharge_capacity_ah: 0, charge_energy_wh: 0, discharge_energy_wh: 0 };
  let soc = 0.03;
  let time = 0;
  let temperature = 24.5;

  const record = (stepIndex: number, mode: string, current: number, voltage: number) => {
    const voltage_v = round(voltage + random.between(-0.002, 0.002), 4);
    const current_a = round(current, 4);
    samples.push({
      seq: samples.length + 1,
      recorded_at: new Date(secondsAfter(startedAt, time)),
      test_time_s: time,
      voltage_v,
      current_a,
      power_w: round(voltage_v * current_a, 4),
      temperature_c: round(temperature + random.between(-0.05, 0.05), 2),
      cycle_index: 1,
      step_index: stepIndex,
      charge_capacity_ah: round(counters.charge_capacity_ah, 5),
      discharge_capacity_ah: round(counters.discharge_capacity_ah, 5),
      charge_energy_wh: round(counters.charge_energy_wh, 5),
      discharge_energy_wh: round(counters.discharge_energy_wh, 5),
      extra: JSON.stringify({ mode }),
    });
  };

  steps.forEach((step, index) => {
    const stepIndex = index + 1;
    let elapsed = 0;
    for (;;) {
      let current = 0;
      if (step.mode === 'CC') current = step.current_a;
      if (step.mode === 'CV') current = (step.voltage_v - cell.ocv(soc)) / cell.resistance_ohm;
      const voltage = cell.ocv(soc) + current * cell.resistance_ohm;

      const done =
        elapsed >= MAX_STEP_SECONDS ||
        (step.mode === 'WAIT' && elapsed >= step.time_s) ||
        (step.mode === 'CC' && step.limit_type === 'TIME' && elapsed >= step.limit_value) ||
        (step.mode === 'CC' && step.limit_type === 'VOLTAGE' && (current >= 0 ? voltage >= step.limit_value : voltage <= step.limit_value)) ||
        (step.mode === 'CV' && step.limit_type === 'TIME' && elapsed >= step.limit_value) ||
        (step.mode === 'CV' && step.limit_type === 'CURRENT' && Math.abs(current) <= step.limit_value);
      if (done || elapsed % sampleEvery === 0) record(stepIndex, step.mode, current, voltage);
      if (done) break;

      const ah = current / 3600;
      soc = Math.min(1, Math.max(0, soc + ah / cell.capacity_ah));
      if (current > 0) {
        counters.charge_capacity_ah += ah;
        counters.charge_energy_wh += ah * voltage;
      } else {
        counters.discharge_capacity_ah -= ah;
        counters.discharge_energy_wh -= ah * voltage;
      }
      // Joule heating against a 24.5 °C room, with a ten-minute thermal time constant.
      temperature += (24.5 + 1.6 * current * current - temperature) / 600;
      elapsed += 1;
      time += 1;
    }
  });
  return samples;
}

/** Per-cycle totals stored on the experiment, as the cycler reports them at the end of a cycle. */
function cycleSummary(samples: LabSample[]) {
  const last = samples[samples.length - 1];
  return [
    {
      cycle_index: 1,
      charge_capacity_ah: round(last.charge_capacity_ah, 4),
      discharge_capacity_ah: round(last.discharge_capacity_ah, 4),
      charge_energy_wh: round(last.charge_energy_wh, 4),
      discharge_energy_wh: round(last.discharge_energy_wh, 4),
      coulombic_efficiency: round(last.discharge_capacity_ah / last.charge_capacity_ah, 4),
      duration_s: last.test_time_s,
    },
  ];
}

/**
 * Inserts the samples in one transaction, only when the experiment has none yet; returns rows
 * inserted. Through lab-samples' insertSamples, the one write path, so the chart rollups are kept too.
 */
async function insertSamplesOnce(strapi: Core.Strapi, experimentId: number, samples: LabSample[]): Promise<number> {
  const labSamples = strapi.service('api::lab.lab-samples') as unknown as LabSamplesService;
  return strapi.db.connection.transaction(async (trx) => {
    if (await trx(SAMPLES_TABLE).where({ experiment_id: experimentId }).first()) return 0;
    return labSamples.insertSamples(samples.map((sample) => ({ experiment_id: experimentId, ...sample })), trx);
  });
}

export async function seedLab(seeder: DemoSeeder): Promise<void> {
  const random = demoRandom(0x1ab);
  const [nmcCell, gelBlock] = await seeder.ensureAll(BATTERY, ['name'], BATTERIES);
  const [station01, station02] = await seeder.ensureAll(STATION, ['name'], STATIONS);
  const [nmcProfile, gelProfile] = await seeder.ensureAll(PROFILE, ['name'], PROFILES.map(withParsedSteps));

  const startedAt = '2025-03-10T08:00:00.000Z';
  const nmcSteps = parseProfileInstructions(PROFILES[0].instructions as string).steps;
  const samples = simulateSamples(nmcSteps, NMC_CELL, startedAt, 75, random);
  const duration = samples[samples.length - 1].test_time_s;

  const finished = await seeder.ensure(EXPERIMENT, ['name'], {
    name: 'NMC 18650 #01 capacity check',
    description: 'Initial capacity check of the reference cell after reception.',
    state: 'finished',
    battery: nmcCell.documentId,
    cycler_station: station01.documentId,
    profile: nmcProfile.documentId,
    queued_at: '2025-03-10T07:45:00.000Z',
    started_at: startedAt,
    finished_at: secondsAfter(startedAt, duration),
    current_step: nmcSteps.length,
    source: 'live',
    // Set up front (the samples are generated before anything is stored), so no update is needed.
    sample_count: samples.length,
    cycle_summary: cycleSummary(samples),
  });
  await seeder.ensure(EXPERIMENT, ['name'], {
    name: 'Gel block capacity test',
    description: 'C/20 capacity test; waits for station 02 to come back online.',
    state: 'queued',
    battery: gelBlock.documentId,
    cycler_station: station02.documentId,
    profile: gelProfile.documentId,
    queued_at: '2025-03-12T09:00:00.000Z',
    current_step: 0,
    source: 'live',
    sample_count: 0,
  });
  await seeder.ensure(ALARM, ['experiment', 'code'], {
    experiment: finished.documentId,
    code: 'EPC_COMM_RETRY',
    message: 'EPC did not answer a CAN status request within 200 ms; the retry succeeded.',
    raised_at: secondsAfter(startedAt, 5400),
  });

  const inserted = await insertSamplesOnce(seeder.strapi, finished.id, samples);
  seeder.count(SAMPLES_TABLE, inserted, samples.length);
}
