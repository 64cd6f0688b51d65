import * as React from 'react';
import { useAuth, useRBAC } from '@strapi/strapi/admin';
import { Box, Button, Flex, ProgressBar, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Upload } from '@strapi/icons';
import { postNdjson, UploadError } from '../chart-kit/postNdjson';
import { CLASSROOM_IMPORT } from './permissions';

export const STUDENTS_IMPORT_URL = '/dashboards/classroom/students/import';

interface ImportResult {
  created: number;
  updated: number;
  rejected: Array<{ row: number; reason: string }>;
}

type Phase = { kind: 'upload'; percent: number } | { kind: 'import'; done: number; total: number };

/** Sends users.csv as multipart: upload progress, then the answer's NDJSON lines for the server's own progress. */
async function sendCsv(file: File, token: string | null, onPhase: (p: Phase) => void): Promise<ImportResult> {
  let result: ImportResult | null = null;
  let failure: string | null = null;
  const form = new FormData();
  form.append('file', file, file.name);
  try {
    await postNdjson(STUDENTS_IMPORT_URL, form, token, {
      onUpload: (loaded, total) => onPhase({ kind: 'upload', percent: total ? Math.round((100 * loaded) / total) : 0 }),
      onLine: (line) => {
        if (line.result) result = line.result;
        else if (line.error) failure = line.error.message;
        else if (typeof line.total === 'number') onPhase({ kind: 'import', done: line.done ?? 0, total: line.total });
      },
    });
  } catch (error) {
    if (error instanceof UploadError && error.status === 403) throw new Error(`${error.message} (your role may not import students)`);
    throw error;
  }
  if (result) return result;
  throw new Error(failure ?? 'the import ended without a result');
}

/** "Import students (users.csv)" on the Classroom page, for roles with classroom.import (Teacher and above). */
export function StudentsImport({ onImported }: { onImported?: () => void }) {
  const token = useAuth('StudentsImport', (auth) => auth.token);
  const { allowedActions, isLoading } = useRBAC(CLASSROOM_IMPORT);
  const input = React.useRef<HTMLInputElement>(null);
  const [file, setFile] = React.useState<File | null>(null);
  const [phase, setPhase] = React.useState<Phase | null>(null);
  const [result, setResult] = React.useState<ImportResult | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  if (isLoading || !(allowedActions as Record<string, boolean>).canImport) return null;

  const start = async (chosen: File) => {
    setFile(chosen);
    setResult(null);
    setError(null);
    setPhase({ kind: 'upload', percent: 0 });
    try {
      setResult(await sendCsv(chosen, token, setPhase));
      onImported?.();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setPhase(null);
    }
  };
  const percent = !phase ? 100 : phase.kind === 'upload' ? Math.round(phase.percent / 10) : 10 + Math.round((90 * phase.done) / Math.max(1, phase.total));
  const label = !phase ? '' : phase.kind === 'upload' ? `Uploading ${file?.name} (${phase.percent} %)` : `Importing ${phase.done.toLocaleString()} / ${phase.total.toLocaleString()} students`;

  return (
    <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius data-testid="students-import">
      <Flex gap={3} alignItems="center" wrap="wrap">
        <Typography variant="delta" tag="h2">
          Students
        </Typography>
        <Typography variant="pi" textColor="neutral600">
          users.csv: at least uid,notebooks; real_name, email, team and any other column are kept as private attributes
        </Typography>
        <input
          ref={input}
          type="file"
          accept=".csv,text/csv"
          hidden
          data-testid="students-file"
          onChange={(e) => {
            const chosen = e.target.files?.[0];
            e.target.value = '';
            if (chosen) void start(chosen);
          }}
        />
        <Button startIcon={<Upload />} variant="secondary" disabled={phase !== null} onClick={() => input.current?.click()}>
          Import students (users.csv)
        </Button>
      </Flex>
      {phase && (
        <Flex gap={2} paddingTop={3} alignItems="center" data-testid="students-import-progress" data-percent={percent}>
          <Box style={{ width: 240 }}>
            <ProgressBar value={percent} aria-label="Import progress" size="M" />
          </Box>
          <Typography variant="pi">{label}</Typography>
        </Flex>
      )}
      {error && (
        <Box paddingTop={3}>
          <Typography textColor="danger600" data-testid="students-import-error">
            {file?.name}: {error}
          </Typography>
        </Box>
      )}
      {result && (
        <Box paddingTop={3} data-testid="students-import-result">
          <Typography fontWeight="bold" data-testid="students-import-summary">
            {file?.name}: {result.created} created, {result.updated} updated, {result.rejected.length} rejected
          </Typography>
          {result.rejected.length > 0 && (
            <Box paddingTop={2}>
              <Table colCount={2} rowCount={result.rejected.length + 1}>
                <Thead>
                  <Tr>
                    <Th>
                      <Typography variant="sigma">Line</Typography>
                    </Th>
                    <Th>
                      <Typography variant="sigma">Reason</Typography>
                    </Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {result.rejected.map((r) => (
                    <Tr key={r.row} data-testid="students-import-rejected">
                      <Td>
                        <Typography>{r.row}</Typography>
                      </Td>
                      <Td>
                        <Typography>{r.reason}</Typography>
                      </Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            </Box>
          )}
        </Box>
      )}
    </Box>
  );
}
