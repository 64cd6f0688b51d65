/**
 * Finished laps as CSV (RFC 4180, CRLF), streamed page by page with a keyset on (started_at, id) so
 * memory stays flat. Filters: start time range [from, to) and team.
 */
import { Readable } from 'stream';
import Papa from 'papaparse';
import type { Core } from '@strapi/strapi';
import { neutraliseCell } from '../../../../../api/logs/services/log-query';
import { raceTables, toMs } from '../utils';

export const LAPS_CSV_COLUMNS = ['runner', 'team', 'university', 'start', 'duration_s', 'points'] as const;
const PAGE = 1000;

export interface LapsFilters {
  from?: number;
  to?: number;
  teamId?: number;
}

const createLapsExportService = ({ strapi }: { strapi: Core.Strapi }) => {
  async function page(filters: LapsFilters, after: { startedAt: number; id: number } | null) {
    const tb = raceTables(strapi);
    const q = strapi.db
      .connection(`${tb.laps} as l`)
      .leftJoin(`${tb.lapRunner.name} as lr`, `lr.${tb.lapRunner.own}`, 'l.id')
      .leftJoin(`${tb.runners} as r`, 'r.id', `lr.${tb.lapRunner.other}`)
      .leftJoin(`${tb.runnerTeam.name} as rt`, `rt.${tb.runnerTeam.own}`, 'r.id')
      .leftJoin(`${tb.teams} as tm`, 'tm.id', `rt.${tb.runnerTeam.other}`)
      .leftJoin(`${tb.runnerUniversity.name} as ru`, `ru.${tb.runnerUniversity.own}`, 'r.id')
      .leftJoin(`${tb.universities} as u`, 'u.id', `ru.${tb.runnerUniversity.other}`)
      .whereNotNull('l.duration_ms')
      .select('l.id', 'l.started_at', 'l.duration_ms', 'l.points', 'r.first_name', 'r.last_name', 'tm.name as team', 'u.full_name as university');
    if (filters.from != null) q.where('l.started_at', '>=', new Date(filters.from));
    if (filters.to != null) q.where('l.started_at', '<', new Date(filters.to));
    if (filters.teamId != null) q.where('tm.id', filters.teamId);
    if (after) {
      q.where((w) =>
        w.where('l.started_at', '>', new Date(after.startedAt)).orWhere((w2) => w2.where('l.started_at', '=', new Date(after.startedAt)).andWhere('l.id', '>', after.id)),
      );
    }
    return q.orderBy('l.started_at', 'asc').orderBy('l.id', 'asc').limit(PAGE);
  }

  return {
    exportLapsCsv(filters: LapsFilters): NodeJS.ReadableStream {
      async function* generate() {
        // The header is a row of its own: papaparse adds a blank line for fields without data.
        yield `${Papa.unparse([[...LAPS_CSV_COLUMNS]], { newline: '\r\n' })}\r\n`;
        let after: { startedAt: number; id: number } | null = null;
        for (;;) {
          const rows: any[] = await page(filters, after);
          if (rows.length === 0) return;
          const cells = rows.map((r) => [
            neutraliseCell(`${r.first_name ?? ''} ${r.last_name ?? ''}`.trim()),
            neutraliseCell(r.team ?? ''),
            neutraliseCell(r.university ?? ''),
            new Date(toMs(r.started_at)!).toISOString(),
            (Number(r.duration_ms) / 1000).toFixed(3),
            String(r.points ?? 0),
          ]);
          yield `${Papa.unparse(cells, { newline: '\r\n' })}\r\n`;
          if (rows.length < PAGE) return;
          const last = rows[rows.length - 1];
          after = { startedAt: toMs(last.started_at)!, id: Number(last.id) };
        }
      }
      return Readable.from(generate());
    },
  };
};

export type LapsExportService = ReturnType<typeof createLapsExportService>;
export default createLapsExportService;
