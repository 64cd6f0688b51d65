/**
 * `api::lab.experiment-catalog`: the experiments table of the battery lab's Experiments page
 * (docs/battery-data.md): one knex query reading battery, station and profile too, so every column can be
 * sorted (the cycle count included, read from the stored `cycle_summary` JSON by the database) and
 * filtered, on SQLite and PostgreSQL alike; and the choices offered by the page's filters.
 * Input is checked by the caller (the data-exchange admin controller): this service trusts its query.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';

const EXPERIMENT = 'api::lab.experiment';
const BATTERY = 'api::lab.battery';
const STATION = 'api::lab.cycler-station';
const PROFILE = 'api::lab.profile';

/** Sortable columns of the table (the `sort` query parameter), each the SQL it orders by. */
export const EXPERIMENT_SORTS = ['id', 'name', 'battery', 'technology', 'station', 'profile', 'state', 'source', 'samples', 'started', 'finished', 'created', 'cycles'] as const;
export type ExperimentSort = (typeof EXPERIMENT_SORTS)[number];

export interface ExperimentListQuery {
  page: number;
  pageSize: number;
  sort: { column: ExperimentSort; direction: 'asc' | 'desc' };
  state?: string;
  source?: string;
  /** Case-insensitive substring of the name or the description. */
  q?: string;
  technology?: string;
  battery?: number;
  station?: number;
  profile?: number;
  /**
   * Inclusive bounds of a period: the experiments that ran during some of it (started before its end and
   * not finished before its start; one still running runs until now; one not yet started is its creation).
   */
  from?: Date;
  to?: Date;
}

export interface ExperimentListRow {
  id: number;
  documentId: string;
  name: string;
  description: string | null;
  state: string;
  source: string | null;
  sample_count: number | null;
  started_at: string | null;
  finished_at: string | null;
  created_at: string | null;
  battery: string | null;
  technology: string | null;
  station: string | null;
  profile: string | null;
  cycles: number;
}

export interface ExperimentFilterOptions {
  technologies: string[];
  batteries: Array<{ id: number; name: string; technology: string | null }>;
  stations: Array<{ id: number; name: string }>;
  profiles: Array<{ id: number; name: string }>;
}

