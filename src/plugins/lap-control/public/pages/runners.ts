import type { FinishedLap, PublicRunner, RunningLap, Ticket } from '../../contract';
import { h } from './dom';
import { formatDuration } from '../shared/format';
import { timer } from './screen';

/** How a runner is written on every audience screen: the name, and the team when there is one. */
export const runnerName = (runner: PublicRunner, className = 'name') =>
  h('span', { className }, h('span', { className: 'runner', 'data-runner-id': runner.id }, runner.name), runner.team ? h('span', { className: 'team' }, runner.team) : null);

export const ticketRow = (ticket: Ticket) => h('li', { 'data-ticket-id': ticket.ticketId }, runnerName(ticket.runner));

export const finishedLapRow = (lap: FinishedLap) =>
  h('li', { 'data-lap-id': lap.lapId }, runnerName(lap.runner), h('span', { className: 'value' }, formatDuration(lap.durationMs)));

/** The running lap: who, and a live timer (frozen by the clock at the race's end). */
export const runningLap = (lap: RunningLap | null, finished: boolean, className = '') =>
  lap
    ? h('div', { className: `running ${className}`, 'data-lap-id': lap.lapId }, runnerName(lap.runner), timer(lap.startedAt))
    : h('p', { className: 'empty' }, finished ? 'The race is over.' : 'Nobody is running.');
