import crypto from 'crypto';
import type { Knex } from 'knex';
import type { Core } from '@strapi/strapi';
import { documentIds } from './document-ids';
import { emptyCounts, NotebookError, parseNotebook, type OutcomeCounts, type ParsedNotebook } from './notebook-parser';
import { isPostgres } from '../utils';

export const SNAPSHOT_UID = 'api::classroom.notebook-snapshot';
export const RESULT_UID = 'api::classroom.problem-result';
export const STUDENT_UID = 'api::classroom.student';
export const ASSIGNMENT_UID = 'api::classroom.assignment';

/** What the sync agent posts for one file version. */
export interface SnapshotInput {
  uid: string;
  /** Relative to the student's notebooks directory, '/'-separated. */
  path: string;
  /** The file's mtime: ISO 8601 or epoch milliseconds. */
  taken_at: string | number;
  size?: number;
  /** Hex SHA-256 of the bytes; required without content, checked against it with content. */
  sha256?: string;
  /** The file as UTF-8 text (required for .ipynb). */
  content?: string;
  version_label?: string;
}

export interface SnapshotRejection {
  index: number;
  file: string;
  reason: string;
}

export interface SnapshotBatchResult {
  stored: number;
  duplicates: number;
  rejected: SnapshotRejection[];
  snapshots: Array<{ index: number; documentId: string; duplicate: boolean }>;
}

interface ValidSnapshot {
  index: number;
  uid: string;
  path: string;
  takenAt: Date;
  size: number | null;
  sha256: string;
  versionKey: string;
  versionLabel: string | null;
  parsed: ParsedNotebook | null;
}

const SHA256 = /^[0-9a-f]{64}$/;
const SQLITE_CHUNK = 400;
const POSTGRES_CHUNK = 5_000;

/** nbgrader keeps an assignment's notebooks in a folder named after it: `<assignment>/<notebook>.ipynb`. */
export const assignmentOf = (path: string): string | null => (path.includes('/') ? path.split('/')[0] : null);

export class SnapshotInputError extends Error {}

const sha256Hex = (text: string | Buffer) => crypto.createHash('sha256').update(text).digest('hex');

/** The identity of a version: one student's path with one content. */
export const versionKey = (uid: string, path: string, sha: string) => sha256Hex(`${uid}\u0000${path}\u0000${sha}`);

function parseTime(value: unknown): Date | null {
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    const d = new Date(Number(value));
    return Number.isFinite(d.getTime()) ? d : null;
  }
  if (typeof value !== 'string') return null;
  const d = new Date(value);
  return Number.isFinite(d.getTime()) && /^\d{4}-\d{2}-\d{2}/.test(value) ? d : null;
}

/** Validates and parses one posted file; throws SnapshotInputError naming the problem. */
function validate(input: unknown, index: number, now: number, maxFileBytes: number): ValidSnapshot {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new SnapshotInputError('must be an object');
  const item = input as Record<string, unknown>;
  const uid = item.uid;
  if (typeof uid !== 'string' || uid.trim() === '' || uid.length > 255) throw new SnapshotInputError('uid is required (a string of at most 255 characters)');
  const path = item.path;
  if (typeof path !== 'string' || path === '' || path.length > 255) throw new SnapshotInputError('path is required (at most 255 characters)');
  if (path.startsWith('/') || path.split('/').some((p) => p === '..' || p === '')) throw new SnapshotInputError('path must be relative to the student directory (no leading /, no .. or empty segments)');
  const takenAt = parseTime(item.taken_at);
  if (!takenAt) throw new SnapshotInputError('taken_at must be an ISO 8601 time or epoch milliseconds');
  if (takenAt.getTime() > now + 24 * 3600_000) throw new SnapshotInputError('taken_at is more than a day in the future');
  if (item.size !== undefined && (typeof item.size !== 'number' || !Number.isInteger(item.size) || item.size < 0)) throw new SnapshotInputError('size must be a non-negative integer');
  if (item.version_label !== undefined && (typeof item.version_label !== 'string' || item.version_label.length > 255)) throw new SnapshotInputError('version_label must be a string of at most 255 characters');
  const content = item.content;
  if (content !== undefined && typeof content !== 'string') throw new SnapshotInputError('content must be the file as a UTF-8 string');
  const given = item.sha256;
  if (given !== undefined && (typeof given !== 'string' || !SHA256.test(given))) throw new SnapshotInputError('sha256 must be 64 lowercase hex digits');

  let sha256: string;
  let parsed: ParsedNotebook | null = null;
  const isNotebook = path.toLowerCase().endsWith('.ipynb');
  if (typeof content === 'string') {
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > maxFileBytes) throw new SnapshotInputError(`content is ${bytes} bytes; the limit is ${maxFileBytes}`);
    sha256 = sha256Hex(content);
    if (given !== undefined && given !== sha256) throw new SnapshotInputError('sha256 does not match the content');
    if (isNotebook) {
      try {
        parsed = parseNotebook(content);
      } catch (error) {
        if (error instanceof NotebookError) throw new SnapshotInputError(`${path}: ${error.message}`);
        throw error;
      }
    }
  } else {
    if (isNotebook) throw new SnapshotInputError('content is required for .ipynb files');
    if (given === undefined) throw new SnapshotInputError('sha256 is required when content is not sent');
    sha256 = given as string;
  }
  return {
    index,
    uid,
    path,
    takenAt,
    size: typeof item.size === 'number' ? item.size : null,
    sha256,
    versionKey: versionKey(uid, path, sha256),
    versionLabel: typeof item.version_label === 'string' ? item.version_label : null,
    parsed,
  };
}

