import logs from './logs';
import tokens from './tokens';

export default { logs, tokens };
