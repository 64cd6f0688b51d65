/** Statistics (the index of /race/): everything the audience wants at a glance. */
import type { PublicStatistics } from '../../contract';
import { formatDuration } from '../shared/format';
import { LapScatter } from './scatter';
import { byId, fill, fillList, h, startAudienceScreen } from './screen';
import { finishedLapRow, runnerName, runningLap, ticketRow } from './runners';

const scatter = new LapScatter(byId('lap-scatter'));
const value = (text: string | number) => h('span', { className: 'value' }, text);
const rank = (n: number) => h('span', { className: 'rank' }, `${n}.`);

startAudienceScreen<PublicStatistics>({
  source: '/api/lap-control/public/statistics',
  render(stats) {
    fill('current', runningLap(stats.current, stats.race.finished, 'big'));
    fillList('next', stats.next.map(ticketRow), stats.race.finished ? 'The queue is closed.' : 'The queue is empty.');
    fillList('last-laps', stats.lastLaps.map(finishedLapRow), 'No laps yet.');
    fillList(
      'top-runners',
      stats.topRunners.map((r, i) => h('li', null, rank(i + 1), runnerName(r.runner), value(formatDuration(r.bestLapMs)))),
      'No laps yet.',
    );
    fillList('top-teams', stats.topTeams.map((t) => h('li', null, rank(t.rank), h('span', { className: 'name' }, t.name), value(t.score))), 'No team has points yet.');
    fillList(
      'most-active',
      stats.mostActive.map((r, i) => h('li', null, rank(i + 1), runnerName(r.runner), value(`${r.laps} ${r.laps === 1 ? 'lap' : 'laps'}`))),
      'No laps yet.',
    );
    scatter.show(stats);
  },
});
