export interface IngestConfig {
  /** Largest request body accepted, in bytes, measured after gzip decoding (413 beyond). */
  maxBodyBytes: number;
  /** Records accepted in one request (413 beyond: the client must split its batch). */
  maxRecordsPerRequest: number;
  /** Longest message kept, in characters; longer records are rejected, not truncated. */
  maxMessageLength: number;
  /** Per-service token bucket, per instance, counted in records: refill rate and burst size. */
  rate: { recordsPerSecond: number; burst: number };
  /** How long an Idempotency-Key is remembered. */
  idempotencyHours: number;
  /** Cron rule of the daily retention job, and how many rows one DELETE removes. */
  retention: { rule: string; batchSize: number };
  /** Live tail: lines per second sent to `logs:tail`, and the publish interval. */
  tail: { maxLinesPerSecond: number; intervalMs: number };
}

const int = (value: unknown, fallback: number) => {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : fallback;
};

export default {
  default: ({ env }): IngestConfig => ({
    maxBodyBytes: int(env('INGEST_MAX_BODY_BYTES'), 5 * 1024 * 1024),
    maxRecordsPerRequest: int(env('INGEST_MAX_RECORDS_PER_REQUEST'), 10_000),
    maxMessageLength: int(env('INGEST_MAX_MESSAGE_LENGTH'), 32_768),
    rate: {
      recordsPerSecond: int(env('INGEST_RATE_RECORDS_PER_SECOND'), 100_000),
      burst: int(env('INGEST_RATE_BURST'), 200_000),
    },
    idempotencyHours: 24,
    retention: { rule: env('INGEST_RETENTION_CRON', '17 3 * * *'), batchSize: 5_000 },
    tail: { maxLinesPerSecond: int(env('LOGS_TAIL_MAX_LINES_PER_SECOND'), 50), intervalMs: 250 },
  }),
  validator(config: IngestConfig) {
    for (const key of ['maxBodyBytes', 'maxRecordsPerRequest', 'maxMessageLength'] as const) {
      if (!(Number(config[key]) > 0)) throw new Error(`ingest: ${key} must be a positive number`);
    }
  },
};
