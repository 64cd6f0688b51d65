/**
 * Simulated battery cyclers (library; the CLI is scripts/cycler-simulate.ts). Each station connects to
 * the broker with its own fixed client id and a persistent session, sends heartbeats with its detected
 * devices, accepts start/pause/resume/stop commands and runs the profile on a simple cell model:
 * open-circuit voltage curve + internal resistance + coulomb counting, with temperature drift. It
 * publishes samples (step and cycle indices, capacities, energies) at QoS 1, raises an alarm and stops
 * with an error when a limit is crossed, and reports `finished` with the number of samples it sent.
 *
 * `dropRate`/`duplicateRate`/`reorderRate` misbehave on purpose to test the bridge: dropped messages
 * are not counted as sent; duplicates and swapped pairs must be stored once.
 */
import mqtt, { type MqttClient } from 'mqtt';

export interface ProfileStepLike {
  mode: 'WAIT' | 'CC' | 'CV';
  time_s?: number;
  current_a?: number;
  voltage_v?: number;
  limit_type?: 'TIME' | 'VOLTAGE' | 'CURRENT';
  limit_value?: number;
}

export interface Limits {
  min_voltage_v: number | null;
  max_voltage_v: number | null;
  min_current_a: number | null;
  max_current_a: number | null;
}

export interface SimulatorOptions {
  url: string;
  topicPrefix: string;
  stations: string[];
  /** Samples per real second. */
  hz: number;
  /** Simulated seconds per real second. */
  speedup: number;
  /** Relative noise on voltage and current (0.001 = 0.1 %). */
  noise: number;
  samplesPerMessage: number;
  heartbeatMs: number;
  dropRate: number;
  duplicateRate: number;
  reorderRate: number;
  /** Prefix of the stations' MQTT client ids (unique per test file). */
  clientIdPrefix: string;
  capacityAh: number;
  username?: string;
  password?: string;
  log?: (line: string) => void;
}

export const DEFAULTS: Omit<SimulatorOptions, 'url' | 'stations'> = {
  topicPrefix: 'tallyboard',
  hz: 10,
  speedup: 1,
  noise: 0.002,
  samplesPerMessage: 1,
  heartbeatMs: 1000,
  dropRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  clientIdPrefix: 'tallyboard-sim',
  capacityAh: 2.5,
};

export interface RunRecord {
  experiment: number;
  sent: number;
  outcome: 'finished' | 'error' | 'stopped';
  alarm?: string;
}

interface Run {
  experiment: number;
  steps: ProfileStepLike[];
  limits: Limits;
  step: number;
  stepTime: number;
  testTime: number;
  cycle: number;
  seq: number;
  sent: number;
  paused: boolean;
  chargeAh: number;
  dischargeAh: number;
  chargeWh: number;
  dischargeWh: number;
  batch: Array<Record<string, number>>;
  batchSeq: number;
  held: string | null;
}

/** Lithium-like open-circuit voltage (V) for a state of charge in 0..1. */
export function openCircuitVoltage(soc: number): number {
  const s = Math.min(1, Math.max(0, soc));
  return 3.0 + 0.9 * s + 0.25 * Math.tanh((s - 0.5) * 3) - 0.2 * Math.exp(-25 * s) + 0.1 * Math.exp(-25 * (1 - s));
}

export class SimulatedStation {
  readonly name: string;
  client!: MqttClient;
  soc = 0.5;
  temperature = 25;
  readonly resistance = 0.05;
  run: Run | null = null;
  readonly history: RunRecord[] = [];
  private timer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private finishedWaiters: Array<(r: RunRecord) => void> = [];

  constructor(name: string, private readonly options: SimulatorOptions) {
    this.name = name;
  }

  private topic(kind: string) {
    return `${this.options.topicPrefix}/stations/${this.name}/${kind}`;
  }

  private log(line: string) {
    this.options.log?.(`[${this.name}] ${line}`);
  }

