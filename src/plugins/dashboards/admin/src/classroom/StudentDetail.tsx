import { Box, Flex, Typography } from '@strapi/design-system';
import type { StudentDetailResponse } from '../../../server/src/classroom/contract';
import { OUTCOME_ORDER } from '../../../server/src/classroom/contract';
import { OUTCOME_LABELS, SNAPSHOT_COLORS } from './colors';
import { studentLabel } from './SnapshotScatter';

/** Every version of every file of one student, newest first per path, with its counts. */
export function StudentDetail({ detail }: { detail: StudentDetailResponse['data'] }) {
  return (
    <Flex direction="column" alignItems="stretch" gap={2}>
      <Typography variant="delta" tag="h2">
        {studentLabel(detail)}
        {detail.team ? ` — team ${detail.team}` : ''}
      </Typography>
      {detail.email && <Typography textColor="neutral600">{detail.email}</Typography>}
      {detail.attributes && (
        <Typography textColor="neutral600" data-testid="student-attributes">
          {Object.entries(detail.attributes).map(([k, v]) => `${k}: ${v}`).join(' · ')}
        </Typography>
      )}
      <Box overflow="auto">
        <table aria-label="Student versions" style={{ borderCollapse: 'collapse', fontSize: 13, width: '100%' }}>
          <thead>
            <tr style={{ textAlign: 'left' }}>
              <th style={{ padding: 4 }}>Path</th>
              <th style={{ padding: 4 }}>Time</th>
              <th style={{ padding: 4 }}>Latest</th>
              {OUTCOME_ORDER.map((o) => (
                <th key={o} style={{ padding: 4 }}>
                  {OUTCOME_LABELS[o]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {detail.versions.map((v) => (
              <tr key={v.documentId} data-path={v.path} style={{ borderTop: '1px solid #eaeaef' }}>
                <td style={{ padding: 4 }}>
                  <span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 5, background: SNAPSHOT_COLORS[v.color], marginRight: 6 }} />
                  {v.path}
                </td>
                <td style={{ padding: 4, whiteSpace: 'nowrap' }}>{new Date(v.takenAt).toLocaleString()}</td>
                <td style={{ padding: 4 }}>{v.isLatest ? 'yes' : ''}</td>
                {OUTCOME_ORDER.map((o) => (
                  <td key={o} style={{ padding: 4 }}>
                    {v.graded ? v.counts[o] : ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </Box>
    </Flex>
  );
}
