import health from './health';
import logs from './logs';
import classroom from './classroom';
import classroomPage from './classroom-page';
import robotics from './robotics';

export default { health, logs, classroom, classroomPage, robotics };
