import Papa from 'papaparse';
import type { Core } from '@strapi/strapi';
import { STUDENT_UID } from './notebook-snapshots';

/** Columns of users.csv with a field of their own; every other column is a private attribute. */
const NAME_COLUMNS = ['real_name', 'name', 'realname', 'full_name'];
const KNOWN = new Set(['uid', 'notebooks', 'email', 'team', ...NAME_COLUMNS]);

export interface StudentRow {
  uid: string;
  notebooks: string;
  real_name: string | null;
  email: string | null;
  team: string | null;
  private_attributes: Record<string, string> | null;
}

export interface StudentImportResult {
  created: number;
  updated: number;
  rejected: Array<{ row: number; reason: string }>;
}

export class StudentCsvError extends Error {}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Reads users.csv (at least `uid,notebooks`). Throws StudentCsvError for a file that cannot be used at
 * all (no header, missing column); row problems are returned with their 1-based line number.
 */
export function parseStudentsCsv(text: string): { rows: Array<StudentRow & { row: number }>; rejected: StudentImportResult['rejected'] } {
  const parsed = Papa.parse<Record<string, string>>(text.replace(/^\uFEFF/, ''), { header: true, skipEmptyLines: 'greedy', transformHeader: (h) => h.trim() });
  const fields = parsed.meta.fields ?? [];
  for (const column of ['uid', 'notebooks']) {
    if (!fields.includes(column)) throw new StudentCsvError(`the CSV has no "${column}" column (header: ${fields.join(',') || 'empty'})`);
  }
  const rejected: StudentImportResult['rejected'] = [];
  const rows: Array<StudentRow & { row: number }> = [];
  const seen = new Set<string>();
  // Header is line 1; papaparse reports row errors by data row index.
  const badRows = new Set(parsed.errors.filter((e) => e.row !== undefined).map((e) => e.row as number));
  parsed.data.forEach((record, i) => {
    const row = i + 2;
    if (badRows.has(i)) return rejected.push({ row, reason: parsed.errors.find((e) => e.row === i)!.message });
    const uid = (record.uid ?? '').trim();
    const notebooks = (record.notebooks ?? '').trim();
    if (!uid) return rejected.push({ row, reason: 'uid is empty' });
    if (uid.length > 255) return rejected.push({ row, reason: 'uid is longer than 255 characters' });
    if (!notebooks) return rejected.push({ row, reason: `notebooks is empty for uid "${uid}"` });
    if (seen.has(uid)) return rejected.push({ row, reason: `uid "${uid}" appears twice` });
    const email = (record.email ?? '').trim() || null;
    if (email && !EMAIL.test(email)) return rejected.push({ row, reason: `email "${email}" is not an e-mail address` });
    seen.add(uid);
    const nameColumn = NAME_COLUMNS.find((c) => (record[c] ?? '').trim());
    const extra = Object.fromEntries(Object.entries(record).filter(([k, v]) => !KNOWN.has(k) && k !== '' && typeof v === 'string' && v.trim() !== ''));
    rows.push({
      row,
      uid,
      notebooks,
      real_name: nameColumn ? record[nameColumn].trim() : null,
      email,
      team: (record.team ?? '').trim() || null,
      private_attributes: Object.keys(extra).length ? extra : null,
    });
  });
  return { rows, rejected };
}

export type ParsedStudents = ReturnType<typeof parseStudentsCsv>;
/**
 * Called while an import writes: rows written so far of the valid rows. Awaited: a caller streaming
 * progress returns a promise that lets the event loop send it (better-sqlite3 is synchronous, so a
 * whole import could otherwise run without the socket being written once).
 */
export type ImportProgress = (done: number, total: number) => void | Promise<void>;

const createClassroomStudentsService = ({ strapi }: { strapi: Core.Strapi }) => {
  const service = {
    /** Checks a users.csv without writing (throws StudentCsvError for a missing column). */
    parse: parseStudentsCsv,

    /**
     * Creates or updates (by uid) the parsed students, through the Document Service so the admin's
     * rules apply. Valid rows are written in one transaction; rejected rows are reported.
     */
    async importRows({ rows, rejected }: ParsedStudents, onProgress?: ImportProgress): Promise<StudentImportResult> {
      let created = 0;
      let updated = 0;
      await strapi.db.transaction(async () => {
        const documents = strapi.documents(STUDENT_UID as any);
        const existing = new Map<string, string>();
        const uids = rows.map((r) => r.uid);
        for (let i = 0; i < uids.length; i += 500) {
          const found = await strapi.db.query(STUDENT_UID as any).findMany({ where: { uid: { $in: uids.slice(i, i + 500) } }, select: ['uid', 'documentId'] });
          for (const f of found) existing.set(f.uid, f.documentId);
        }
        for (const { row, notebooks, ...data } of rows) {
          const fields = { ...data, notebooks_path: notebooks } as any;
          const documentId = existing.get(data.uid);
          if (documentId) {
            await documents.update({ documentId, data: fields });
            updated++;
          } else {
            await documents.create({ data: fields });
            created++;
          }
          await onProgress?.(created + updated, rows.length);
        }
      });
      return { created, updated, rejected };
    },

    /** The ingest route's and the agent's import: parse, then write. */
    async importCsv(text: string, onProgress?: ImportProgress): Promise<StudentImportResult> {
      return service.importRows(parseStudentsCsv(text), onProgress);
    },
  };
  return service;
};

export type ClassroomStudentsService = ReturnType<typeof createClassroomStudentsService>;
export default createClassroomStudentsService;
