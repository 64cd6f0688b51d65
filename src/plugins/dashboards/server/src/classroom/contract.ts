/**
 * Shapes of the Classroom routes, shared by the server, the admin page and the student page (type
 * imports only). Personal fields (`name`, `email`, `attributes`) are present only for viewers allowed
 * to see them; the server leaves the keys out otherwise.
 */
export type Outcome = 'ok' | 'display' | 'stream' | 'error' | 'empty' | 'not_run';
export const OUTCOME_ORDER: Outcome[] = ['error', 'display', 'stream', 'ok', 'empty', 'not_run'];
export type Counts = Record<Outcome, number>;
export type SnapshotColor = 'red' | 'green' | 'blue';
export type ClassroomSort = 'latest' | 'ok' | 'errors' | 'uid' | 'team';
export const CLASSROOM_SORTS: ClassroomSort[] = ['latest', 'ok', 'errors', 'uid', 'team'];

export interface Personal {
  name?: string | null;
  email?: string | null;
  attributes?: Record<string, string> | null;
}

export interface ClassroomStudent extends Personal {
  uid: string;
  team: string | null;
}

export interface SnapshotPoint {
  documentId: string;
  uid: string;
  path: string;
  takenAt: string;
  versionLabel: string | null;
  sha256: string | null;
  size: number | null;
  isLatest: boolean;
  counts: Counts;
  graded: number;
  /** Share (0-1) of graded cells with any output (error included). */
  outputShare: number;
  color: SnapshotColor;
}

export interface SnapshotsResponse {
  data: SnapshotPoint[];
  meta: { students: ClassroomStudent[]; paths: string[]; limit: number; truncated: boolean; personal: boolean };
}

export interface HeatmapResponse {
  data: {
    assignment: string | null;
    problems: string[];
    students: ClassroomStudent[];
    cells: Array<{ uid: string; gradeId: string; outcome: Outcome; path: string }>;
  };
  meta: { assignments: string[]; personal: boolean };
}

export interface StudentDetailResponse {
  data: ClassroomStudent & { versions: SnapshotPoint[] };
  meta: { personal: boolean };
}
