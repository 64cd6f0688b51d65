/** Admin RBAC actions of the Classroom page (registered by the dashboards plugin's register). */
export const CLASSROOM_READ = 'plugin::dashboards.classroom.read';
/** Real names, e-mails and private attributes of students on the Classroom page and its routes. */
export const CLASSROOM_PERSONAL = 'plugin::dashboards.classroom.personal';
/** Importing users.csv (creates and updates students, their names and e-mails included). */
export const CLASSROOM_IMPORT = 'plugin::dashboards.classroom.import';

export const CLASSROOM_ACTIONS = [
  { section: 'plugins', pluginName: 'dashboards', uid: 'classroom.read', displayName: 'Read classroom progress' },
  { section: 'plugins', pluginName: 'dashboards', uid: 'classroom.personal', displayName: "See students' names and e-mails" },
  { section: 'plugins', pluginName: 'dashboards', uid: 'classroom.import', displayName: 'Import students (users.csv)' },
];

/** users-permissions role types that see personal fields on the content API (Student sees its own rows only, uid only). */
export const PERSONAL_END_USER_ROLES = ['teacher'];
export const STUDENT_END_USER_ROLE = 'student';
