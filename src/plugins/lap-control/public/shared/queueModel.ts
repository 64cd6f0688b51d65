import type { Ticket } from '../../contract';

export type QueueSnapshot<R> = { queueVersion: number; tickets: Ticket<R>[] };

/**
 * Applies one `queue:*` event to the queue a screen shows, or returns null when the event is not the
 * next version (the screen missed one and must refetch). Events for a version already shown are
 * returned unchanged (they arrive after a refetch that included them).
 */
export function applyQueueEvent<R>(queue: QueueSnapshot<R>, event: string, payload: Record<string, unknown>): QueueSnapshot<R> | null {
  const version = payload.queueVersion;
  if (typeof version !== 'number') return null;
  if (version <= queue.queueVersion) return queue;
  if (version !== queue.queueVersion + 1) return null;
  const tickets = [...queue.tickets];
  if (event === 'queue:insert') {
    const ticket = payload.ticket as Ticket<R> | undefined;
    if (!ticket) return null;
    tickets.splice(Math.min(Math.max(ticket.position, 0), tickets.length), 0, ticket);
  } else if (event === 'queue:move' || event === 'queue:delete') {
    const from = tickets.findIndex((t) => t.ticketId === payload.ticketId);
    if (from < 0) return null;
    const [ticket] = tickets.splice(from, 1);
    if (event === 'queue:move') tickets.splice(Math.min(Math.max(Number(payload.toPosition), 0), tickets.length), 0, ticket);
  } else {
    return null;
  }
  return { queueVersion: version, tickets: tickets.map((t, position) => ({ ...t, position })) };
}

/** Moves a ticket locally (optimistic drag), positions renumbered. */
export function moveTicket<R>(tickets: Ticket<R>[], ticketId: number, toPosition: number): Ticket<R>[] {
  const list = [...tickets];
  const from = list.findIndex((t) => t.ticketId === ticketId);
  if (from < 0) return tickets;
  const [ticket] = list.splice(from, 1);
  list.splice(Math.min(Math.max(toPosition, 0), list.length), 0, ticket);
  return list.map((t, position) => ({ ...t, position }));
}
