import realtime from './realtime';

export default { realtime };
