/**
 * Usage statistics of the robotics-teaching platform for the dashboards plugin's Robotics page
 * (docs/robotics.md): `strapi.service('api::robotics.robotics-stats')`. Aggregates in SQL on both
 * databases (GROUP BY, one window function for host concurrency); counts per UTC hour are folded
 * into local days and hours of the day here, since the logs' zone has whole-hour offsets.
 */
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { DateTime } from 'luxon';
import Papa from 'papaparse';
import { neutraliseCell, parseTime } from '../../logs/services/log-query';
import type { RoboticsCharts } from '../contract';

export type { RoboticsCharts };

export interface RoboticsFilters {
  from: Date | null;
  to: Date | null;
  user: string | null;
  exercise: string | null;
  type: string | null;
  host: string | null;
  top: number;
}

type Row = Record<string, string | number | null>;

/** Chart name (in URLs and CSV file names) → its data in the charts object. */
export const CHARTS = {
  'simulations-per-day': 'simulationsPerDay',
  'simulations-per-hour': 'simulationsPerHourOfDay',
  'top-users': 'topUsers',
  'per-exercise': 'perExercise',
  'by-type': 'bySimulationType',
  'per-host': 'perHost',
  'host-concurrency': 'hostConcurrency',
  durations: 'durations',
  'errors-over-time': 'errorsOverTime',
  browsers: 'browsers',
  'operating-systems': 'operatingSystems',
  devices: 'devices',
} as const satisfies Record<string, keyof RoboticsCharts>;
export type ChartName = keyof typeof CHARTS;

/** Duration classes of the distribution chart: [label, upper bound in seconds (exclusive)]. */
export const DURATION_CLASSES: Array<[string, number]> = [
  ['< 1 min', 60], ['1-5 min', 300], ['5-15 min', 900], ['15-30 min', 1800], ['30-60 min', 3600], ['1-2 h', 7200], ['>= 2 h', Infinity],
];

const FILTER_PARAMS = ['from', 'to', 'user', 'exercise', 'type', 'host', 'top', 'chart', 'format'];
const HOUR = 3_600_000;

const invalid = (parameter: string, message: string): never => {
  throw new errors.ValidationError(`Invalid parameter "${parameter}": ${message}`, { parameter });
};

