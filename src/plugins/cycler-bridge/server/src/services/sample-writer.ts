/**
 * Batches validated sample messages and writes them to `lab_samples` in one transaction per batch
 * (flush after `flushIntervalMs`, or at `maxBatchRows` rows, or at `maxBatchMessages` messages, or
 * as soon as the previous batch is written if messages arrived meanwhile).
 * A message's `ack` is called only after the transaction holding its rows has committed; if the
 * write fails nothing is acknowledged and the bridge lets the broker redeliver.
 */
import type { Core } from '@strapi/strapi';
import type { SampleRow } from '../../../../../api/lab/services/lab-samples';
import { bridgeConfig, EXPERIMENT_UID, experimentTopic, getService, realtime, samplesService } from '../utils';

export interface PendingSamples {
  experimentId: number;
  rows: SampleRow[];
  /** Sends the PUBACK (a no-op if the connection it came on is gone: the broker redelivers). */
  ack: () => void;
}

export interface FlushResult {
  messages: number;
  rows: number;
  inserted: number;
}

export interface SampleWriterService {
  enqueue(message: PendingSamples): void;
  /** Writes whatever is pending now and waits for it (e.g. before an experiment is marked finished). */
  drain(): Promise<void>;
  /** Forgets pending messages without acknowledging them (the broker will redeliver them). */
  reset(): void;
  /** Messages waiting or being written. */
  pendingMessages(): number;
  /** Called with the error when a batch could not be written. */
  onFailure(listener: (error: unknown) => void): void;
  stats(): { flushes: number; rows: number; inserted: number; failures: number };
  stop(): Promise<void>;
}

type LivePoint = [number, number | null, number | null, number | null, number | null, number | null, number | null];
/** Points per live push at most: the monitor redraws a few times a second, never per sample. */
const LIVE_POINTS = 500;

