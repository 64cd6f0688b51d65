import points from './points';
import raceState from './race-state';
import lapControl from './lap-control';
import queue from './queue';
import statistics from './statistics';
import runnerQuery from './runner-query';
import lapsExport from './laps-export';
import raceEvents from './race-events';

export default { points, raceState, lapControl, queue, statistics, runnerQuery, lapsExport, raceEvents };
