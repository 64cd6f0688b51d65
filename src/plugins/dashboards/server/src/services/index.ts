import logsDashboard from './logs-dashboard';

export default { 'logs-dashboard': logsDashboard };
