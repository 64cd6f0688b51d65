import type { Knex } from 'knex';
import type { Core } from '@strapi/strapi';
import type {
  ClassroomStudent,
  Counts,
  HeatmapResponse,
  Outcome,
  SnapshotColor,
  SnapshotPoint,
  SnapshotsResponse,
  StudentDetailResponse,
} from '../classroom/contract';
import { invalid, parseFilters, type ClassroomFilters } from '../classroom/query';

const SNAPSHOT = 'api::classroom.notebook-snapshot';
const STUDENT = 'api::classroom.student';
const RESULT = 'api::classroom.problem-result';

/**
 * Who is asking. `personal`: may see real names, e-mails and private attributes (decided by the
 * controller from the caller's role). `studentId`: a logged-in Student sees only this student's rows
 * (null: a Student account linked to no student record sees nothing).
 */
export interface ClassroomViewer {
  personal: boolean;
  studentId?: number | null;
}

const OUTCOME_COLUMNS: Record<Outcome, string> = {
  ok: 'code_ok',
  display: 'code_display',
  stream: 'code_stream',
  error: 'code_error',
  empty: 'code_empty',
  not_run: 'code_not_run',
};

const toIso = (value: unknown): string => {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) return new Date(Number(value)).toISOString();
  return new Date(String(value)).toISOString();
};

const parseJson = (value: unknown): Record<string, string> | null => {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'object') return value as Record<string, string>;
  try {
    return JSON.parse(String(value));
  } catch {
    return null;
  }
};

/** Red: any error; green: some output and no empty cell; blue: everything else (the seed's colours). */
export function snapshotColor(counts: Counts): SnapshotColor {
  if (counts.error > 0) return 'red';
  if (counts.ok + counts.display + counts.stream > 0 && counts.empty === 0) return 'green';
  return 'blue';
}

