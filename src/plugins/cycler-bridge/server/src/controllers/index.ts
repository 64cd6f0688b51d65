import monitor from './monitor';
import experiments from './experiments';
import health from './health';

export default { monitor, experiments, health };
