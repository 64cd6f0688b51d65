/**
 * Live events of the race on the realtime plugin: `race:public` carries names only, `race:crew` the
 * same events with the crew's view of runners. Published after the transaction committed.
 */
import type { Core } from '@strapi/strapi';
import { CREW_TOPIC, getService, PUBLIC_TOPIC } from '../utils';
import type { TeamStanding } from './points';
import type { CrewRunner, FinishedLap, PublicRunner, RunningLap, Ticket } from './race-state';

type AnyLap<R> = RunningLap<R> | FinishedLap<R>;

const publicRunner = (r: CrewRunner) => ({ id: r.id, name: r.name, team: r.team });
const publicLap = (lap: AnyLap<CrewRunner>): AnyLap<{ id: number; name: string; team: string | null }> => ({
  ...lap,
  runner: publicRunner(lap.runner),
});

const createRaceEventsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const publish = (topic: string, event: string, payload: unknown) => {
    getService('statistics', strapi).invalidate();
    try {
      strapi.plugin('realtime')?.service('realtime')?.publish(topic, event, payload);
    } catch (error) {
      strapi.log.error(`[lap-control] publishing ${event} failed: ${(error as Error).message}`);
    }
  };
  const both = (event: string, publicPayload: unknown, crewPayload: unknown = publicPayload) => {
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
      publish(PUBLIC_TOPIC, 'lap:update', { lapId: lap.lapId, lap: { ...lap, runner: { id: lap.runner.id, name: lap.runner.name, team: lap.runner.team } }, queueVersion });
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

export type RaceEventsService = ReturnType<typeof createRaceEventsService>;
export default createRaceEventsService;
