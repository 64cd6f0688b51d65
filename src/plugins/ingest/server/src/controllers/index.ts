import logs from './logs';
import tokens from './tokens';
import classroom from './classroom';
import robotics from './robotics';

export default { logs, tokens, classroom, robotics };
