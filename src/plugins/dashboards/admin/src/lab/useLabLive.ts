import * as React from 'react';
import { io, type Socket } from 'socket.io-client';
import { useAuth } from '@strapi/strapi/admin';
import type { LivePush } from './types';

/**
 * Joins `lab:experiment:<id>` and hands each batch of new samples to `onPush` (the server pushes at
 * most a few batches per second per experiment, never one event per sample).
 */
export function useLabLive(experimentId: number | null, onPush: (push: LivePush) => void, onState: (state: { state?: string; current_step?: number | null }) => void) {
  const token = useAuth('LabMonitor', (auth) => auth.token);
  const [status, setStatus] = React.useState<'off' | 'live' | string>('off');
  const push = React.useRef(onPush);
  push.current = onPush;
  const state = React.useRef(onState);
  state.current = onState;
  React.useEffect(() => {
    if (!experimentId || !token) return;
    const topic = `lab:experiment:${experimentId}`;
    const backendURL = (window as unknown as { strapi?: { backendURL?: string } }).strapi?.backendURL || window.location.origin;
    const socket: Socket = io(backendURL, { path: '/socket.io', auth: { token }, transports: ['websocket', 'polling'] });
    socket.on('connect', () => {
      socket.emit('subscribe', [topic], (ack: { joined: string[]; refused: { reason: string }[] }) => {
        setStatus(ack?.joined?.includes(topic) ? 'live' : ack?.refused?.[0]?.reason ?? 'refused');
      });
    });
    socket.on('connect_error', (err: Error) => setStatus(err.message));
    socket.on('lab:samples', (payload: LivePush) => push.current(payload));
    socket.on('lab:experiment', (payload: { state?: string; current_step?: number | null }) => state.current(payload));
    return () => {
      socket.disconnect();
      setStatus('off');
    };
  }, [experimentId, token]);
  return status;
}