export function parseRoboticsFilters(query: Record<string, unknown>, now = Date.now()): RoboticsFilters {
  for (const name of Object.keys(query ?? {})) if (!FILTER_PARAMS.includes(name)) invalid(name, `unknown parameter (allowed: ${FILTER_PARAMS.join(', ')})`);
  const text = (name: string): string | null => {
    const v = query[name];
    if (v === undefined || v === '') return null;
    if (typeof v !== 'string') return invalid(name, 'must be given once');
    if (v.length > 255) return invalid(name, 'is longer than 255 characters');
    return v;
  };
  const fromRaw = text('from');
  const toRaw = text('to');
  const from = fromRaw === null ? null : parseTime('from', fromRaw, now);
  const to = toRaw === null ? null : parseTime('to', toRaw, now);
  if (from && to && from > to) invalid('from', 'is after to');
  const topRaw = text('top');
  const top = topRaw === null ? 10 : Number(topRaw);
  if (!Number.isInteger(top) || top < 1 || top > 100) invalid('top', 'must be an integer from 1 to 100');
  return { from, to, user: text('user'), exercise: text('exercise'), type: text('type'), host: text('host'), top };
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = () => strapi.db.connection;
  const pg = () => ['pg', 'postgres', 'postgresql'].includes(String((strapi.db.connection.client as any).config.client));
  const timeZone = () => process.env.ROBOTICS_LOG_TIMEZONE || 'Europe/Madrid';
  /** A datetime column as epoch ms (SQLite stores epoch ms already). */
  const ms = (column: string) => (pg() ? `(extract(epoch from ${column}) * 1000)::bigint` : column);
  const hourOf = (column: string) => (pg() ? `floor(extract(epoch from ${column}) / 3600)::bigint` : `cast(${column} / ${HOUR} as integer)`);
  const bind = (d: Date) => (pg() ? d : d.getTime());
  const num = (v: unknown) => Number(v ?? 0);

  /** Simulations matching the filters; a simulation's time is its start, or its end without one. */
  const simulations = (f: RoboticsFilters) => {
    const q = knex()('robotics_simulations as s');
    if (f.from) q.whereRaw('coalesce(s.started_at, s.ended_at) >= ?', [bind(f.from)]);
    if (f.to) q.whereRaw('coalesce(s.started_at, s.ended_at) <= ?', [bind(f.to)]);
    if (f.user) q.whereRaw('lower(s.username) = lower(?)', [f.user]);
    if (f.exercise) q.where('s.exercise_code', f.exercise);
    if (f.type) q.where('s.simulation_type', f.type);
    if (f.host) q.where('s.host_ip', f.host);
    return q;
  };
  /** Sessions: only the time range and the user filter apply. */
  const sessions = (f: RoboticsFilters) => {
    const q = knex()('robotics_sessions as s');
    if (f.from) q.whereRaw('coalesce(s.login_at, s.logout_at) >= ?', [bind(f.from)]);
    if (f.to) q.whereRaw('coalesce(s.login_at, s.logout_at) <= ?', [bind(f.to)]);
    if (f.user) q.whereRaw('lower(s.username) = lower(?)', [f.user]);
    return q;
  };
  const errorsQuery = (f: RoboticsFilters) => {
    const q = knex()('logs_entries').where('service_name', 'robotics-web');
    if (f.from) q.where('timestamp', '>=', bind(f.from));
    if (f.to) q.where('timestamp', '<=', bind(f.to));
    return q;
  };
  /** Row count per value of `column` (null as "(unknown)"), largest first. */
  const grouped = async (q: any, column: string): Promise<Array<{ key: string; n: number }>> =>
    ((await q.select(knex().raw(`coalesce(${column}, '(unknown)') as k`)).count('* as n').groupByRaw(`coalesce(${column}, '(unknown)')`).orderBy('n', 'desc').orderBy('k')) as Row[]).map(
      (r) => ({ key: String(r.k), n: num(r.n) }),
    );

  /** Range actually charted: the filters' bounds, else the extent of the data. */
  async function extent(f: RoboticsFilters): Promise<{ from: number; to: number } | null> {
    if (f.from && f.to) return { from: f.from.getTime(), to: f.to.getTime() };
    const [row] = (await simulations(f).select(
      knex().raw(`min(${ms('coalesce(s.started_at, s.ended_at)')}) as lo`),
      knex().raw(`max(${ms('coalesce(s.ended_at, s.started_at)')}) as hi`),
    )) as Row[];
    const lo = f.from?.getTime() ?? (row?.lo === null || row?.lo === undefined ? null : num(row.lo));
    const hi = f.to?.getTime() ?? (row?.hi === null || row?.hi === undefined ? null : num(row.hi));
    return lo === null || hi === null ? null : { from: lo, to: Math.max(lo, hi) };
  }

  async function concurrency(f: RoboticsFilters, range: { from: number; to: number } | null, bucketMs: number) {
    if (!range) return new Map<string, Array<{ bucket: number; peak: number; delta: number }>>();
    const overlapping = () =>
      simulations({ ...f, from: null, to: null })
        .whereNotNull('s.started_at')
        .whereNotNull('s.ended_at')
        .where('s.started_at', '<=', bind(new Date(range.to)))
        .where('s.ended_at', '>=', bind(new Date(range.from)));
    const starts = overlapping().select('s.host_ip as host', knex().raw(`${ms('s.started_at')} as t`), knex().raw('1 as d'));
    const ends = overlapping().select('s.host_ip as host', knex().raw(`${ms('s.ended_at')} as t`), knex().raw('-1 as d'));
    // Running count after each start/end per host (ends first at equal times), then its peak and net
    // change per bucket.
    // Written out: SQLite refuses the parenthesised selects knex puts around union members.
    const a = starts.toSQL();
    const z = ends.toSQL();
    const sql = `${a.sql} union all ${z.sql}`;
    const bindings = [...a.bindings, ...z.bindings];
    const rows = (await knex().raw(
      `select host, b, max(running) as peak, sum(d) as delta from (
         select host, d, t / ${bucketMs} as b, sum(d) over (partition by host order by t, d rows between unbounded preceding and current row) as running
         from (${sql}) ev
       ) x group by host, b order by host, b`,
      bindings,
    )) as any;
    const list: Row[] = pg() ? rows.rows : rows;
    const byHost = new Map<string, Array<{ bucket: number; peak: number; delta: number }>>();
    for (const r of list) {
      const h = String(r.host);
      if (!byHost.has(h)) byHost.set(h, []);
      byHost.get(h)!.push({ bucket: num(r.b), peak: num(r.peak), delta: num(r.delta) });
    }
    return byHost;
  }

  async function charts(f: RoboticsFilters): Promise<RoboticsCharts> {
    const zone = timeZone();
    const range = await extent(f);
    const bucket: 'hour' | 'day' = range && range.to - range.from <= 3 * 24 * HOUR ? 'hour' : 'day';
    const bucketMs = bucket === 'hour' ? HOUR : 24 * HOUR;

    // Simulations per UTC hour, folded into local days and hours of the day.
    const perHour = (await simulations(f)
      .select(knex().raw(`${hourOf('coalesce(s.started_at, s.ended_at)')} as h`))
      .count('* as n')
      .groupByRaw(hourOf('coalesce(s.started_at, s.ended_at)'))) as Row[];
    const days = new Map<string, number>();
    const hours = Array.from({ length: 24 }, () => 0);
    let totalSimulations = 0;
    for (const r of perHour) {
      const local = DateTime.fromMillis(num(r.h) * HOUR, { zone });
      const day = local.toISODate()!;
      days.set(day, (days.get(day) ?? 0) + num(r.n));
      hours[local.hour] += num(r.n);
      totalSimulations += num(r.n);
    }
    // Every day of the range, empty ones with zero.
    const simulationsPerDay: RoboticsCharts['simulationsPerDay'] = [];
    if (range) {
      for (let d = DateTime.fromMillis(range.from, { zone }).startOf('day'); d.toMillis() <= range.to && simulationsPerDay.length < 5000; d = d.plus({ days: 1 })) {
        simulationsPerDay.push({ day: d.toISODate()!, simulations: days.get(d.toISODate()!) ?? 0 });
      }
    }

    const bySimUser = await grouped(simulations(f), 'lower(s.username)');
    const bySessionUser = await grouped(sessions(f), 'lower(s.username)');
    const users = new Map<string, { user: string; simulations: number; sessions: number }>();
    for (const r of bySimUser) users.set(r.key, { user: r.key, simulations: r.n, sessions: 0 });
    for (const r of bySessionUser) users.set(r.key, { ...(users.get(r.key) ?? { user: r.key, simulations: 0, sessions: 0 }), sessions: r.n });
    // Shown under the spelling most lines use (names are matched ignoring case).
    const spellings = (await simulations(f).select('s.username').count('* as n').groupBy('s.username')) as Row[];
    const best = new Map<string, { name: string; n: number }>();
    for (const r of spellings) {
      const k = String(r.username).toLowerCase();
      if (!best.has(k) || best.get(k)!.n < num(r.n)) best.set(k, { name: String(r.username), n: num(r.n) });
    }
    const topUsers = [...users.values()]
      .map((u) => ({ ...u, user: best.get(u.user)?.name ?? u.user }))
      .sort((a, b) => b.simulations + b.sessions - (a.simulations + a.sessions) || a.user.localeCompare(b.user))
      .slice(0, f.top);

    const hostRows = (await knex()('robotics_hosts').select('ip', 'max_simulations')) as Row[];
    const maxOf = new Map(hostRows.map((h) => [String(h.ip), h.max_simulations === null ? null : num(h.max_simulations)]));
    const perHostCounts = await grouped(simulations(f), 's.host_ip');
    const conc = await concurrency(f, range, bucketMs);
    const hostConcurrency: RoboticsCharts['hostConcurrency'] = [];
    const peakOf = new Map<string, number>();
    for (const [host, buckets] of conc) {
      // Running count at the start of the range: every event before it.
      const first = Math.floor(range!.from / bucketMs);
      const last = Math.floor(range!.to / bucketMs);
      let running = 0;
      let i = 0;
      for (; i < buckets.length && buckets[i].bucket < first; i++) running += buckets[i].delta;
      const points: Array<{ t: string; running: number }> = [];
      let peak = 0;
      for (let b = first; b <= last && points.length < 5000; b++) {
        let value = running;
        if (i < buckets.length && buckets[i].bucket === b) {
          value = Math.max(running, buckets[i].peak);
          running += buckets[i].delta;
          i++;
        }
        peak = Math.max(peak, value);
        points.push({ t: new Date(b * bucketMs).toISOString(), running: value });
      }
      peakOf.set(host, peak);
      hostConcurrency.push({ host, max_simulations: maxOf.get(host) ?? null, points });
    }

    const durationCase = `case ${DURATION_CLASSES.filter(([, upper]) => upper !== Infinity).map(([label, upper]) => `when s.duration_seconds < ${upper} then '${label}'`).join(' ')} else '${DURATION_CLASSES[DURATION_CLASSES.length - 1][0]}' end`;
    const durationRows = (await simulations(f).whereNotNull('s.duration_seconds').select(knex().raw(`${durationCase} as k`)).count('* as n').groupByRaw(durationCase)) as Row[];
    const durationCount = new Map(durationRows.map((r) => [String(r.k), num(r.n)]));

    const errorRows = (await errorsQuery(f).select(knex().raw(`${hourOf('timestamp')} as h`)).count('* as n').groupByRaw(hourOf('timestamp'))) as Row[];
    const errorBuckets = new Map<number, number>();
    let totalErrors = 0;
    for (const r of errorRows) {
      const startMs = bucket === 'hour' ? num(r.h) * HOUR : DateTime.fromMillis(num(r.h) * HOUR, { zone }).startOf('day').toMillis();
      errorBuckets.set(startMs, (errorBuckets.get(startMs) ?? 0) + num(r.n));
      totalErrors += num(r.n);
    }

    const [openRow] = await simulations(f).whereNull('s.ended_at').count('* as n');
    const [noStartRow] = await simulations(f).whereNull('s.started_at').count('* as n');
    const [sessionTotal] = await sessions(f).count('* as n');

    return {
      range: { from: range ? new Date(range.from).toISOString() : null, to: range ? new Date(range.to).toISOString() : null, bucket, timeZone: zone },
      totals: {
        simulations: totalSimulations,
        sessions: num(Object.values(sessionTotal ?? {})[0]),
        errors: totalErrors,
        openSimulations: num(Object.values(openRow ?? {})[0]),
        simulationsWithoutStart: num(Object.values(noStartRow ?? {})[0]),
      },
      simulationsPerDay,
      simulationsPerHourOfDay: hours.map((simulations, hour) => ({ hour, simulations })),
      topUsers,
      perExercise: (await grouped(simulations(f), 's.exercise_code')).map((r) => ({ exercise: r.key, simulations: r.n })),
      bySimulationType: (await grouped(simulations(f), 's.simulation_type')).map((r) => ({ type: r.key, simulations: r.n })),
      perHost: perHostCounts.map((r) => ({ host: r.key, simulations: r.n, max_simulations: maxOf.get(r.key) ?? null, peak_concurrency: peakOf.get(r.key) ?? 0 })),
      hostConcurrency,
      durations: DURATION_CLASSES.map(([label]) => ({ range: label, simulations: durationCount.get(label) ?? 0 })),
      errorsOverTime: [...errorBuckets.entries()].sort((a, b) => a[0] - b[0]).map(([t, n]) => ({ t: new Date(t).toISOString(), errors: n })),
      browsers: (await grouped(sessions(f), 's.browser')).map((r) => ({ browser: r.key, sessions: r.n })),
      operatingSystems: (await grouped(sessions(f), 's.os')).map((r) => ({ os: r.key, sessions: r.n })),
      devices: (await grouped(sessions(f), 's.device_type')).map((r) => ({ device: r.key, sessions: r.n })),
    };
  }

  /** One chart's data as CSV rows (the concurrency chart one row per host and bucket). */
  function chartCsv(chart: ChartName, data: RoboticsCharts): string {
    const rows: Row[] =
      chart === 'host-concurrency'
        ? data.hostConcurrency.flatMap((h) => h.points.map((p) => ({ host: h.host, max_simulations: h.max_simulations, t: p.t, running: p.running })))
        : (data[CHARTS[chart]] as unknown as Row[]);
    const clean = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' ? neutraliseCell(v) : v])));
    const fields = clean.length ? Object.keys(clean[0]) : chart === 'host-concurrency' ? ['host', 'max_simulations', 't', 'running'] : [];
    return Papa.unparse({ fields, data: clean.map((r) => fields.map((k) => r[k])) }, { newline: '\r\n' });
  }

  /** Values for the page's filters. */
  async function options() {
    const distinct = async (column: string) =>
      ((await knex()('robotics_simulations').distinct(column).whereNotNull(column).orderBy(column).limit(1000)) as Row[]).map((r) => String(r[column]));
    return { users: await distinct('username'), exercises: await distinct('exercise_code'), types: await distinct('simulation_type'), hosts: await distinct('host_ip') };
  }

  return { parseFilters: parseRoboticsFilters, charts, chartCsv, options, CHARTS };
};
