import health from './health';
import logs from './logs';

export default { health, logs };
