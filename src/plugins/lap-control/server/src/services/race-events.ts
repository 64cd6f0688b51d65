/**
 * Live events of the race on the realtime plugin: `race:public` carries names only, `race:crew` the
 * same events with the crew's view of runners. Published after the transaction committed.
 *
 * The events one action produces go out through a batch (`batch()` ... `send()`): per topic one
 * `race:changes` message holding them in order (contract.ts). With 500 audience phones each message is
 * 500 socket writes, which is most of the fan-out's cost, so an advance costs one message, not three.
 */
import type { Core } from '@strapi/strapi';
import { RACE_CHANGES_EVENT, type RaceChanges, type RaceEvent } from '../../../contract';
import { CREW_TOPIC, getService, PUBLIC_TOPIC } from '../utils';
import type { TeamStanding } from './points';
import type { CrewRunner, FinishedLap, PublicRunner, RunningLap, Ticket } from './race-state';

type AnyLap<R> = RunningLap<R> | FinishedLap<R>;
type Publish = (topic: string, event: RaceEvent, payload: Record<string, unknown>) => void;

const publicRunner = (r: PublicRunner) => ({ id: r.id, name: r.name, team: r.team });
const publicLap = (lap: AnyLap<PublicRunner>): AnyLap<PublicRunner> => ({ ...lap, runner: publicRunner(lap.runner) });

/** The race's events, written once over whichever way they are published. */
const raceEvents = (publish: Publish) => {
  const both = (event: RaceEvent, publicPayload: Record<string, unknown>, crewPayload = publicPayload) => {
    publish(PUBLIC_TOPIC, event, publicPayload);
    publish(CREW_TOPIC, event, crewPayload);
  };
  return {
    queueInsert(queueVersion: number, ticket: Ticket<CrewRunner>) {
      both('queue:insert', { queueVersion, ticket: { ...ticket, runner: publicRunner(ticket.runner) } }, { queueVersion, ticket });
    },
    queueMove(queueVersion: number, ticketId: number, toPosition: number) {
      both('queue:move', { queueVersion, ticketId, toPosition });
    },
    queueDelete(queueVersion: number, ticketId: number) {
      both('queue:delete', { queueVersion, ticketId });
    },
    lapUpdate(queueVersion: number, lap: AnyLap<CrewRunner>) {
      both('lap:update', { lapId: lap.lapId, lap: publicLap(lap), queueVersion }, { lapId: lap.lapId, lap, queueVersion });
    },
    /** `lap:update` on race:public only, from names alone (advance sends it before reading the crew view). */
    publicLapUpdate(queueVersion: number, lap: AnyLap<PublicRunner>) {
      publish(PUBLIC_TOPIC, 'lap:update', { lapId: lap.lapId, lap: publicLap(lap), queueVersion });
    },
    /** `lap:update` on race:crew only. */
    crewLapUpdate(queueVersion: number, lap: AnyLap<CrewRunner>) {
      publish(CREW_TOPIC, 'lap:update', { lapId: lap.lapId, lap, queueVersion });
    },
    lapDelete(queueVersion: number, lapId: number) {
      both('lap:delete', { lapId, queueVersion });
    },
    scoreUpdate(teams: TeamStanding[]) {
      both('score:update', { teams });
    },
  };
};

const createRaceEventsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const send = (topic: string, event: string, payload: unknown) => {
    getService('statistics', strapi).invalidate();
    try {
      strapi.plugin('realtime')?.service('realtime')?.publish(topic, event, payload);
    } catch (error) {
      strapi.log.error(`[lap-control] publishing ${event} failed: ${(error as Error).message}`);
    }
  };

  return {
    ...raceEvents(send),

    /** Collects events; `send()` publishes them, one message per topic. */
    batch() {
      const pending = new Map<string, RaceChanges['changes']>();
      return {
        ...raceEvents((topic, event, payload) => pending.set(topic, [...(pending.get(topic) ?? []), { event, payload }])),
        send() {
          for (const [topic, changes] of pending) {
            if (changes.length === 1) send(topic, changes[0].event, changes[0].payload);
            else send(topic, RACE_CHANGES_EVENT, { changes } satisfies RaceChanges);
          }
          pending.clear();
        },
      };
    },
  };
};

export type RaceEventsService = ReturnType<typeof createRaceEventsService>;
export default createRaceEventsService;