// SQLite keeps datetimes as epoch ms, PostgreSQL answers Date objects.
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : (v as string | number | Date)).toISOString());
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const createExperimentCatalog = ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => strapi.db.connection;
  // Strapi hands knex its driver name (pg / better-sqlite3).
  const postgres = () => ['pg', 'postgres', 'postgresql'].includes((strapi.db.connection.client as any).config.client);
  const meta = (uid: string) => strapi.db.metadata.get(uid) as any;
  const table = (uid: string) => meta(uid).tableName as string;
  /** Strapi's link table of one of the experiment's manyToOne relations. */
  const link = (attribute: string) => {
    const joinTable = meta(EXPERIMENT).attributes[attribute].joinTable;
    return { table: joinTable.name as string, experiment: joinTable.joinColumn.name as string, target: joinTable.inverseJoinColumn.name as string };
  };
  const ident = (name: string) => knex().raw('??', [name]).toString();
  /**
   * One column of the experiment's battery, station or profile (null without one), as a scalar
   * subquery rather than joins: PostgreSQL estimates joins through link tables it has no statistics
   * for (a small lab's are never auto-analysed) at millions of rows and then JIT-compiles the query,
   * measured at 0.5-1 s for 3 experiments; the subqueries keep the estimate at one row each.
   */
  const relatedSql = (attribute: string, uid: string, column: string) => {
    const l = link(attribute);
    return `(select x.${ident(column)} from ${ident(l.table)} lx join ${ident(table(uid))} x on x.id = lx.${ident(l.target)} where lx.${ident(l.experiment)} = e.id limit 1)`;
  };
  const BATTERY_NAME = () => relatedSql('battery', BATTERY, 'name');
  const TECHNOLOGY = () => relatedSql('battery', BATTERY, 'technology');
  const STATION_NAME = () => relatedSql('cycler_station', STATION, 'name');
  const PROFILE_NAME = () => relatedSql('profile', PROFILE, 'name');
  /** Experiments linked to the target row `id` of a relation. */
  const linkedTo = (attribute: string, id: number) => {
    const l = link(attribute);
    return knex()(l.table).select(l.experiment).where(l.target, id);
  };

  /** Number of entries in `cycle_summary.cycles`; 0 for no summary (or a summary without that array). */
  const cyclesSql = () =>
    postgres()
      ? "(case when jsonb_typeof(e.cycle_summary::jsonb -> 'cycles') = 'array' then jsonb_array_length(e.cycle_summary::jsonb -> 'cycles') else 0 end)"
      : "coalesce(case when json_valid(e.cycle_summary) then case when json_type(e.cycle_summary, '$.cycles') = 'array' then json_array_length(e.cycle_summary, '$.cycles') end end, 0)";
  const sortSql = (column: ExperimentSort): string => {
    // Names sort without regard to case on both databases (PostgreSQL's collation would, SQLite's not).
    const sql: Record<ExperimentSort, string> = {
      id: 'e.id', name: 'lower(e.name)', battery: `lower(${BATTERY_NAME()})`, technology: TECHNOLOGY(), station: `lower(${STATION_NAME()})`, profile: `lower(${PROFILE_NAME()})`,
      state: 'e.state', source: 'e.source', samples: 'e.sample_count', started: 'e.started_at', finished: 'e.finished_at', created: 'e.created_at',
      cycles: cyclesSql(),
    };
    return sql[column];
  };

  const filtered = (query: ExperimentListQuery) => {
    const q = knex()({ e: table(EXPERIMENT) });
    if (query.state) q.where('e.state', query.state);
    if (query.source) q.where('e.source', query.source);
    if (query.technology) q.whereRaw(`${TECHNOLOGY()} = ?`, [query.technology]);
    if (query.battery !== undefined) q.whereIn('e.id', linkedTo('battery', query.battery));
    if (query.station !== undefined) q.whereIn('e.id', linkedTo('cycler_station', query.station));
    if (query.profile !== undefined) q.whereIn('e.id', linkedTo('profile', query.profile));
    // An experiment spans started_at (created_at while queued) to finished_at, open-ended while it runs.
    if (query.from) q.where((w: Knex.QueryBuilder) => w.where('e.finished_at', '>=', query.from!).orWhere((open: Knex.QueryBuilder) =>
      open.whereNull('e.finished_at').andWhere((s: Knex.QueryBuilder) => s.whereNotNull('e.started_at').orWhere('e.created_at', '>=', query.from!))));
    if (query.to) q.whereRaw('coalesce(e.started_at, e.created_at) <= ?', [query.to]);
    if (query.q) {
      const pattern = `%${likeEscape(query.q.toLowerCase())}%`;
      q.where((w: Knex.QueryBuilder) => w.whereRaw("lower(e.name) like ? escape '\\'", [pattern]).orWhereRaw("lower(e.description) like ? escape '\\'", [pattern]));
    }
    return q;
  };

  return {
    /** One page of the table: `{ data, meta: { pagination } }`, the shape of the query engine's findPage. */
    async list(query: ExperimentListQuery): Promise<{ data: ExperimentListRow[]; meta: { pagination: { page: number; pageSize: number; pageCount: number; total: number } } }> {
      const totalRow: any = await filtered(query).count({ n: 'e.id' }).first();
      const total = Number(totalRow?.n ?? 0);
      const order = sortSql(query.sort.column);
      const direction = query.sort.direction === 'desc' ? 'desc' : 'asc';
      const rows = await filtered(query)
        .select(
          'e.id', 'e.document_id as documentId', 'e.name', 'e.description', 'e.state', 'e.source', 'e.sample_count', 'e.started_at', 'e.finished_at', 'e.created_at',
          knex().raw(`${BATTERY_NAME()} as battery, ${TECHNOLOGY()} as technology, ${STATION_NAME()} as station, ${PROFILE_NAME()} as profile, ${cyclesSql()} as cycles`),
        )
        // Empty values last in both directions and on both databases (they differ by default); newest first among equals.
        .orderByRaw(`(case when ${order} is null then 1 else 0 end), ${order} ${direction}, e.id desc`)
        .limit(query.pageSize)
        .offset((query.page - 1) * query.pageSize);
      return {
        data: rows.map((r: any) => ({
          ...r,
          id: Number(r.id),
          sample_count: r.sample_count === null ? null : Number(r.sample_count),
          started_at: iso(r.started_at),
          finished_at: iso(r.finished_at),
          created_at: iso(r.created_at),
          cycles: Number(r.cycles ?? 0),
        })),
        meta: { pagination: { page: query.page, pageSize: query.pageSize, pageCount: Math.ceil(total / query.pageSize), total } },
      };
    },

    /** Battery technologies, as the battery schema enumerates them. */
    technologies(): string[] {
      return ((strapi.contentType(BATTERY as any) as any).attributes.technology.enum ?? []) as string[];
    },

    /** The page's filter choices: every technology, and the batteries, stations and profiles some experiment uses. */
    async filterOptions(): Promise<ExperimentFilterOptions> {
      const used = (attribute: string, uid: string, columns: string[]) => {
        const l = link(attribute);
        return knex()({ x: table(uid) })
          .select(columns.map((c) => `x.${c}`))
          .whereIn('x.id', knex()(l.table).select(l.target))
          .orderByRaw('lower(x.name), x.id');
      };
      const [batteries, stations, profiles] = await Promise.all([
        used('battery', BATTERY, ['id', 'name', 'technology']),
        used('cycler_station', STATION, ['id', 'name']),
        used('profile', PROFILE, ['id', 'name']),
      ]);
      const ids = <T extends { id: unknown }>(rows: T[]) => rows.map((r) => ({ ...r, id: Number(r.id) }));
      return { technologies: this.technologies(), batteries: ids(batteries), stations: ids(stations), profiles: ids(profiles) };
    },
  };
};

export type ExperimentCatalogService = ReturnType<typeof createExperimentCatalog>;
export default createExperimentCatalog;
