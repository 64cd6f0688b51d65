/** Fullscreen: previous / running / next runner in type large enough for the far end of the track. */
import type { PublicStatistics } from '../../contract';
import { formatDuration } from '../shared/format';
import { fill, h, startAudienceScreen } from './screen';
import { runnerName, runningLap } from './runners';

startAudienceScreen<PublicStatistics>({
  source: '/api/lap-control/public/statistics',
  render(stats) {
    const previous = stats.previous ?? stats.lastLaps[0] ?? null;
    fill('previous', previous ? [runnerName(previous.runner), h('span', { className: 'value' }, formatDuration(previous.durationMs))] : h('p', { className: 'empty' }, '–'));
    fill('current', runningLap(stats.current, stats.race.finished));
    const next = stats.next[0];
    fill('next', next ? runnerName(next.runner) : h('p', { className: 'empty' }, stats.race.finished ? '–' : 'The queue is empty.'));
  },
});
