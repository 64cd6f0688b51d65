export interface CyclerBridgeConfig {
  /** false: no broker, no MQTT client (the admin routes still work). */
  enabled: boolean;
  /** External broker (mqtt://user:pass@host:1883); unset: an embedded aedes broker starts with Strapi. */
  mqttUrl?: string;
  username?: string;
  password?: string;
  /** Embedded broker only. Port 0 picks a free port (tests); read it from service('broker').port(). */
  embeddedHost: string;
  embeddedPort: number;
  /** Topics are `<topicPrefix>/stations/<station name>/<heartbeat|samples|status|commands>`. */
  topicPrefix: string;
  /** Fixed so the broker keeps the bridge's persistent session (and its unacked messages) across restarts. */
  clientId: string;
  /** External brokers: subscribe as `$share/<group>/...` so several instances handle each message once. Empty: plain subscriptions. */
  sharedGroup: string;
  stationTimeoutMs: number;
  /** How often station timeouts and dispatch are checked. */
  checkIntervalMs: number;
  /** A batch of samples is written at the latest this long after its first message arrived... */
  flushIntervalMs: number;
  /** ...or as soon as it holds this many rows... */
  maxBatchRows: number;
  /**
   * ...or this many messages: a broker sends a client only so many unacknowledged messages
   * (Mosquitto's max_inflight_messages, default 20), so waiting for more would stall the stream.
   */
  maxBatchMessages: number;
  /** Messages held unacknowledged in memory at most; beyond it the bridge reads nothing more from the broker until batches commit. */
  maxPendingMessages: number;
  /** Payloads above this size are rejected unparsed. */
  maxPayloadBytes: number;
  /** Live monitor pushes per experiment at most this often. */
  livePushIntervalMs: number;
}

const int = (env: any, name: string, fallback: number) => env.int(name, fallback);

export default {
  default: ({ env }): CyclerBridgeConfig => ({
    enabled: env('CYCLER_BRIDGE_ENABLED', 'true') !== 'false',
    mqttUrl: env('MQTT_URL') || undefined,
    username: env('MQTT_USERNAME') || undefined,
    password: env('MQTT_PASSWORD') || undefined,
    embeddedHost: env('MQTT_EMBEDDED_HOST', '127.0.0.1'),
    // Tests boot many instances in parallel next to a real broker on 1883: a free port each.
    embeddedPort: int(env, 'MQTT_EMBEDDED_PORT', env('NODE_ENV') === 'test' ? 0 : 1883),
    topicPrefix: env('MQTT_TOPIC_PREFIX', 'tallyboard'),
    clientId: env('MQTT_CLIENT_ID', 'tallyboard-bridge'),
    // Empty by default: Mosquitto (2.0) does not restore shared subscriptions after a restart, so a single
    // instance keeps zero loss across broker restarts only with a plain one (docs/cycler-bridge.md).
    sharedGroup: env('MQTT_SHARED_GROUP', ''),
    stationTimeoutMs: int(env, 'LAB_STATION_TIMEOUT_MS', 15_000),
    checkIntervalMs: int(env, 'LAB_CHECK_INTERVAL_MS', 1_000),
    flushIntervalMs: int(env, 'LAB_FLUSH_INTERVAL_MS', 250),
    maxBatchRows: int(env, 'LAB_MAX_BATCH_ROWS', 5_000),
    maxBatchMessages: int(env, 'LAB_MAX_BATCH_MESSAGES', 20),
    maxPendingMessages: int(env, 'LAB_MAX_PENDING_MESSAGES', 5_000),
    maxPayloadBytes: int(env, 'LAB_MAX_PAYLOAD_BYTES', 1_048_576),
    livePushIntervalMs: int(env, 'LAB_LIVE_PUSH_INTERVAL_MS', 500),
  }),
  validator(config: CyclerBridgeConfig) {
    if (!/^[^#+$][^#+]*$/.test(config.topicPrefix)) throw new Error('cycler-bridge: topicPrefix must not contain # or + nor start with $');
    if (config.maxBatchMessages < 1 || config.maxBatchRows < 1) throw new Error('cycler-bridge: maxBatchMessages and maxBatchRows must be >= 1');
    if (config.maxPendingMessages < config.maxBatchMessages) throw new Error('cycler-bridge: maxPendingMessages must be >= maxBatchMessages');
  },
};
