import type { Core } from '@strapi/strapi';
import type { LabSamplesService } from '../../../../api/lab/services/lab-samples';
import type { CyclerBridgeConfig } from './config';
import type { BrokerService } from './services/broker';
import type { BridgeService } from './services/bridge';
import type { SampleWriterService } from './services/sample-writer';
import type { StationsService } from './services/stations';
import type { NewExperimentService } from './services/new-experiment';

type Services = {
  broker: BrokerService;
  bridge: BridgeService;
  sampleWriter: SampleWriterService;
  stations: StationsService;
  newExperiment: NewExperimentService;
};

export const PLUGIN = 'cycler-bridge';

/** Looked up once per instance and name: the bridge's per-message path asks for them (a few % of its CPU). */
const services = new WeakMap<Core.Strapi, Partial<Services>>();
export const getService = <K extends keyof Services>(name: K, strapiInstance: Core.Strapi = strapi): Services[K] => {
  let found = services.get(strapiInstance);
  if (!found) services.set(strapiInstance, (found = {}));
  return (found[name] ??= strapiInstance.plugin(PLUGIN).service(name) as Services[K]) as Services[K];
};

/** Read once per Strapi instance: the bridge asks for it on every message, and it is fixed at boot. */
const configs = new WeakMap<Core.Strapi, CyclerBridgeConfig>();
export const bridgeConfig = (strapiInstance: Core.Strapi = strapi): CyclerBridgeConfig => {
  let config = configs.get(strapiInstance);
  if (!config) {
    config = strapiInstance.config.get(`plugin::${PLUGIN}`) as CyclerBridgeConfig;
    configs.set(strapiInstance, config);
  }
  return config;
};

export const STATION_UID = 'api::lab.cycler-station';
export const EXPERIMENT_UID = 'api::lab.experiment';

/** Admin RBAC actions. */
export const MONITOR_READ = 'plugin::cycler-bridge.monitor.read';
export const EXPERIMENTS_CREATE = 'plugin::cycler-bridge.experiments.create';

export const samplesService = (strapiInstance: Core.Strapi = strapi) => strapiInstance.service('api::lab.lab-samples') as unknown as LabSamplesService;

/** Realtime topics: one per experiment (samples, state), one for station states. */
export const experimentTopic = (id: number) => `lab:experiment:${id}`;
export const STATIONS_TOPIC = 'lab:stations';

export const realtime = (strapiInstance: Core.Strapi = strapi) =>
  strapiInstance.plugin('realtime')?.service('realtime') as { publish(topic: string, event: string, payload: unknown): void; registerTopic(name: string, access: object): void } | undefined;
