import { CLASSROOM_IMPORT, CLASSROOM_READ } from '../classroom/permissions';
import { requireAdmin } from '../permissions';

const q = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const FILTERS = [
  q('path', 'Regular expression the path must match'),
  q('from', 'now, a relative time (-1 days, -2 hours) or ISO 8601'),
  q('to', 'now, a relative time or ISO 8601'),
  q('latest', 'true: only the latest version of each path', { type: 'boolean' }),
  q('sort', 'Order of students', { type: 'string', enum: ['latest', 'ok', 'errors', 'uid', 'team'] }),
  q('limit', 'Row limit (1-5000, default 1000)', { type: 'integer', minimum: 1, maximum: 5000 }),
  q('uid', 'Only this student'),
];
const ok = (description: string) => ({
  200: { description: `${description}. name, email and attributes only for Teachers; a Student gets their own rows`, content: { 'application/json': { schema: { type: 'object' } } } },
  400: { $ref: '#/components/responses/BadRequest' },
  401: { $ref: '#/components/responses/Unauthorized' },
  403: { $ref: '#/components/responses/Forbidden' },
});
const OPENAPI: Record<string, Record<string, unknown>> = {
  snapshots: { summary: 'Notebook snapshots over time with their outcome counts', parameters: FILTERS, responses: ok('{ data: SnapshotPoint[], meta: { students, paths, limit, truncated, personal } }') },
  heatmap: { summary: 'Problem x student outcomes of one assignment (latest versions)', parameters: [q('assignment', 'Assignment folder (first path segment); default the first')], responses: ok('{ data: { assignment, problems, students, cells }, meta: { assignments, personal } }') },
  student: { summary: "One student's versions with their counts", responses: { ...ok('{ data: student & { versions }, meta: { personal } }'), 404: { $ref: '#/components/responses/NotFound' } } },
};

const routes = (prefix: string, config: (handler: string) => Record<string, unknown>) =>
  [
    ['snapshots', 'snapshots', 'Snapshots over time (filters: path regex, from, to, latest, sort, limit, uid).'],
    ['heatmap', 'heatmap', 'Problem x student outcomes of one assignment (latest versions).'],
    ['students/:uid', 'student', "One student's versions with their counts."],
  ].map(([path, handler, description]) => ({
    method: 'GET',
    path: `${prefix}/${path}`,
    handler: `classroom.${handler}`,
    config: { ...config(handler), description },
  }));

/** Admin routes of the Classroom page: an admin session with plugin::dashboards.classroom.read. */
export const classroomAdminRoutes = [
  ...routes('/classroom', () => ({ policies: requireAdmin(CLASSROOM_READ) })),
  // users.csv from the page (multipart field "file", or { csv }); answers NDJSON progress lines.
  { method: 'POST', path: '/classroom/students/import', handler: 'classroom.importStudents', config: { policies: requireAdmin(CLASSROOM_IMPORT) } },
];
const page = (summary: string, type: string) => ({ summary, responses: { 200: { description: summary, content: { [type]: { schema: { type: 'string' } } } } } });

/**
 * Content-API routes for platform users (users-permissions Teacher and Student, granted
 * plugin::dashboards.classroom.* when their role is created) and API tokens; the controller narrows
 * what each caller sees.
 */
export const classroomContentRoutes = [
  ...routes('/classroom', (handler) => ({ openapi: OPENAPI[handler] })),
  {
    method: 'GET',
    path: '/classroom/page',
    handler: 'classroomPage.html',
    config: { auth: false, description: 'The student progress page (signs in with a platform account).', openapi: page('The student progress page (HTML)', 'text/html') },
  },
  {
    method: 'GET',
    path: '/classroom/page.js',
    handler: 'classroomPage.script',
    config: { auth: false, description: 'Script of the student progress page.', openapi: page('Script of the student progress page', 'application/javascript') },
  },
];
