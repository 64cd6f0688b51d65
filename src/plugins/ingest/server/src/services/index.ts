import logTokens from './log-tokens';
import logIngest from './log-ingest';
import retention from './retention';
import liveTail from './live-tail';
import rateLimiter from './rate-limiter';

export default { logTokens, logIngest, retention, liveTail, rateLimiter };
