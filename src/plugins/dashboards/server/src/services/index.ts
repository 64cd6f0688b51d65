import logsDashboard from './logs-dashboard';
import classroomProgress from './classroom-progress';

export default { 'logs-dashboard': logsDashboard, 'classroom-progress': classroomProgress };
