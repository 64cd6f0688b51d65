import * as React from 'react';
import { Layouts, Page, useAuth, useFetchClient } from '@strapi/strapi/admin';
import { Box, Button, Flex, ProgressBar, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { Upload } from '@strapi/icons';

import { ROBOTICS_UPLOAD } from './roboticsPermissions';

interface Report {
  id: number;
  documentId: string;
  file_name: string;
  format: string;
  total_lines: number;
  already_imported_lines: number;
  malformed_count: number;
  simulations_created: number;
  simulations_completed: number;
  sessions_created: number;
  errors_created: number;
  malformed_lines: Array<{ line: number; reason: string; text: string }>;
}

/**
 * Uploads robotics log files one request per file (XMLHttpRequest, for its upload progress; the admin's
 * token as fetch would send it) and shows each file's import report.
 */
function uploadFile(file: File, token: string | null, onProgress: (loaded: number) => void): Promise<Report[]> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/ingest/robotics/upload');
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      let body: any = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: reported below with the status
      }
      if (xhr.status === 200 && body?.data) resolve(body.data.reports as Report[]);
      else reject(new Error(body?.error?.message ?? `upload failed with status ${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error('network error'));
    const form = new FormData();
    form.append('files', file, file.name);
    xhr.send(form);
  });
}

const RoboticsUpload = () => {
  const token = useAuth('RoboticsUpload', (auth) => auth.token);
  const { get } = useFetchClient();
  const [files, setFiles] = React.useState<File[]>([]);
  const [progress, setProgress] = React.useState<{ done: number; total: number; current: string } | null>(null);
  const [errors, setErrors] = React.useState<string[]>([]);
  const [reports, setReports] = React.useState<Report[]>([]);
  const [recent, setRecent] = React.useState<Report[]>([]);
  const input = React.useRef<HTMLInputElement>(null);

  const loadRecent = React.useCallback(async () => {
    const res = await get<{ data: Report[] }>('/ingest/robotics/reports?limit=20');
    setRecent(res.data.data);
  }, [get]);
  React.useEffect(() => {
    loadRecent().catch(() => undefined);
  }, [loadRecent]);

  const start = async () => {
    const total = files.reduce((n, f) => n + f.size, 0) || 1;
    let sent = 0;
    const done: Report[] = [];
    const failed: string[] = [];
    for (const file of files) {
      setProgress({ done: sent, total, current: file.name });
      try {
        done.push(...(await uploadFile(file, token ?? null, (loaded) => setProgress({ done: sent + loaded, total, current: file.name }))));
      } catch (error) {
        failed.push(`${file.name}: ${(error as Error).message}`);
      }
      sent += file.size;
    }
    setProgress({ done: total, total, current: '' });
    setReports(done);
    setErrors(failed);
    setFiles([]);
    if (input.current) input.current.value = '';
    await loadRecent().catch(() => undefined);
  };

  const percent = progress ? Math.round((100 * progress.done) / progress.total) : 0;
  const busy = progress !== null && percent < 100;
  const table = (rows: Report[], label: string) => (
    <Table colCount={8} rowCount={rows.length + 1} aria-label={label}>
      <Thead>
        <Tr>
          {['File', 'Format', 'Lines', 'Already imported', 'Simulations (new + completed)', 'Sessions', 'Errors', 'Malformed'].map((h) => (
            <Th key={h}>
              <Typography variant="sigma">{h}</Typography>
            </Th>
          ))}
        </Tr>
      </Thead>
      <Tbody>
        {rows.map((r) => (
          <Tr key={r.id}>
            <Td><Typography>{r.file_name}</Typography></Td>
            <Td><Typography>{r.format}</Typography></Td>
            <Td><Typography>{r.total_lines}</Typography></Td>
            <Td><Typography>{r.already_imported_lines}</Typography></Td>
            <Td><Typography>{`${r.simulations_created} + ${r.simulations_completed}`}</Typography></Td>
            <Td><Typography>{r.sessions_created}</Typography></Td>
            <Td><Typography>{r.errors_created}</Typography></Td>
            <Td>
              <Typography textColor={r.malformed_count ? 'danger600' : undefined} title={(r.malformed_lines ?? []).slice(0, 10).map((m) => `line ${m.line}: ${m.reason}`).join('\n')}>
                {r.malformed_count}
              </Typography>
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );

  return (
    <Page.Main>
      <Page.Title>Robotics log import</Page.Title>
      <Layouts.Header title="Robotics log import" subtitle="Kibotics web server logs, v1 (log.txt) or v2 (YYYY-MM-DD-log.txt). Importing a file again changes nothing." />
      <Layouts.Content>
        <Flex direction="column" alignItems="stretch" gap={4}>
          <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius>
            <Flex gap={4} alignItems="center" wrap="wrap">
              <input ref={input} type="file" multiple aria-label="Log files" onChange={(e) => setFiles(Array.from(e.target.files ?? []))} disabled={busy} />
              <Button startIcon={<Upload />} onClick={start} disabled={!files.length || busy} loading={busy}>
                {files.length ? `Import ${files.length} file${files.length > 1 ? 's' : ''}` : 'Import'}
              </Button>
            </Flex>
            {progress ? (
              <Flex gap={2} paddingTop={4} alignItems="center" data-testid="upload-progress" data-percent={percent}>
                <Box width="320px">
                  <ProgressBar value={percent} aria-label="Upload progress" size="M" />
                </Box>
                <Typography variant="pi">{busy ? `${percent} % · ${progress.current}` : 'Done'}</Typography>
              </Flex>
            ) : null}
            {errors.map((e) => (
              <Typography key={e} textColor="danger600" tag="p">
                {e}
              </Typography>
            ))}
          </Box>
          {reports.length ? (
            <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius>
              <Typography variant="delta" tag="h2">This import</Typography>
              {table(reports, 'This import')}
              {reports.flatMap((r) => (r.malformed_lines ?? []).map((m) => ({ ...m, file: r.file_name }))).slice(0, 50).map((m) => (
                <Typography key={`${m.file}:${m.line}`} variant="pi" tag="p" textColor="neutral700">
                  {`${m.file} line ${m.line}: ${m.reason} — ${m.text}`}
                </Typography>
              ))}
            </Box>
          ) : null}
          <Box background="neutral0" padding={4} shadow="tableShadow" hasRadius>
            <Typography variant="delta" tag="h2">Recent imports (all reports: Content Manager → Import report)</Typography>
            {table(recent, 'Recent imports')}
          </Box>
        </Flex>
      </Layouts.Content>
    </Page.Main>
  );
};

const RoboticsUploadPage = () => (
  <Page.Protect permissions={ROBOTICS_UPLOAD}>
    <RoboticsUpload />
  </Page.Protect>
);

export default RoboticsUploadPage;
