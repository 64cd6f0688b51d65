/**
 * One worker thread of bench/race-fanout: connects its share of the audience's socket.io clients to
 * `race:public` and reports, per started lap, when the last of its clients got the lap:update. The
 * clients are spread over threads because 500 clients read by one thread measure that thread's queue
 * (the last client waits for the other 499 frames to be parsed), not the server's fan-out.
 */
import { parentPort, workerData } from 'worker_threads';
import { performance } from 'perf_hooks';
import { io, type Socket } from 'socket.io-client';

const { url, count } = workerData as { url: string; count: number };
type LapUpdate = { lapId: number; lap: { durationMs?: number } };
/** Absolute milliseconds, comparable across threads (each thread has its own performance.now() origin). */
const now = () => performance.timeOrigin + performance.now();

async function main() {
  const sockets: Socket[] = [];
  // Per started lap: how many of this thread's clients got it, the last arrival, the worst fan-out.
  const laps = new Map<number, { got: number; last: number; worstFanout: number }>();
  for (let i = 0; i < count; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async () => {
        const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => resolve());
          socket.once('connect_error', reject);
        });
        const ack = await socket.timeout(5000).emitWithAck('subscribe', ['race:public']);
        if (!ack.joined?.includes('race:public')) throw new Error(`subscribe refused: ${JSON.stringify(ack)}`);
        // An advance's events arrive as one race:changes message (contract.ts); the started lap is in it.
        socket.on('race:changes', ({ changes }: { changes: Array<{ event: string; payload: any }> }, meta: { sentAt: string }) => {
          for (const change of changes) if (change.event === 'lap:update') onLapUpdate(change.payload, meta);
        });
        socket.on('lap:update', (payload: LapUpdate, meta: { sentAt: string }) => onLapUpdate(payload, meta));
        function onLapUpdate(payload: LapUpdate, meta: { sentAt: string }) {
          if (payload.lap.durationMs !== undefined) return;
          const arrived = now();
          const lap = laps.get(payload.lapId) ?? { got: 0, last: 0, worstFanout: 0 };
          lap.got += 1;
          lap.last = Math.max(lap.last, arrived);
          // Same machine, same clock: arrival minus the server's emit time is the fan-out alone.
          lap.worstFanout = Math.max(lap.worstFanout, Date.now() - Date.parse(meta.sentAt));
          laps.set(payload.lapId, lap);
          if (lap.got === count) {
            parentPort!.postMessage({ lapId: payload.lapId, last: lap.last, worstFanout: lap.worstFanout });
            laps.delete(payload.lapId);
          }
        }
        sockets.push(socket);
      }),
    );
  }
  parentPort!.on('message', (message) => {
    if (message === 'close') {
      for (const socket of sockets) socket.disconnect();
      parentPort!.close();
    }
  });
  parentPort!.postMessage({ ready: sockets.length });
}

main().catch((error) => {
  parentPort!.postMessage({ error: String(error?.stack ?? error) });
});