const createClassroomProgressService = ({ strapi }: { strapi: Core.Strapi }) => {
  const meta = (uid: string) => strapi.db.metadata.get(uid as any) as any;
  const knex = () => strapi.db.connection;

  /** Snapshots joined to their student, limited to what the viewer may see. */
  function scoped(viewer: ClassroomViewer): Knex.QueryBuilder {
    const link = meta(SNAPSHOT).attributes.student.joinTable;
    const q = knex()(`${meta(SNAPSHOT).tableName} as s`)
      .join(`${link.name} as l`, `l.${link.joinColumn.name}`, 's.id')
      .join(`${meta(STUDENT).tableName} as st`, 'st.id', `l.${link.inverseJoinColumn.name}`);
    if (viewer.studentId !== undefined) q.where('st.id', viewer.studentId ?? -1);
    return q;
  }

  /** Personal columns are selected only for viewers allowed to see them: what is not read cannot leak. */
  const studentColumns = (viewer: ClassroomViewer) => [
    'st.uid as uid',
    'st.team as team',
    ...(viewer.personal ? ['st.real_name as real_name', 'st.email as email', 'st.private_attributes as private_attributes'] : []),
  ];

  const studentOf = (row: any, viewer: ClassroomViewer): ClassroomStudent => ({
    uid: row.uid,
    team: row.team ?? null,
    ...(viewer.personal ? { name: row.real_name ?? null, email: row.email ?? null, attributes: parseJson(row.private_attributes) } : {}),
  });

  const snapshotColumns = [
    's.id as id',
    's.document_id as document_id',
    's.path as path',
    's.taken_at as taken_at',
    's.version_label as version_label',
    's.sha_256 as sha_256',
    's.size as size',
    's.is_latest as is_latest',
    ...Object.values(OUTCOME_COLUMNS).map((c) => `s.${c} as ${c}`),
  ];

  function pointOf(row: any): SnapshotPoint {
    const counts = Object.fromEntries(Object.entries(OUTCOME_COLUMNS).map(([o, c]) => [o, Number(row[c] ?? 0)])) as Counts;
    const graded = Object.values(counts).reduce((a, b) => a + b, 0);
    const withOutput = counts.ok + counts.display + counts.stream + counts.error;
    return {
      documentId: row.document_id,
      uid: row.uid,
      path: row.path,
      takenAt: toIso(row.taken_at),
      versionLabel: row.version_label ?? null,
      sha256: row.sha_256 ?? null,
      size: row.size === null || row.size === undefined ? null : Number(row.size),
      isLatest: row.is_latest === true || row.is_latest === 1,
      counts,
      graded,
      outputShare: graded ? withOutput / graded : 0,
      color: snapshotColor(counts),
    };
  }

  async function pathsSeen(viewer: ClassroomViewer): Promise<string[]> {
    const rows = await scoped(viewer).distinct('s.path as path').orderBy('s.path');
    return rows.map((r: any) => r.path);
  }

  /** The regular expression is applied in JavaScript to the distinct paths (SQLite has no REGEXP). */
  async function applyFilters(q: Knex.QueryBuilder, filters: ClassroomFilters, viewer: ClassroomViewer, paths?: string[]) {
    if (filters.pathPattern) {
      const all = paths ?? (await pathsSeen(viewer));
      const matching = all.filter((p) => filters.pathPattern!.test(p));
      if (!matching.length) q.whereRaw('1 = 0');
      else q.whereIn('s.path', matching);
    }
    if (filters.from) q.where('s.taken_at', '>=', filters.from);
    if (filters.to) q.where('s.taken_at', '<=', filters.to);
    if (filters.latestOnly) q.where('s.is_latest', true);
    if (filters.uid) q.where('st.uid', filters.uid);
    return q;
  }

  /** Students in the order the dashboard's "sort by" asks for, from the snapshots shown. */
  function orderStudents(points: SnapshotPoint[], students: Map<string, ClassroomStudent>, sort: ClassroomFilters['sort']): ClassroomStudent[] {
    const latestByStudent = new Map<string, Map<string, SnapshotPoint>>();
    for (const p of points) {
      const byPath = latestByStudent.get(p.uid) ?? new Map<string, SnapshotPoint>();
      const seen = byPath.get(p.path);
      if (!seen || seen.takenAt < p.takenAt) byPath.set(p.path, p);
      latestByStudent.set(p.uid, byPath);
    }
    const score = (uid: string, f: (p: SnapshotPoint) => number) => [...(latestByStudent.get(uid)?.values() ?? [])].reduce((n, p) => n + f(p), 0);
    const last = (uid: string) => [...(latestByStudent.get(uid)?.values() ?? [])].reduce((m, p) => (p.takenAt > m ? p.takenAt : m), '');
    const list = [...students.values()];
    const byUid = (a: ClassroomStudent, b: ClassroomStudent) => a.uid.localeCompare(b.uid);
    const compare: Record<ClassroomFilters['sort'], (a: ClassroomStudent, b: ClassroomStudent) => number> = {
      latest: (a, b) => last(b.uid).localeCompare(last(a.uid)) || byUid(a, b),
      ok: (a, b) => score(b.uid, (p) => p.counts.ok) - score(a.uid, (p) => p.counts.ok) || byUid(a, b),
      errors: (a, b) => score(b.uid, (p) => p.counts.error) - score(a.uid, (p) => p.counts.error) || byUid(a, b),
      uid: byUid,
      team: (a, b) => (a.team ?? '\uffff').localeCompare(b.team ?? '\uffff') || byUid(a, b),
    };
    return list.sort(compare[sort]);
  }

  return {
    parseFilters,

    async snapshots(query: Record<string, unknown>, viewer: ClassroomViewer): Promise<SnapshotsResponse> {
      const filters = parseFilters(query);
      const paths = await pathsSeen(viewer);
      const q = scoped(viewer).select([...snapshotColumns, ...studentColumns(viewer)]);
      await applyFilters(q, filters, viewer, paths);
      const rows = await q.orderBy('s.taken_at', 'desc').orderBy('s.id', 'desc').limit(filters.limit + 1);
      const truncated = rows.length > filters.limit;
      const shown = rows.slice(0, filters.limit);
      const students = new Map<string, ClassroomStudent>();
      for (const r of shown) if (!students.has(r.uid)) students.set(r.uid, studentOf(r, viewer));
      const points = shown.map(pointOf);
      return {
        data: points,
        meta: { students: orderStudents(points, students, filters.sort), paths, limit: filters.limit, truncated, personal: viewer.personal },
      };
    },

    /**
     * Problem x student outcomes for one assignment (the notebooks under `<assignment>/`), from each
     * student's latest version of each notebook.
     */
    async heatmap(query: Record<string, unknown>, viewer: ClassroomViewer): Promise<HeatmapResponse> {
      const paths = await pathsSeen(viewer);
      const assignments = [...new Set(paths.filter((p) => p.includes('/')).map((p) => p.split('/')[0]))].sort();
      if (query.assignment !== undefined && typeof query.assignment !== 'string') throw invalid('assignment', 'must be one value');
      const requested = typeof query.assignment === 'string' && query.assignment !== '' ? query.assignment : assignments[0] ?? null;
      const empty = { assignment: requested, problems: [], students: [], cells: [] };
      if (!requested) return { data: empty, meta: { assignments, personal: viewer.personal } };

      // A result's snapshot is a plain column (useJoinTable: false), not a link table.
      const snapshotColumn: string = meta(RESULT).attributes.snapshot.joinColumn.name;
      const rows = await scoped(viewer)
        .join(`${meta(RESULT).tableName} as r`, `r.${snapshotColumn}`, 's.id')
        .where('s.is_latest', true)
        // LIKE narrows (its _ and % wildcards only widen the match); the exact prefix is checked below.
        .where('s.path', 'like', `${requested}/%`)
        .select(['s.path as path', 'r.grade_id as grade_id', 'r.outcome as outcome', 'r.id as result_id', ...studentColumns(viewer)])
        .orderBy('s.path')
        .orderBy('r.id');
      const problems: string[] = [];
      const students = new Map<string, ClassroomStudent>();
      const cells: HeatmapResponse['data']['cells'] = [];
      for (const r of rows as any[]) {
        if (!r.path.startsWith(`${requested}/`)) continue;
        if (!problems.includes(r.grade_id)) problems.push(r.grade_id);
        if (!students.has(r.uid)) students.set(r.uid, studentOf(r, viewer));
        cells.push({ uid: r.uid, gradeId: r.grade_id, outcome: r.outcome, path: r.path });
      }
      return {
        data: { assignment: requested, problems, students: [...students.values()].sort((a, b) => a.uid.localeCompare(b.uid)), cells },
        meta: { assignments, personal: viewer.personal },
      };
    },

    /** One student's versions (every path, newest first) with their counts; null when not visible. */
    async student(uid: string, viewer: ClassroomViewer): Promise<StudentDetailResponse | null> {
      const studentQuery = knex()(`${meta(STUDENT).tableName} as st`).where('st.uid', uid).select(['st.id as id', ...studentColumns(viewer)]);
      if (viewer.studentId !== undefined) studentQuery.where('st.id', viewer.studentId ?? -1);
      const student = await studentQuery.first();
      if (!student) return null;
      const rows = await scoped(viewer).where('st.id', student.id).select([...snapshotColumns, 'st.uid as uid']).orderBy('s.path').orderBy('s.taken_at', 'desc').orderBy('s.id', 'desc');
      return { data: { ...studentOf(student, viewer), versions: rows.map(pointOf) }, meta: { personal: viewer.personal } };
    },
  };
};

export type ClassroomProgressService = ReturnType<typeof createClassroomProgressService>;
export default createClassroomProgressService;
