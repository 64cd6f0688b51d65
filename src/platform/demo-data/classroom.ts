/**
 * Notebook progress demo (nbgrader monitoring): a course, one assignment with its graded problems,
 * three students, and two snapshots of each student's notebook (an early one and the latest), each
 * with the outcome of every graded cell.
 */
import { createHash } from 'crypto';
import type { DemoSeeder } from './seeder';
import { demoRandom, secondsAfter, type DemoRandom } from './random';

const COURSE = 'api::classroom.course';
const ASSIGNMENT = 'api::classroom.assignment';
const STUDENT = 'api::classroom.student';
const SNAPSHOT = 'api::classroom.notebook-snapshot';
const PROBLEM_RESULT = 'api::classroom.problem-result';

type Outcome = 'ok' | 'display' | 'stream' | 'error' | 'empty' | 'not_run';
const OUTCOMES: Outcome[] = ['ok', 'display', 'stream', 'error', 'empty', 'not_run'];

const COURSE_DATA = {
  name: 'Introduction to Programming in Python (2025)',
  code: 'PY101',
  description: 'First-year course; students work in Jupyter notebooks graded with nbgrader.',
};

const ASSIGNMENT_NAME = 'pset1: loops and functions';
const NOTEBOOK = 'pset1.ipynb';
const PROBLEMS = [
  { grade_id: 'p1-sum-of-list', points: 2 },
  { grade_id: 'p2-fizzbuzz', points: 2 },
  { grade_id: 'p3-primes', points: 3 },
  { grade_id: 'p4-word-count', points: 3 },
];

/** `progress` is how far along a student is at the first snapshot: the share of problems solved. */
const STUDENTS = [
  { uid: 'st001', real_name: 'Haruka Sato', email: 'haruka.sato@example.ac.jp', team: 'A', progress: 0.85 },
  { uid: 'st002', real_name: 'Kenji Tanaka', email: 'kenji.tanaka@example.ac.jp', team: 'A', progress: 0.55 },
  { uid: 'st003', real_name: 'Yui Nakamura', email: 'yui.nakamura@example.ac.jp', team: 'B', progress: 0.3 },
];

/** Snapshots as rsync takes them: an early copy (kept as a .bak) and the latest file. */
const SNAPSHOT_TIMES = [
  { taken_at: '2025-10-06T10:15:00.000Z', label: 'bak_2025-10-06T10:15:00', latest: false },
  { taken_at: '2025-10-08T16:40:00.000Z', label: 'latest', latest: true },
];

/**
 * Outcomes of every problem in each snapshot. A problem is solved from some snapshot on and keeps the
 * outcome it was solved with; before that it errors, is empty or was not run.
 */
function planOutcomes(random: DemoRandom, progress: number): Outcome[][] {
  const problems = PROBLEMS.map(() => ({
    difficulty: random.next(),
    solved: random.pick(['ok', 'ok', 'display', 'stream'] as const),
  }));
  // Each snapshot is further along: a problem is solved once the student's progress passes its difficulty.
  return SNAPSHOT_TIMES.map((_, index) =>
    problems.map(({ difficulty, solved }) =>
      difficulty < progress + index * 0.25 ? solved : random.pick(['error', 'empty', 'not_run'] as const),
    ),
  );
}

export async function seedClassroom(seeder: DemoSeeder): Promise<void> {
  const random = demoRandom(0xc1a55);
  const course = await seeder.ensure(COURSE, ['name'], COURSE_DATA);
  const assignment = await seeder.ensure(ASSIGNMENT, ['course', 'name'], {
    course: course.documentId,
    name: ASSIGNMENT_NAME,
    problems: PROBLEMS,
  });

  for (const { progress, ...studentData } of STUDENTS) {
    const notebooks_path = `home/${studentData.uid}/notebooks`;
    const student = await seeder.ensure(STUDENT, ['uid'], { ...studentData, notebooks_path });

    const outcomesBySnapshot = planOutcomes(random, progress);
    for (const [index, time] of SNAPSHOT_TIMES.entries()) {
      const outcomes = outcomesBySnapshot[index];
      const counts = Object.fromEntries(OUTCOMES.map((o) => [`code_${o}`, outcomes.filter((x) => x === o).length]));
      const path = `${notebooks_path}/${NOTEBOOK}`;
      const snapshot = await seeder.ensure(SNAPSHOT, ['sha256'], {
        student: student.documentId,
        assignment: assignment.documentId,
        path,
        taken_at: secondsAfter(time.taken_at, random.int(0, 1800)),
        version_label: time.label,
        // Stands in for the hash of the copied file's bytes.
        sha256: createHash('sha256').update(`${path}\n${time.label}\n${outcomes.join(',')}`).digest('hex'),
        is_latest: time.latest,
        ...counts,
      });
      await seeder.ensureAll(
        PROBLEM_RESULT,
        ['snapshot', 'grade_id'],
        PROBLEMS.map((problem, p) => ({ snapshot: snapshot.documentId, grade_id: problem.grade_id, outcome: outcomes[p] })),
      );
    }
  }
}
