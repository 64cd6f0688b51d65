import logTokens from './log-tokens';
import logIngest from './log-ingest';
import retention from './retention';
import liveTail from './live-tail';
import rateLimiter from './rate-limiter';
import roboticsImport from './robotics-import';
import notebookSnapshots from './notebook-snapshots';
import classroomStudents from './classroom-students';

export default { logTokens, logIngest, retention, liveTail, rateLimiter, notebookSnapshots, classroomStudents, roboticsImport };
