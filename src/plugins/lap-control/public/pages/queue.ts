/** Queue (read-only): the whole queue, kept current from the live events without refetching each time. */
import type { PublicQueue, RaceInfo } from '../../contract';
import { applyQueueEvent } from '../shared/queueModel';
import { byId, fillList, startAudienceScreen } from './screen';
import { ticketRow } from './runners';

type QueueScreen = PublicQueue & { race?: RaceInfo };

startAudienceScreen<QueueScreen>({
  source: '/api/lap-control/public/queue',
  render(queue) {
    const finished = queue.race?.finished;
    byId('queue-count').textContent = finished ? '' : `(${queue.tickets.length})`;
    fillList('queue', finished ? [] : queue.tickets.map(ticketRow), finished ? 'The race is over: the queue is closed.' : 'The queue is empty.');
  },
  // queue:* events carry the whole change. Other events matter only when they moved the queue on (an
  // advance takes the head): those, and any missed version, are refetched.
  apply(queue, event, payload) {
    if (!event.startsWith('queue:')) return typeof payload.queueVersion === 'number' && payload.queueVersion <= queue.queueVersion;
    const next = applyQueueEvent(queue, event, payload);
    if (!next) return false;
    queue.queueVersion = next.queueVersion;
    queue.tickets = next.tickets;
    return true;
  },
});
