/**
 * The embedded MQTT broker (aedes) started when no MQTT_URL is configured, so `npm run develop`
 * works with nothing else installed. In-memory persistence: sessions and queued QoS 1 messages live
 * as long as the Strapi process (use an external broker with persistence for anything durable).
 */
import net from 'net';
import type { Core } from '@strapi/strapi';
import { bridgeConfig } from '../utils';

/**
 * aedes 1.x is an ES module. Node 20.19+ loads it with require(), but only Node's own require: Jest
 * replaces both `require` and the `module` builtin, so take the real one from getBuiltinModule.
 */
export const nodeRequire: NodeRequire = (process as any).getBuiltinModule
  ? (process as any).getBuiltinModule('module').createRequire(__filename)
  : require;

export interface BrokerService {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** mqtt://host:port of the embedded broker, or null when it is not running. */
  url(): string | null;
  port(): number | null;
}

export default ({ strapi }: { strapi: Core.Strapi }): BrokerService => {
  let broker: any = null;
  let server: net.Server | null = null;
  let port: number | null = null;

  return {
    async start() {
      if (server) return;
      const config = bridgeConfig(strapi);
      const { Aedes } = nodeRequire('aedes');
      broker = await Aedes.createBroker({ id: `tallyboard-embedded-${process.pid}` });
      server = net.createServer(broker.handle);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', (error: NodeJS.ErrnoException) =>
          reject(error.code === 'EADDRINUSE'
            ? new Error(`cycler-bridge: port ${config.embeddedPort} is taken (another MQTT broker?): set MQTT_URL to use it, or MQTT_EMBEDDED_PORT`)
            : error));
        server!.listen(config.embeddedPort, config.embeddedHost, () => resolve());
      });
      port = (server.address() as net.AddressInfo).port;
      strapi.log.info(`[cycler-bridge] embedded MQTT broker on ${config.embeddedHost}:${port}`);
    },
    async stop() {
      if (!server) return;
      const s = server;
      server = null;
      port = null;
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => s.close(() => resolve()));
      broker = null;
    },
    url() {
      return port === null ? null : `mqtt://${bridgeConfig(strapi).embeddedHost}:${port}`;
    },
    port() {
      return port;
    },
  };
};
