/**
 * The fast way to create many documents of one type with the admin form's rules.
 *
 * The Document Service's `create` for one document: middlewares, `statusToData` (publishedAt now, or
 * null for a Draft & Publish type), the entity validator (required, min/max, regex, email, enum,
 * type; unique against published rows with a query per field), components, then the query engine.
 * Here the same steps run per batch instead of per row:
 * - the entity validator of Strapi (`strapi.entityValidator.validateEntityCreation`) on each row in
 *   memory, with the model's `unique` flags lifted, since uniqueness is then checked in bulk: one
 *   query per unique field per chunk, with the validator's own rule (published rows, same locale;
 *   none for drafts);
 * - `strapi.db.query(uid).createMany` in the caller's transaction: multi-row inserts, defaults and
 *   timestamps filled as for `create`, and the `beforeCreateMany`/`afterCreateMany` lifecycles;
 *   documentIds of Strapi's shape (24 lowercase letters and digits) made in bulk;
 * - `entry.create` events (webhooks, audit) for every row after the commit, as the Document Service
 *   emits them.
 *
 * `blocker()` says when this would not be the same as the form (document middlewares or lifecycle
 * subscribers that act on the type, columns that are not scalar) so the caller falls back to the
 * Document Service per row.
 */
import path from 'path';
import type { Core } from '@strapi/strapi';
import { contentTypes, sanitize, validateYupSchema, yup } from '@strapi/utils';
import { documentIds } from '../../../../ingest/server/src/services/document-ids';
import type { FieldInfo } from './fields';

/**
 * Strapi's per-type attribute validators (string min/max length and regex, email, enumeration,
 * integer/float/biginteger ranges, dates, JSON, blocks): the pieces its entity validator assembles
 * for every document. Not in @strapi/core's package exports, hence the path.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Validators } = require(path.join(path.dirname(require.resolve('@strapi/core/package.json')), 'dist/services/entity-validator/validators.js'));

/** Values per `IN (...)` of a bulk unique check: well under SQLite's and PostgreSQL's parameter limits. */
const UNIQUE_CHUNK = 5000;
const EVENT_PAGE = 1000;
/** Rows of a batch validated by Strapi's own validator as well, to check the compiled one agrees. */
const CROSS_CHECK_EVERY = 250;

export interface BulkRow {
  line: number;
  data: Record<string, unknown>;
}

export interface RowProblem {
  line: number;
  field?: string;
  message: string;
}

const PROBE = Symbol('data-exchange.probe');

async function outcome(
  validate: (d: Record<string, unknown>) => Promise<unknown>,
  data: Record<string, unknown>,
): Promise<{ data?: Record<string, unknown>; errors?: Array<{ field?: string; message: string }> }> {
  try {
    return { data: (await validate(data)) as Record<string, unknown> };
  } catch (error: any) {
    const details = error?.details?.errors as Array<{ path: string[]; message: string }> | undefined;
    if (!details?.length) throw error;
    return { errors: details.map((d) => ({ field: d.path?.[0] ? String(d.path[0]) : undefined, message: d.message })) };
  }
}

/** An object that notes any look at it: a middleware that reads or writes it acts on the type. */
function watched<T extends object>(target: T, touched: { value: boolean }): T {
  const note = () => {
    touched.value = true;
  };
  return new Proxy(target, {
    get(t, key, receiver) {
      // Promise resolution checks `then`; that is not a middleware looking at the value.
      if (key !== 'then') note();
      return Reflect.get(t, key, receiver);
    },
    set(t, key, value) {
      note();
      return Reflect.set(t, key, value);
    },
    has(t, key) {
      note();
      return Reflect.has(t, key);
    },
    ownKeys(t) {
      note();
      return Reflect.ownKeys(t);
    },
    deleteProperty(t, key) {
      note();
      return Reflect.deleteProperty(t, key);
    },
  });
}

/** Strapi's own function subscriber: it calls the content type's lifecycles.ts, which is checked by its hooks. */
const STRAPI_FUNCTION_SUBSCRIBERS = new Set(['modelsLifecyclesSubscriber']);

