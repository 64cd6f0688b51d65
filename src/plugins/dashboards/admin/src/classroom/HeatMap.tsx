import { Box, Typography } from '@strapi/design-system';
import type { HeatmapResponse } from '../../../server/src/classroom/contract';
import { OUTCOME_COLORS, OUTCOME_LABELS } from './colors';
import { studentLabel } from './SnapshotScatter';

/** Problem (rows) x student (columns): the outcome of each graded cell in the latest version. */
export function HeatMap({ data }: { data: HeatmapResponse['data'] }) {
  if (!data.problems.length) return <Typography textColor="neutral600">No graded cells for this assignment yet.</Typography>;
  const outcome = new Map(data.cells.map((c) => [`${c.gradeId}\u0000${c.uid}`, c]));
  return (
    <Box overflow="auto">
      <table aria-label="Problem heat map" style={{ borderCollapse: 'collapse', fontSize: 13 }}>
        <thead>
          <tr>
            <th style={{ textAlign: 'left', padding: '4px 8px' }}>Problem</th>
            {data.students.map((s) => (
              <th key={s.uid} scope="col" style={{ padding: '4px 8px', whiteSpace: 'nowrap' }}>
                {studentLabel(s)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.problems.map((p) => (
            <tr key={p}>
              <th scope="row" style={{ textAlign: 'left', padding: '4px 8px', fontFamily: 'monospace' }}>
                {p}
              </th>
              {data.students.map((s) => {
                const cell = outcome.get(`${p}\u0000${s.uid}`);
                return (
                  <td
                    key={s.uid}
                    data-outcome={cell?.outcome ?? 'none'}
                    title={cell ? `${s.uid} · ${p}: ${OUTCOME_LABELS[cell.outcome]} (${cell.path})` : `${s.uid} · ${p}: no version`}
                    style={{ background: cell ? OUTCOME_COLORS[cell.outcome] : '#fff', border: '1px solid #fff', minWidth: 64, textAlign: 'center', padding: '4px 6px' }}
                  >
                    {cell ? OUTCOME_LABELS[cell.outcome] : '–'}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </Box>
  );
}
