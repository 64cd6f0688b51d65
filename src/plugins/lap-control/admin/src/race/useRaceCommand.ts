import * as React from 'react';
import { isFetchError, useFetchClient } from '@strapi/strapi/admin';

/** A command's outcome: its answer, or the refusal with the server's body (409 carries the current state). */
export type CommandResult<T> = { ok: true; data: T } | { ok: false; status: number; message: string; body: Record<string, unknown> };

/** lap-control answers `{ error: 'text' }`; Strapi's own errors `{ error: { message } }`. */
function messageOf(body: Record<string, unknown> | undefined, fallback: string): string {
  const error = body?.error;
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') return (error as { message: string }).message;
  return fallback;
}

/**
 * Sends crew commands (advance, reverse, queue edits) with the admin's session and turns refusals into
 * values, because a 409 is an expected answer here (someone else acted first), not a crash.
 */
export function useRaceCommand() {
  const { post, del } = useFetchClient();
  const [busy, setBusy] = React.useState(false);
  const busyRef = React.useRef(false);

  const send = React.useCallback(
    async <T,>(method: 'POST' | 'DELETE', url: string, body?: unknown): Promise<CommandResult<T> | undefined> => {
      if (busyRef.current) return undefined; // a second press while the first is on its way is the same press
      busyRef.current = true;
      setBusy(true);
      try {
        const res = method === 'POST' ? await post<T>(url, body ?? {}) : await del<T>(url);
        return { ok: true, data: res.data };
      } catch (error) {
        if (isFetchError(error)) {
          const data = (error.response?.data ?? {}) as Record<string, unknown>;
          return { ok: false, status: Number(error.status ?? 0), message: messageOf(data, error.message), body: data };
        }
        return { ok: false, status: 0, message: (error as Error).message, body: {} };
      } finally {
        busyRef.current = false;
        setBusy(false);
      }
    },
    [post, del],
  );

  return { send, busy };
}
