/** Admin permission of the Classroom page and its menu link (registered by the server half). */
export const CLASSROOM_READ = [{ action: 'plugin::dashboards.classroom.read', subject: null }];
export const CLASSROOM_PAGE_PATH = '/plugins/dashboards/classroom';
/** Importing users.csv on the Classroom page (Teacher and above; the server checks it too). */
export const CLASSROOM_IMPORT = [{ action: 'plugin::dashboards.classroom.import', subject: null }];