type JoinTable = {
  name: string;
  joinColumn: { name: string };
  inverseJoinColumn: { name: string };
  orderColumnName?: string;
  inverseOrderColumnName?: string;
};

const createNotebookSnapshotsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const meta = (uid: string) => strapi.db.metadata.get(uid as any) as any;
  const table = (uid: string): string => meta(uid).tableName;
  const joinTable = (uid: string, attribute: string): JoinTable => meta(uid).attributes[attribute].joinTable;

  async function insertRows(trx: Knex.Transaction, tableName: string, rows: Record<string, unknown>[]) {
    const size = isPostgres(strapi) ? POSTGRES_CHUNK : SQLITE_CHUNK;
    for (let i = 0; i < rows.length; i += size) await trx(tableName).insert(rows.slice(i, i + size));
  }

  /**
   * Snapshot rows, skipping versions already stored: ON CONFLICT (version_key) DO NOTHING settles a
   * concurrent post of the same version, and RETURNING tells which rows are new.
   */
  async function insertSnapshots(trx: Knex.Transaction, items: ValidSnapshot[], now: Date) {
    const ids = documentIds(items.length, now.getTime());
    const rows = items.map((s, i) => {
      const counts: OutcomeCounts = s.parsed?.counts ?? emptyCounts();
      return {
        document_id: ids[i],
        path: s.path,
        taken_at: s.takenAt,
        version_label: s.versionLabel,
        sha_256: s.sha256,
        size: s.size,
        version_key: s.versionKey,
        is_latest: false,
        ...counts,
        created_at: now,
        updated_at: now,
        published_at: now,
      };
    });
    const inserted = new Map<string, { id: number; document_id: string }>();
    const size = isPostgres(strapi) ? POSTGRES_CHUNK : SQLITE_CHUNK;
    for (let i = 0; i < rows.length; i += size) {
      const returned = (await trx(table(SNAPSHOT_UID))
        .insert(rows.slice(i, i + size))
        .onConflict('version_key')
        .ignore()
        .returning(['id', 'document_id', 'version_key'])) as Array<{ id: number; document_id: string; version_key: string }>;
      for (const r of returned) inserted.set(r.version_key, { id: Number(r.id), document_id: r.document_id });
    }
    return inserted;
  }

  /** Moves is_latest of every touched (student, path) to its newest version (taken_at, then id). */
  async function moveLatest(trx: Knex.Transaction, touched: Array<{ studentId: number; path: string; id: number; takenAt: Date }>) {
    if (!touched.length) return;
    const link = joinTable(SNAPSHOT_UID, 'student');
    const snapshots = table(SNAPSHOT_UID);
    const studentIds = [...new Set(touched.map((t) => t.studentId))];
    const paths = [...new Set(touched.map((t) => t.path))];
    const current = (await trx(`${snapshots} as s`)
      .join(`${link.name} as l`, `l.${link.joinColumn.name}`, 's.id')
      .where('s.is_latest', true)
      .whereIn(`l.${link.inverseJoinColumn.name}`, studentIds)
      .whereIn('s.path', paths)
      .select('s.id as id', 's.path as path', 's.taken_at as taken_at', `l.${link.inverseJoinColumn.name} as student_id`)) as Array<{ id: number; path: string; taken_at: unknown; student_id: number }>;
    const best = new Map<string, { id: number; time: number; isNew: boolean }>();
    const consider = (key: string, id: number, time: number, isNew: boolean) => {
      const b = best.get(key);
      if (!b || time > b.time || (time === b.time && id > b.id)) best.set(key, { id, time, isNew });
    };
    const touchedKeys = new Set(touched.map((t) => `${t.studentId}\u0000${t.path}`));
    const oldLatest: number[] = [];
    for (const row of current) {
      const key = `${Number(row.student_id)}\u0000${row.path}`;
      if (!touchedKeys.has(key)) continue;
      oldLatest.push(Number(row.id));
      const time = row.taken_at instanceof Date ? row.taken_at.getTime() : new Date(row.taken_at as any).getTime() || Number(row.taken_at);
      consider(key, Number(row.id), time, false);
    }
    for (const t of touched) consider(`${t.studentId}\u0000${t.path}`, t.id, t.takenAt.getTime(), true);
    const winners = new Set([...best.values()].map((b) => b.id));
    const losers = oldLatest.filter((id) => !winners.has(id));
    const newWinners = [...best.values()].filter((b) => b.isNew).map((b) => b.id);
    for (let i = 0; i < losers.length; i += 500) await trx(snapshots).whereIn('id', losers.slice(i, i + 500)).update({ is_latest: false });
    for (let i = 0; i < newWinners.length; i += 500) await trx(snapshots).whereIn('id', newWinners.slice(i, i + 500)).update({ is_latest: true });
  }

  /**
   * Problem results, 50 or so per notebook: most of the rows a batch writes. Their `snapshot` relation
   * is a plain `snapshot_id` column (`useJoinTable: false` in the schema), not a link table, so one
   * row per result instead of two (docs/classroom.md, Benchmark). PostgreSQL: one statement per chunk,
   * the rows travelling as one JSON parameter (json_to_recordset, parsed in C), since ~10,000 bound
   * parameters per chunk were most of a batch's time (as measured for the logs path, docs/ingest.md).
   * SQLite: multi-row inserts.
   */
  async function insertResults(trx: Knex.Transaction, results: Array<{ snapshotId: number; grade_id: string; outcome: string }>, now: Date) {
    const resultIds = documentIds(results.length, now.getTime());
    const snapshotColumn: string = meta(RESULT_UID).attributes.snapshot.joinColumn.name;
    if (isPostgres(strapi)) {
      const stamp = now.toISOString();
      for (let i = 0; i < results.length; i += POSTGRES_CHUNK) {
        const rows = JSON.stringify(results.slice(i, i + POSTGRES_CHUNK).map((r, k) => ({ d: resultIds[i + k], g: r.grade_id, o: r.outcome, s: r.snapshotId })));
        await trx.raw(
          `insert into ?? (document_id, grade_id, outcome, ??, created_at, updated_at, published_at)
           select d, g, o, s, ?::timestamptz, ?::timestamptz, ?::timestamptz
           from json_to_recordset(?::json) as u(d varchar, g varchar, o varchar, s integer)`,
          [table(RESULT_UID), snapshotColumn, stamp, stamp, stamp, rows],
        );
      }
      return;
    }
    await insertRows(trx, table(RESULT_UID), results.map((r, i) => ({
      document_id: resultIds[i],
      grade_id: r.grade_id,
      outcome: r.outcome,
      [snapshotColumn]: r.snapshotId,
      created_at: now,
      updated_at: now,
      published_at: now,
    })));
  }

  const service = {
    /**
     * Stores a batch of file versions from the sync agent. Each file is validated (and parsed when it
     * is a notebook) on its own: a bad one is reported by index and path and the rest are stored, in
     * one transaction. A version already stored (same student, path and hash) is counted as a
     * duplicate and stored nothing.
     */
    async ingestSnapshots(inputs: unknown[], options: { maxFileBytes: number }): Promise<SnapshotBatchResult> {
      const now = new Date();
      const rejected: SnapshotRejection[] = [];
      const valid: ValidSnapshot[] = [];
      inputs.forEach((input, index) => {
        try {
          valid.push(validate(input, index, now.getTime(), options.maxFileBytes));
        } catch (error) {
          if (!(error instanceof SnapshotInputError)) throw error;
          const file = input && typeof input === 'object' && typeof (input as any).path === 'string' ? String((input as any).path).slice(0, 255) : `#${index}`;
          rejected.push({ index, file, reason: error.message });
        }
      });
      const uids = [...new Set(valid.map((v) => v.uid))];
      const students = new Map<string, number>();
      for (let i = 0; i < uids.length; i += 500) {
        const rows = await strapi.db.connection(table(STUDENT_UID)).whereIn('uid', uids.slice(i, i + 500)).select('id', 'uid');
        for (const r of rows) students.set(r.uid, Number(r.id));
      }
      const known = valid.filter((v) => {
        if (students.has(v.uid)) return true;
        rejected.push({ index: v.index, file: v.path, reason: `unknown student uid "${v.uid.slice(0, 100)}" (import the students first)` });
        return false;
      });
      rejected.sort((a, b) => a.index - b.index);

      // One version once, even when a batch repeats it.
      const firstByKey = new Map<string, ValidSnapshot>();
      for (const v of known) if (!firstByKey.has(v.versionKey)) firstByKey.set(v.versionKey, v);
      const unique = [...firstByKey.values()];

      const assignmentNames = [...new Set(unique.map((v) => assignmentOf(v.path)).filter((a): a is string => a !== null))];
      const assignments = new Map<string, number>();
      if (assignmentNames.length) {
        const rows = await strapi.db.connection(table(ASSIGNMENT_UID)).whereIn('name', assignmentNames).select('id', 'name');
        for (const r of rows) assignments.set(r.name, Number(r.id));
      }

      const stored = new Map<string, { id: number; document_id: string }>();
      const existing = new Map<string, string>();
      if (unique.length) {
        await strapi.db.connection.transaction(async (trx) => {
          const studentIds = [...new Set(unique.map((v) => students.get(v.uid)!))].sort((a, b) => a - b);
          // Batches touching the same students take turns, so is_latest stays single per path.
          if (isPostgres(strapi)) await trx(table(STUDENT_UID)).whereIn('id', studentIds).orderBy('id').forUpdate().select('id');
          const inserted = await insertSnapshots(trx, unique, now);
          const fresh = unique.filter((v) => inserted.has(v.versionKey));
          for (const [k, r] of inserted) stored.set(k, r);

          const studentLink = joinTable(SNAPSHOT_UID, 'student');
          await insertRows(trx, studentLink.name, fresh.map((v) => ({
            [studentLink.joinColumn.name]: inserted.get(v.versionKey)!.id,
            [studentLink.inverseJoinColumn.name]: students.get(v.uid)!,
            ...(studentLink.inverseOrderColumnName ? { [studentLink.inverseOrderColumnName]: 1 } : {}),
          })));
          const assignmentLink = joinTable(SNAPSHOT_UID, 'assignment');
          await insertRows(trx, assignmentLink.name, fresh
            .filter((v) => assignments.has(assignmentOf(v.path) ?? ''))
            .map((v) => ({
              [assignmentLink.joinColumn.name]: inserted.get(v.versionKey)!.id,
              [assignmentLink.inverseJoinColumn.name]: assignments.get(assignmentOf(v.path)!)!,
              ...(assignmentLink.inverseOrderColumnName ? { [assignmentLink.inverseOrderColumnName]: 1 } : {}),
            })));
          const results = fresh.flatMap((v) => (v.parsed?.results ?? []).map((r) => ({ snapshotId: inserted.get(v.versionKey)!.id, ...r })));
          if (results.length) await insertResults(trx, results, now);

          await moveLatest(trx, fresh.map((v) => ({ studentId: students.get(v.uid)!, path: v.path, id: inserted.get(v.versionKey)!.id, takenAt: v.takenAt })));
          const dupKeys = unique.filter((v) => !inserted.has(v.versionKey)).map((v) => v.versionKey);
          for (let i = 0; i < dupKeys.length; i += 500) {
            const rows = await trx(table(SNAPSHOT_UID)).whereIn('version_key', dupKeys.slice(i, i + 500)).select('version_key', 'document_id');
            for (const r of rows) existing.set(r.version_key, r.document_id);
          }
        });
      }
      const snapshots = known.map((v) => {
        const fresh = stored.get(v.versionKey);
        const first = firstByKey.get(v.versionKey) === v;
        return fresh && first
          ? { index: v.index, documentId: fresh.document_id, duplicate: false }
          : { index: v.index, documentId: fresh?.document_id ?? existing.get(v.versionKey) ?? '', duplicate: true };
      });
      return {
        stored: snapshots.filter((s) => !s.duplicate).length,
        duplicates: snapshots.filter((s) => s.duplicate).length,
        rejected,
        snapshots,
      };
    },
  };
  return service;
};

export type NotebookSnapshotsService = ReturnType<typeof createNotebookSnapshotsService>;
export default createNotebookSnapshotsService;
