import fs from 'fs';
import { answerWithNdjson } from '../../../../../platform/ndjson-progress';
import type { Core } from '@strapi/strapi';
import { StudentCsvError, type ClassroomStudentsService } from '../../../../ingest/server/src/services/classroom-students';
import { CLASSROOM_PERSONAL, PERSONAL_END_USER_ROLES, STUDENT_END_USER_ROLE } from '../classroom/permissions';
import { invalid } from '../classroom/query';
import type { ClassroomViewer } from '../services/classroom-progress';
import { getService } from '../utils';

/**
 * The viewer of a Classroom request, decided on the server from the caller's credentials only:
 * - admin session: personal fields with plugin::dashboards.classroom.personal;
 * - users-permissions Teacher: personal fields; Student: their own student record only, no personal
 *   fields; any other role or an API token: uid only.
 */
export async function viewerOf(strapi: Core.Strapi, ctx: any): Promise<ClassroomViewer> {
  const strategy: string | undefined = ctx.state?.auth?.strategy?.name;
  if (strategy === 'admin') return { personal: Boolean(ctx.state.userAbility?.can(CLASSROOM_PERSONAL)) };
  const roleType: string | undefined = strategy === 'users-permissions' ? ctx.state.user?.role?.type : undefined;
  if (roleType === STUDENT_END_USER_ROLE) {
    // student.user is a one-to-one relation: a link table (student id, user id).
    const link = (strapi.db.metadata.get('api::classroom.student' as any) as any).attributes.user.joinTable;
    const row = await strapi.db.connection(link.name).where(link.inverseJoinColumn.name, ctx.state.user.id).first(link.joinColumn.name);
    return { personal: false, studentId: row ? Number(row[link.joinColumn.name]) : null };
  }
  return { personal: roleType !== undefined && PERSONAL_END_USER_ROLES.includes(roleType) };
}

/** Same handlers for the admin routes (/dashboards/classroom/*) and the content API (/api/dashboards/classroom/*). */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const progress = () => getService('classroom-progress', strapi);
  return {
    async snapshots(ctx) {
      ctx.body = await progress().snapshots(ctx.query, await viewerOf(strapi, ctx));
    },
    async heatmap(ctx) {
      ctx.body = await progress().heatmap(ctx.query, await viewerOf(strapi, ctx));
    },
    async student(ctx) {
      const uid = ctx.params.uid;
      if (typeof uid !== 'string' || !uid) throw invalid('uid', 'is required');
      const detail = await progress().student(uid, await viewerOf(strapi, ctx));
      if (!detail) return ctx.notFound(`No student "${uid}" visible to you`);
      ctx.body = detail;
    },

    /**
     * POST /dashboards/classroom/students/import: users.csv from the Classroom page, written by the
     * ingest plugin's service (the same as POST /api/ingest/classroom/students). A file that cannot be
     * used (no uid or notebooks column) is a 400 before anything is written; otherwise the answer is
     * NDJSON: `{ total }`, `{ done, total }` lines while rows are written (the page's progress bar),
     * then `{ result: { created, updated, rejected: [{ row, reason }] } }` or `{ error }` (rolled back).
     */
    async importStudents(ctx) {
      const files = ctx.request.files?.file;
      const file = Array.isArray(files) ? files[0] : files;
      const csv: unknown = file ? await fs.promises.readFile(file.filepath ?? file.path, 'utf8') : ctx.request.body?.csv;
      if (typeof csv !== 'string' || csv.trim() === '') {
        ctx.status = 400;
        ctx.body = { error: { status: 400, name: 'ValidationError', message: 'file: send users.csv as the multipart field "file" (or JSON { "csv": "..." })', details: { field: 'file' } } };
        return;
      }
      const students = strapi.plugin('ingest').service('classroomStudents') as ClassroomStudentsService;
      let parsed: ReturnType<ClassroomStudentsService['parse']>;
      try {
        parsed = students.parse(csv);
      } catch (error) {
        if (!(error instanceof StudentCsvError)) throw error;
        ctx.status = 400;
        ctx.body = { error: { status: 400, name: 'ValidationError', message: error.message, details: { field: 'file' } } };
        return;
      }
      const { line, end } = answerWithNdjson(ctx);
      const total = parsed.rows.length;
      line({ total, rejected: parsed.rejected.length });
      let reported = 0;
      students
        .importRows(parsed, (done) => {
          // About a hundred lines for a large file, every row for a small one.
          if (done - reported >= Math.max(1, Math.floor(total / 100)) || done === total) {
            reported = done;
            line({ done, total });
            return new Promise<void>((resolve) => setImmediate(resolve));
          }
          return undefined;
        })
        .then(
          (result) => line({ result }),
          (error) => {
            strapi.log.error(`[dashboards] students import failed: ${error?.stack ?? error}`);
            line({ error: { status: 500, message: `import failed, nothing was written: ${error?.message ?? error}` } });
          },
        )
        .finally(end);
    },
  };
};
