import { io, type Socket } from 'socket.io-client';

/** Connects a socket.io client; rejects with the server's refusal message. */
export function connect(url: string, token?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], auth: token ? { token } : {}, reconnection: false, forceNew: true });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

export function subscribe(socket: Socket, topics: string | string[]) {
  return socket.timeout(5000).emitWithAck('subscribe', topics) as Promise<{
    joined: string[];
    refused: Array<{ topic: string; reason: string }>;
  }>;
}

/** Collects every `event` the socket receives, with the topic it came on. */
/** Every `event` the socket receives, including those inside a lap-control `race:changes` message. */
export function collect(socket: Socket, event: string) {
  const received: Array<{ payload: any; topic: string }> = [];
  socket.on(event, (payload: unknown, meta: { topic: string }) => received.push({ payload, topic: meta?.topic }));
  socket.on('race:changes', (batch: { changes: Array<{ event: string; payload: unknown }> }, meta: { topic: string }) => {
    for (const change of batch.changes) if (change.event === event) received.push({ payload: change.payload, topic: meta?.topic });
  });
  return received;
}

export async function waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
