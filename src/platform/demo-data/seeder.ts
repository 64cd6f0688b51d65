/**
 * The one "find by natural key or create" primitive every demo-data module uses, plus the tally of
 * what a run created. Writes go through the Document Service so document middlewares (domain
 * validation, derived fields) run exactly as for the admin and the REST API.
 */
import type { Core, UID } from '@strapi/strapi';

/** Field values of a document to create; relations are given as documentIds (or arrays of them). */
export type DocumentData = Record<string, unknown>;

/** What the seed reads back from a stored document. */
export interface SeededDocument {
  id: number;
  documentId: string;
  [field: string]: unknown;
}

interface Tally {
  /** Rows this run inserted. */
  created: number;
  /** Rows the demo data set defines (inserted now or found from an earlier run). */
  wanted: number;
}

/**
 * The generated content-type registry is not part of the compile, so the typed document service
 * would reject these data shapes; the seed only needs this much of it.
 */
interface UntypedDocuments {
  findFirst(params: { filters: Record<string, unknown>; fields?: string[] }): Promise<SeededDocument | null>;
  create(params: { data: DocumentData }): Promise<SeededDocument>;
}

export class DemoSeeder {
  private readonly tallies = new Map<string, Tally>();

  constructor(readonly strapi: Core.Strapi) {}

  /**
   * Returns the document whose `key` fields equal those in `data`, creating it from `data` when
   * there is none. Never updates: a re-run, or an admin's edits to demo rows, are left alone.
   * An empty key matches any document (single types).
   */
  async ensure(
    uid: UID.ContentType,
    key: readonly string[],
    data: DocumentData,
  ): Promise<SeededDocument> {
    const documents = this.strapi.documents(uid) as unknown as UntypedDocuments;
    const existing = await documents.findFirst({ filters: this.keyFilters(uid, key, data) });
    if (existing) {
      this.count(uid, 0, 1);
      return existing;
    }
    const created = await documents.create({ data });
    this.count(uid, 1, 1);
    return created;
  }

  /** `ensure` for each row, in order (later rows may rely on earlier ones, e.g. unique names). */
  async ensureAll(uid: UID.ContentType, key: readonly string[], rows: DocumentData[]): Promise<SeededDocument[]> {
    const documents: SeededDocument[] = [];
    for (const row of rows) documents.push(await this.ensure(uid, key, row));
    return documents;
  }

  /** Records rows written outside the Document Service (plain tables such as `lab_samples`). */
  count(name: string, created: number, wanted: number): void {
    const tally = this.tallies.get(name) ?? { created: 0, wanted: 0 };
    tally.created += created;
    tally.wanted += wanted;
    this.tallies.set(name, tally);
  }

  /** Rows created by this run, per content-type UID (or plain table name). */
  createdCounts(): Record<string, number> {
    return Object.fromEntries([...this.tallies].map(([name, tally]) => [name, tally.created]));
  }

  /** One progress line for a domain, e.g. "3 batteries (3 new), 200 lab samples (0 new)". */
  describe(domain: string): string {
    const parts: string[] = [];
    for (const [name, { created, wanted }] of this.tallies) {
      if (!name.startsWith(`api::${domain}.`) && !name.startsWith(`${domain}_`)) continue;
      parts.push(`${wanted} ${this.label(name, wanted)} (${created} new)`);
    }
    return parts.join(', ');
  }

  private label(name: string, rows: number): string {
    const model = this.strapi.contentTypes[name as UID.ContentType];
    const noun = model ? (rows === 1 ? model.info.singularName : model.info.pluralName) : name;
    return noun.replace(/[-_]/g, ' ');
  }

  /** Relation keys are matched on the related documentId, scalar keys on equality. */
  private keyFilters(uid: UID.ContentType, key: readonly string[], data: DocumentData): Record<string, unknown> {
    const { attributes } = this.strapi.getModel(uid);
    const filters: Record<string, unknown> = {};
    for (const field of key) {
      const value = data[field];
      if (value === undefined) throw new Error(`[seed] ${uid}: key field "${field}" has no value`);
      const condition = value === null ? { $null: true } : { $eq: value };
      filters[field] = attributes[field]?.type === 'relation' ? { documentId: condition } : condition;
    }
    return filters;
  }
}