export default ({ strapi }: { strapi: Core.Strapi }): SampleWriterService => {
  let pending: PendingSamples[] = [];
  let pendingRows = 0;
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;
  /** Messages of the batch being written (still in memory, not yet acknowledged). */
  let inFlight = 0;
  let epoch = 0;
  const failureListeners: Array<(error: unknown) => void> = [];
  const totals = { flushes: 0, rows: 0, inserted: 0, failures: 0 };
  const live = new Map<number, { batches: SampleRow[][]; count: number }>();
  let liveTimer: NodeJS.Timeout | null = null;

  const config = () => bridgeConfig(strapi);

  function schedule() {
    const { maxBatchRows, maxBatchMessages, flushIntervalMs } = config();
    if (pendingRows >= maxBatchRows || pending.length >= maxBatchMessages) {
      void flush();
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        void flush();
      }, flushIntervalMs);
    }
  }

  async function write(batch: PendingSamples[]): Promise<FlushResult> {
    const groups = groupBy(batch);
    let rows = 0;
    let inserted = 0;
    const knex = strapi.db.connection;
    const table = strapi.db.metadata.get(EXPERIMENT_UID).tableName;
    const added = new Map<number, number>();
    await knex.transaction(async (trx) => {
      // Rows are de-duplicated by the primary key; only new rows count towards sample_count.
      for (const [experimentId, experimentRows] of groups) {
        rows += experimentRows.length;
        const n = await samplesService(strapi).insertSamples(experimentRows, trx);
        inserted += n;
        if (n) {
          added.set(experimentId, n);
          await trx(table).where({ id: experimentId }).update({ sample_count: knex.raw('coalesce(sample_count, 0) + ?', [n]) });
        }
      }
    });
    for (const m of batch) m.ack();
    for (const [experimentId] of added) queueLive(experimentId, groups.get(experimentId)!);
    await summariseEnded([...added.keys()]);
    return { messages: batch.length, rows, inserted };
  }

  /**
   * Rows committed for an experiment that has ended meanwhile: the end was handled on another
   * instance (shared subscription) while they waited here, so its summary is computed again. Read
   * after the commit: if the end is not seen here, it committed later, and its own summary sees these rows.
   */
  async function summariseEnded(experimentIds: number[]) {
    if (!experimentIds.length) return;
    const table = strapi.db.metadata.get(EXPERIMENT_UID).tableName;
    const ended: number[] = await strapi.db.connection(table).whereIn('id', experimentIds).whereIn('state', ['finished', 'error']).pluck('id');
    for (const id of ended) await getService('stations', strapi).summarise(Number(id));
  }

  function flush(): Promise<void> {
    if (flushing) return flushing.then(() => (pending.length ? flush() : undefined));
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (!pending.length) return Promise.resolve();
    const batch = pending;
    const myEpoch = epoch;
    pending = [];
    pendingRows = 0;
    inFlight = batch.length;
    flushing = write(batch)
      .then((result) => {
        totals.flushes += 1;
        totals.rows += result.rows;
        totals.inserted += result.inserted;
      })
      .catch((error) => {
        totals.failures += 1;
        // A reset() during the write already dropped this batch's connection: nothing to report twice.
        if (myEpoch === epoch) failureListeners.forEach((l) => l(error));
      })
      .finally(() => {
        flushing = null;
        inFlight = 0;
        // What arrived during the write has waited a write already: it goes now (group commit), not
        // after another flush interval, which would hold the tail of a burst for up to 250 ms.
        if (pending.length) void flush();
      });
    return flushing;
  }

  /** Keeps references to the committed rows; points are built at push time for the thinned few only. */
  function queueLive(experimentId: number, rows: SampleRow[]) {
    const entry = live.get(experimentId);
    if (entry) {
      entry.batches.push(rows);
      entry.count += rows.length;
    } else {
      live.set(experimentId, { batches: [rows], count: rows.length });
    }
    if (!liveTimer) {
      liveTimer = setTimeout(pushLive, config().livePushIntervalMs);
    }
  }

  function pushLive() {
    liveTimer = null;
    const channel = realtime(strapi);
    for (const [experimentId, { batches, count }] of live) {
      // Thin evenly rather than cut: the chart keeps the shape of the whole interval. Rows arrive in
      // order (out-of-order delivery is rare), so thinning before sorting picks the same points.
      const stride = Math.ceil(count / LIVE_POINTS);
      const points: LivePoint[] = [];
      let i = 0;
      for (const rows of batches) {
        for (const r of rows) {
          if (i++ % stride) continue;
          points.push([r.recorded_at.getTime(), r.voltage_v ?? null, r.current_a ?? null, r.power_w ?? null, r.temperature_c ?? null, r.step_index ?? null, r.cycle_index ?? null]);
        }
      }
      points.sort((a, b) => a[0] - b[0]);
      channel?.publish(experimentTopic(experimentId), 'lab:samples', {
        experiment: experimentId,
        received: count,
        columns: ['t', 'voltage_v', 'current_a', 'power_w', 'temperature_c', 'step_index', 'cycle_index'],
        points,
      });
    }
    live.clear();
  }

  return {
    enqueue(message) {
      pending.push(message);
      pendingRows += message.rows.length;
      schedule();
    },
    async drain() {
      await flush();
      if (flushing) await flushing;
    },
    reset() {
      epoch += 1;
      pending = [];
      pendingRows = 0;
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
    },
    pendingMessages: () => pending.length + inFlight,
    onFailure(listener) {
      failureListeners.push(listener);
    },
    stats: () => ({ ...totals }),
    async stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (flushing) await flushing.catch(() => undefined);
      if (liveTimer) clearTimeout(liveTimer);
      liveTimer = null;
      live.clear();
    },
  };
};

/**
 * The batch's rows per experiment. A message delivered twice into the same batch (same experiment,
 * first seq and length) contributes its rows once: on PostgreSQL a repeated key would send the whole
 * batch from COPY to the slower duplicate-skipping insert.
 */
function groupBy(batch: PendingSamples[]): Map<number, SampleRow[]> {
  const groups = new Map<number, SampleRow[]>();
  const seen = new Set<string>();
  for (const message of batch) {
    if (!message.rows.length) continue;
    const key = `${message.experimentId}:${message.rows[0].seq}:${message.rows.length}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const list = groups.get(message.experimentId);
    if (list) for (const row of message.rows) list.push(row);
    else groups.set(message.experimentId, message.rows.slice());
  }
  return groups;
}