const bulkCreate = ({ strapi }: { strapi: Core.Strapi }) => {
  const emitting = new Set<Promise<void>>();
  /**
   * Runs the document middleware chain of `create` on `uid` as Strapi does, with `terminal` in place
   * of the repository: a middleware appended for this call answers for the probe and is removed after.
   */
  async function throughMiddlewares(uid: string, data: Record<string, unknown>, terminal: () => Promise<unknown>) {
    let reached = false;
    // `use` returns the function that takes the middleware out again (its type says otherwise).
    const off = (strapi.documents.use as any)(async (ctx: any, next: () => Promise<unknown>) => {
      if (ctx.params?.[PROBE] !== terminal) return next();
      reached = true;
      return terminal();
    }) as () => void;
    try {
      const result = await (strapi.documents(uid as any) as any).create({ data, [PROBE]: terminal });
      return { reached, result };
    } finally {
      off();
    }
  }

  /**
   * The database lifecycle subscribers that events of `uid` reach. The provider keeps its list
   * private, but `run` returns a state per subscriber it called; the action `valueOf` is "in" every
   * object subscriber, and calling it (Object.prototype.valueOf) does nothing.
   */
  async function lifecycleSubscribers(uid: string): Promise<any[]> {
    const states = await (strapi.db.lifecycles as any).run('valueOf', uid, { params: {} });
    return states instanceof Map ? [...states.keys()] : [];
  }

  /**
   * Strapi's `validateEntityCreation` builds a yup schema per document (~0.2 ms a row here, most of
   * an import). For a type whose writable attributes are scalars (no uid, no conditional fields, no
   * required relation/component/media), that schema does not depend on the row: it is compiled once
   * per batch (500 rows) here from Strapi's own attribute validators, assembled as validateEntityCreation
   * assembles them (type validator; required -> notNil, else nullable; default), unique lifted.
   * null when the type does not qualify: the caller then runs Strapi's validator per row.
   */
  function compiledValidator(model: any, isDraft: boolean) {
    const writable: string[] = contentTypes.getWritableAttributes(model);
    const shape: Record<string, unknown> = {};
    for (const name of writable) {
      const attr = model.attributes[name];
      if (attr.conditions) return null;
      if (!contentTypes.isScalarAttribute(attr)) {
        if (attr.required) return null;
        // Absent from the rows (scalar columns only) and not required: Strapi's validator passes it and gives its default.
        shape[name] = yup.mixed().default((attr.type === 'component' && attr.repeatable) || attr.type === 'dynamiczone' ? [] : attr.default);
        continue;
      }
      if (attr.type === 'uid' || !Validators[attr.type]) return null;
      const metas = { attr, updatedAttribute: { name, value: undefined }, model, data: undefined, entity: undefined };
      let validator = Validators[attr.type](metas, { isDraft, locale: null, strictRelations: false });
      validator = !isDraft && attr.required ? validator.notNil() : validator.nullable();
      shape[name] = validator.default(attr.default);
    }
    const schema = yup.object().shape(shape as any).required();
    return (data: Record<string, unknown>) => validateYupSchema(schema as any, { strict: false, abortEarly: false })(data);
  }

  /**
   * The form's checks for rows that create documents of `uid`: `exact` is Strapi's entity validator
   * per row, `compiled` the same rules built once (null when the type does not qualify). Unique
   * flags are lifted from the model: uniqueness is checked in bulk.
   */
  async function rowValidators(uid: string, locale: string | undefined) {
    const contentType = strapi.contentType(uid as any) as any;
    const draftAndPublish = Boolean(contentType.options?.draftAndPublish);
    const localized = Boolean(contentType.pluginOptions?.i18n?.localized);
    const rowLocale: string | undefined = localized ? locale ?? (await strapi.plugin('i18n').service('locales').getDefaultLocale()) : undefined;
    // Same as statusToData: a non-D&P document is published at once, a D&P one starts as a draft.
    const publishedAt = draftAndPublish ? null : new Date();
    const isDraft = !publishedAt;
    const withoutUnique = {
      ...contentType,
      attributes: Object.fromEntries(Object.entries<any>(contentType.attributes).map(([name, a]) => [name, a.unique ? { ...a, unique: false } : a])),
    };
    const exact = (data: Record<string, unknown>) =>
      strapi.entityValidator.validateEntityCreation(withoutUnique, data as any, { isDraft, locale: rowLocale } as any) as Promise<unknown>;
    return { contentType, publishedAt, isDraft, rowLocale, exact, compiled: compiledValidator(withoutUnique, isDraft) };
  }

  return {
    rowValidators,
    /** A validator's verdict on one row: the valid data, or the errors by field. */
    outcome,

    /**
     * Why the bulk path would not apply the form's rules to `uid` (null when it would):
     * - a column that is not a scalar attribute (relations and components are written per row);
     * - a document middleware that reads or writes the create's data or its result for this type, or
     *   that answers in its place (probed with the first row: a middleware's interest in a type does
     *   not depend on one row's values). Middlewares that only pass the call through run once per
     *   batch around its insert, so type-level effects (cache invalidation) still follow the write;
     * - a database lifecycle subscriber with `beforeCreate`/`afterCreate` but not the `...Many`
     *   hooks that `createMany` fires (Strapi's own timestamps subscriber has both), a function
     *   subscriber (it may wait for `afterCreate` alone), or content-type lifecycles of that kind.
     */
    async blocker(uid: string, columns: FieldInfo[], sample: Record<string, unknown>): Promise<string | null> {
      const notScalar = columns.filter((f) => f.writable && f.kind !== 'scalar');
      if (notScalar.length) return `columns ${notScalar.map((f) => f.name).join(', ')} are not scalar`;

      const contentType = strapi.contentType(uid as any) as any;
      const hooks = (s: any) => {
        const one = ['beforeCreate', 'afterCreate'].some((h) => typeof s?.[h] === 'function');
        const many = ['beforeCreateMany', 'afterCreateMany'].some((h) => typeof s?.[h] === 'function');
        return one && !many;
      };
      if (hooks(contentType.lifecycles)) return 'its lifecycles.ts has beforeCreate/afterCreate without the ...Many hooks';
      for (const s of await lifecycleSubscribers(uid)) {
        if (typeof s === 'function') {
          if (STRAPI_FUNCTION_SUBSCRIBERS.has(s.name)) continue; // content-type lifecycles: checked above
          return 'a function lifecycle subscriber may act on single creates';
        }
        if (hooks(s)) return 'a lifecycle subscriber has beforeCreate/afterCreate without the ...Many hooks';
      }

      const dataTouched = { value: false };
      const resultTouched = { value: false };
      const sentinel = watched({}, resultTouched);
      let outcome: { reached: boolean; result: unknown };
      try {
        outcome = await throughMiddlewares(uid, watched({ ...sample }, dataTouched), async () => sentinel);
      } catch (error) {
        return `a document middleware refused the probe (${(error as Error).message})`;
      }
      if (!outcome.reached || outcome.result !== sentinel) return 'a document middleware answers create in its place';
      if (dataTouched.value) return 'a document middleware reads or changes the data of this type';
      if (resultTouched.value) return 'a document middleware uses the created document of this type';
      return null;
    },

    /**
     * Validates `rows` as the form would and inserts them in the current transaction. Rows with
     * problems are not inserted; their problems are returned (with the validator's own messages).
     */
    async create(
      uid: string,
      rows: BulkRow[],
      locale: string | undefined,
      options: { exactValidator?: boolean } = {},
    ): Promise<{ problems: RowProblem[]; ids: number[] }> {
      const { contentType, publishedAt, isDraft, rowLocale, exact, compiled: compiledOnce } = await rowValidators(uid, locale);
      const problems: RowProblem[] = [];
      const valid: Array<{ line: number; data: Record<string, unknown> }> = [];
      let compiled = options.exactValidator ? null : compiledOnce;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        const data: Record<string, unknown> = { ...row.data, publishedAt, ...(rowLocale ? { locale: rowLocale } : {}) };
        let result = await outcome(compiled ?? exact, { ...data });
        if (compiled && i % CROSS_CHECK_EVERY === 0) {
          const strapis = await outcome(exact, { ...data });
          if (JSON.stringify(strapis) !== JSON.stringify(result)) {
            // Never expected; if Strapi's rules ever differ from the compiled copy, Strapi's win.
            strapi.log.warn(`data-exchange: compiled validator of ${uid} disagrees with Strapi's on line ${row.line}; validating the rest row by row`);
            compiled = null;
            result = strapis;
          }
        }
        if (result.data) valid.push({ line: row.line, data: result.data });
        else for (const e of result.errors!) problems.push({ line: row.line, ...e });
      }

      // Uniqueness against the stored rows, as the validator's test does it (drafts: not checked).
      if (!isDraft) {
        for (const [name, attribute] of Object.entries<any>(contentType.attributes)) {
          if (!attribute.unique) continue;
          const withValue = valid.filter((r) => r.data[name] !== null && r.data[name] !== undefined && r.data[name] !== '');
          const taken = new Set<string>();
          for (let i = 0; i < withValue.length; i += UNIQUE_CHUNK) {
            const values = withValue.slice(i, i + UNIQUE_CHUNK).map((r) => r.data[name]);
            const found = await strapi.db.query(uid as any).findMany({
              select: [name],
              where: { [name]: { $in: values }, publishedAt: { $notNull: true }, ...(rowLocale ? { locale: rowLocale } : {}) },
            });
            for (const f of found as any[]) taken.add(String(f[name]));
          }
          for (const r of withValue) {
            if (taken.has(String(r.data[name]))) problems.push({ line: r.line, field: name, message: 'This attribute must be unique' });
          }
        }
      }
      const bad = new Set(problems.map((p) => p.line));
      const toInsert = valid.filter((r) => !bad.has(r.line)).map((r) => r.data);
      if (!toInsert.length || problems.length) return { problems, ids: [] };
      // Strapi's default documentId (cuid2) hashes with SHA-3 per id, a sixth of an import's time; the
      // ingest plugin's ids have the same shape and are ordered by time (see its document-ids.ts).
      const newIds = documentIds(toInsert.length);
      toInsert.forEach((data, i) => {
        data.documentId = newIds[i];
      });

      let ids: number[] = [];
      await throughMiddlewares(uid, toInsert[0], async () => {
        const result = await strapi.db.query(uid as any).createMany({ data: toInsert });
        ids = (result as any).ids.map(Number);
        return result;
      });
      return { problems, ids };
    },

    /**
     * `entry.create` for each created row (webhooks, audit logs), after the commit and in the
     * background, as the Document Service emits them; `settled()` waits for those still running.
     */
    emitCreated(uid: string, ids: number[]): void {
      const model = strapi.getModel(uid as any) as any;
      const run = (async () => {
        for (let i = 0; i < ids.length; i += EVENT_PAGE) {
          const entries = await strapi.db.query(uid as any).findMany({ where: { id: { $in: ids.slice(i, i + EVENT_PAGE) } } });
          for (const entry of entries) {
            const sanitized = await sanitize.sanitizers.defaultSanitizeOutput({ schema: model, getModel: (u: string) => strapi.getModel(u as any) } as any, entry);
            await strapi.eventHub.emit('entry.create', { model: model.modelName, uid, entry: sanitized });
          }
          // better-sqlite3 answers without I/O: yield so that requests (the import's own answer) are served.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })().catch((error) => {
        strapi.log.error(`data-exchange: entry.create events of ${uid}: ${error.message}`);
      });
      emitting.add(run);
      run.finally(() => emitting.delete(run));
    },

    async settled(): Promise<void> {
      await Promise.all([...emitting]);
    },
  };
};

export type BulkCreateService = ReturnType<typeof bulkCreate>;
export default bulkCreate;
