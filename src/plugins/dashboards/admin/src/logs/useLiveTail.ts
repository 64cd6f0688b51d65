import * as React from 'react';
import { io, type Socket } from 'socket.io-client';
import { useAuth } from '@strapi/strapi/admin';
import type { TailPayload } from './types';

export const TAIL_TOPIC = 'logs:tail';
export const TAIL_EVENT = 'logs:lines';

export type TailStatus = 'off' | 'connecting' | 'live' | { error: string };

/**
 * Subscribes to the realtime topic `logs:tail` while `enabled`, authenticated with the admin's access
 * token from the admin's auth store (the same token useFetchClient sends). The server rate-limits the
 * stream and reports dropped lines as `skipped`.
 */
export function useLiveTail(enabled: boolean, onLines: (payload: TailPayload) => void): TailStatus {
  const token = useAuth('LogsLiveTail', (auth) => auth.token);
  const [status, setStatus] = React.useState<TailStatus>('off');
  const handler = React.useRef(onLines);
  handler.current = onLines;

  React.useEffect(() => {
    if (!enabled || !token) {
      setStatus('off');
      return;
    }
    const backendURL = (window as unknown as { strapi?: { backendURL?: string } }).strapi?.backendURL || window.location.origin;
    const socket: Socket = io(backendURL, { path: '/socket.io', auth: { token }, transports: ['websocket', 'polling'] });
    setStatus('connecting');
    socket.on('connect', () => {
      socket.emit('subscribe', [TAIL_TOPIC], (ack: { joined: string[]; refused: { topic: string; reason: string }[] }) => {
        if (ack?.joined?.includes(TAIL_TOPIC)) setStatus('live');
        else setStatus({ error: ack?.refused?.[0]?.reason ?? 'subscription refused' });
      });
    });
    socket.on('connect_error', (err: Error) => setStatus({ error: err.message }));
    socket.on(TAIL_EVENT, (payload: TailPayload) => handler.current(payload));
    return () => {
      socket.disconnect();
    };
  }, [enabled, token]);

  return status;
}