  async connect(): Promise<void> {
    this.client = mqtt.connect(this.options.url, {
      clientId: `${this.options.clientIdPrefix}-${this.name}`,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 500,
      username: this.options.username,
      password: this.options.password,
    });
    this.client.on('message', (topic, payload) => this.onCommand(payload.toString()));
    this.client.on('error', (error) => this.log(`mqtt: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      this.client.once('connect', () => resolve());
      this.client.once('error', reject);
    });
    await this.client.subscribeAsync(this.topic('commands'), { qos: 1 });
    this.heartbeat();
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatMs);
  }

  heartbeat() {
    const state = !this.run ? 'available' : this.run.paused ? 'paused' : 'running';
    this.client.publish(this.topic('heartbeat'), JSON.stringify({
      state,
      experiment: this.run?.experiment ?? null,
      devices: [
        { kind: 'bisource', model: 'SIM-BS-60', serial_number: `${this.name}-bs`, connected: true },
        { kind: 'meter', model: 'SIM-M-1', serial_number: `${this.name}-m`, connected: true },
      ],
      sent_at: Date.now(),
    }), { qos: 0 });
  }

  private onCommand(text: string) {
    let command: any;
    try {
      command = JSON.parse(text);
    } catch {
      return;
    }
    if (command.command === 'start') {
      if (this.run) return this.log(`ignoring start of ${command.experiment?.id}: busy with ${this.run.experiment}`);
      if (this.history.some((r) => r.experiment === command.experiment.id)) return; // redelivered start
      this.start(command.experiment.id, command.profile?.steps ?? [], command.limits ?? {});
    } else if (this.run && command.experiment?.id === this.run.experiment) {
      if (command.command === 'pause') this.setPaused(true);
      if (command.command === 'resume') this.setPaused(false);
      if (command.command === 'stop') this.finish('stopped');
    }
  }

  private status(body: Record<string, unknown>) {
    this.client.publish(this.topic('status'), JSON.stringify(body), { qos: 1 });
  }

  start(experiment: number, steps: ProfileStepLike[], limits: Limits) {
    this.log(`start experiment ${experiment} (${steps.length} steps)`);
    this.run = {
      experiment, steps, limits, step: 0, stepTime: 0, testTime: 0, cycle: 0, seq: 0, sent: 0, paused: false,
      chargeAh: 0, dischargeAh: 0, chargeWh: 0, dischargeWh: 0, batch: [], batchSeq: 0, held: null,
    };
    this.status({ experiment, kind: 'running', step: 0, cycle: 0 });
    this.heartbeat();
    this.timer = setInterval(() => this.tick(), 1000 / this.options.hz);
  }

  private setPaused(paused: boolean) {
    if (!this.run) return;
    this.run.paused = paused;
    this.status({ experiment: this.run.experiment, kind: paused ? 'paused' : 'running', step: this.run.step });
  }

  private noisy(value: number) {
    return value * (1 + (Math.random() * 2 - 1) * this.options.noise);
  }

  /** One sample period: advance the cell, check the step's end condition and the limits. */
  private tick() {
    const run = this.run;
    if (!run || run.paused) return;
    const dt = this.options.speedup / this.options.hz;
    const step = run.steps[run.step];
    if (!step) return this.finish('finished');
    const ocv = openCircuitVoltage(this.soc);
    let current = 0;
    if (step.mode === 'CC') current = step.current_a ?? 0;
    if (step.mode === 'CV') {
      current = ((step.voltage_v ?? ocv) - ocv) / this.resistance;
      const { min_current_a: lo, max_current_a: hi } = run.limits;
      if (hi !== null && hi !== undefined) current = Math.min(current, hi);
      if (lo !== null && lo !== undefined) current = Math.max(current, lo);
    }
    this.soc = Math.min(1, Math.max(0, this.soc + (current * dt) / 3600 / this.options.capacityAh));
    const voltage = openCircuitVoltage(this.soc) + current * this.resistance;
    this.temperature += (current * current * this.resistance * 0.02 - (this.temperature - 25) * 0.01) * dt;
    const power = voltage * current;
    if (current > 0) {
      run.chargeAh += (current * dt) / 3600;
      run.chargeWh += (power * dt) / 3600;
    } else {
      run.dischargeAh += (-current * dt) / 3600;
      run.dischargeWh += (-power * dt) / 3600;
    }
    run.stepTime += dt;
    run.testTime += dt;
    this.emit({
      recorded_at: Date.now(),
      test_time_s: Number(run.testTime.toFixed(3)),
      voltage_v: this.noisy(voltage),
      current_a: this.noisy(current),
      power_w: power,
      temperature_c: this.temperature,
      cycle_index: run.cycle,
      step_index: run.step,
      charge_capacity_ah: run.chargeAh,
      discharge_capacity_ah: run.dischargeAh,
      charge_energy_wh: run.chargeWh,
      discharge_energy_wh: run.dischargeWh,
    });

    const { min_voltage_v: vmin, max_voltage_v: vmax } = run.limits;
    if (vmax !== null && vmax !== undefined && voltage > vmax + 0.05) return this.fail('OVERVOLTAGE', `${voltage.toFixed(3)} V above ${vmax} V`);
    if (vmin !== null && vmin !== undefined && voltage < vmin - 0.05) return this.fail('UNDERVOLTAGE', `${voltage.toFixed(3)} V below ${vmin} V`);
    if (this.temperature > 60) return this.fail('OVERTEMPERATURE', `${this.temperature.toFixed(1)} °C`);

    const done =
      (step.mode === 'WAIT' && run.stepTime >= (step.time_s ?? 0)) ||
      (step.limit_type === 'TIME' && run.stepTime >= (step.limit_value ?? 0)) ||
      (step.limit_type === 'VOLTAGE' && ((current >= 0 && voltage >= step.limit_value!) || (current < 0 && voltage <= step.limit_value!))) ||
      (step.limit_type === 'CURRENT' && Math.abs(current) <= Math.abs(step.limit_value!)) ||
      run.stepTime > 36_000; // a step that never reaches its limit on this cell model ends after 10 h
    if (done) {
      run.step += 1;
      run.stepTime = 0;
      if (run.step < run.steps.length && run.steps[run.step].mode === 'CC' && (run.steps[run.step].current_a ?? 0) > 0 && step.mode !== 'CC') run.cycle += 1;
      if (run.step >= run.steps.length) return this.finish('finished');
      this.status({ experiment: run.experiment, kind: 'running', step: run.step, cycle: run.cycle });
    }
  }

  private emit(sample: Record<string, number>) {
    const run = this.run!;
    if (!run.batch.length) run.batchSeq = run.seq;
    run.batch.push(sample);
    run.seq += 1;
    if (run.batch.length >= this.options.samplesPerMessage) this.flush();
  }

  private flush() {
    const run = this.run!;
    if (!run.batch.length) return;
    const body = JSON.stringify({ experiment: run.experiment, seq: run.batchSeq, samples: run.batch });
    const count = run.batch.length;
    run.batch = [];
    if (Math.random() < this.options.dropRate) return; // lost on purpose: not counted as sent
    run.sent += count;
    if (Math.random() < this.options.reorderRate && !run.held) {
      run.held = body; // published after the next message
      return;
    }
    this.client.publish(this.topic('samples'), body, { qos: 1 });
    if (run.held) {
      this.client.publish(this.topic('samples'), run.held, { qos: 1 });
      run.held = null;
    }
    if (Math.random() < this.options.duplicateRate) this.client.publish(this.topic('samples'), body, { qos: 1 });
  }

  private endRun(outcome: RunRecord['outcome'], alarm?: { code: string; message: string }) {
    const run = this.run!;
    this.flush();
    if (run.held) {
      this.client.publish(this.topic('samples'), run.held, { qos: 1 });
      run.held = null;
    }
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const record: RunRecord = { experiment: run.experiment, sent: run.sent, outcome, alarm: alarm?.code };
    this.history.push(record);
    this.status(alarm
      ? { experiment: run.experiment, kind: 'error', alarm, samples_sent: run.sent }
      : { experiment: run.experiment, kind: 'finished', step: run.step, samples_sent: run.sent });
    this.log(`${outcome} experiment ${run.experiment}: ${run.sent} samples sent`);
    this.run = null;
    this.heartbeat();
    this.finishedWaiters.splice(0).forEach((w) => w(record));
  }

  private finish(outcome: 'finished' | 'stopped') {
    this.endRun(outcome);
  }

  private fail(code: string, message: string) {
    this.endRun('error', { code, message });
  }

  /** Resolves with the next run that ends. */
  nextRunEnd(): Promise<RunRecord> {
    return new Promise((resolve) => this.finishedWaiters.push(resolve));
  }

  /** Stops sending heartbeats (the station then times out) without closing the connection. */
  silence() {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  async close() {
    this.silence();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.client?.endAsync();
  }
}

export class CyclerSimulator {
  readonly stations: SimulatedStation[];
  readonly options: SimulatorOptions;

  constructor(options: Partial<SimulatorOptions> & Pick<SimulatorOptions, 'url' | 'stations'>) {
    this.options = { ...DEFAULTS, ...options };
    this.stations = this.options.stations.map((name) => new SimulatedStation(name, this.options));
  }

  async start() {
    await Promise.all(this.stations.map((s) => s.connect()));
  }

  station(name: string) {
    return this.stations.find((s) => s.name === name)!;
  }

  /** Samples counted as sent per experiment (finished or still running). */
  sentBy(experiment: number): number {
    for (const s of this.stations) {
      const record = s.history.find((r) => r.experiment === experiment);
      if (record) return record.sent;
      if (s.run?.experiment === experiment) return s.run.sent;
    }
    return 0;
  }

  async stop() {
    await Promise.all(this.stations.map((s) => s.close()));
  }
}
