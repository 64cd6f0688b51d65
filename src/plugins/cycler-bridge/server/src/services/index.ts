import broker from './broker';
import bridge from './bridge';
import sampleWriter from './sample-writer';
import stations from './stations';
import newExperiment from './new-experiment';

export default { broker, bridge, sampleWriter, stations, newExperiment };
