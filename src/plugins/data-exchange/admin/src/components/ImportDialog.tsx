import * as React from 'react';
import { useFetchClient } from '@strapi/strapi/admin';
import { Box, Button, Flex, Modal, Typography } from '@strapi/design-system';
import { Progress } from './Progress';
import { Upload } from '@strapi/icons';

interface Preview {
  encoding: string;
  delimiter: string;
  headers: string[];
  rows: string[][];
  mapping: Record<string, string | null>;
  fields: Array<{ name: string; label: string; required: boolean; unique: boolean }>;
  keyFields: string[];
}
interface Problem {
  line: number;
  column?: string;
  value?: string;
  message: string;
}
interface Report {
  ok: boolean;
  dryRun: boolean;
  total: number;
  created: number;
  updated: number;
  problemCount: number;
  problems: Problem[];
}
interface Job {
  id: string;
  state: 'running' | 'done' | 'failed';
  progress: { phase: string; processed: number; total: number };
  report?: Report;
  error?: { message: string };
}

const delimiterName = (d: string) => (d === '\t' ? 'tab' : d);
const errorMessage = (e: any) => e?.response?.data?.error?.message ?? e?.message ?? 'Request failed';

/** Upload -> preview and mapping -> dry run -> import, with a progress bar while the job runs. */
export const ImportDialog = ({ uid }: { uid: string }) => {
  const { get, post } = useFetchClient();
  const [open, setOpen] = React.useState(false);
  const [file, setFile] = React.useState<File | null>(null);
  const [preview, setPreview] = React.useState<Preview | null>(null);
  const [mapping, setMapping] = React.useState<Record<string, string | null>>({});
  const [mode, setMode] = React.useState<'create' | 'update' | 'upsert'>('create');
  const [key, setKey] = React.useState('');
  const [relations, setRelations] = React.useState<'display' | 'id'>('display');
  const [job, setJob] = React.useState<Job | null>(null);
  const [error, setError] = React.useState<string | null>(null);

  const reset = () => {
    setFile(null);
    setPreview(null);
    setJob(null);
    setError(null);
  };

  const form = (extra: Record<string, string> = {}) => {
    const data = new FormData();
    data.append('file', file as File);
    for (const [k, v] of Object.entries(extra)) data.append(k, v);
    return data;
  };

  const choose = async (chosen: File | null) => {
    reset();
    setFile(chosen);
    if (!chosen) return;
    try {
      const data = new FormData();
      data.append('file', chosen);
      const res = await post<{ data: Preview }>(`/data-exchange/${uid}/import/preview`, data);
      setPreview(res.data.data);
      setMapping(res.data.data.mapping);
      setKey(res.data.data.keyFields.find((k) => k !== 'id' && k !== 'documentId') ?? res.data.data.keyFields[0] ?? '');
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const start = async (dryRun: boolean) => {
    if (!preview) return;
    setError(null);
    setJob(null);
    try {
      const res = await post<{ data: Job }>(
        `/data-exchange/${uid}/import`,
        form({
          dryRun: String(dryRun),
          mode,
          relations,
          delimiter: delimiterName(preview.delimiter),
          encoding: preview.encoding,
          mapping: JSON.stringify(mapping),
          ...(mode !== 'create' ? { key } : {}),
        }),
      );
      let current = res.data.data;
      setJob(current);
      while (current.state === 'running') {
        await new Promise((r) => setTimeout(r, 400));
        current = (await get<{ data: Job }>(`/data-exchange/import-jobs/${current.id}`)).data.data;
        setJob(current);
      }
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const running = job?.state === 'running';
  const report = job?.report;
  const percent = job && job.progress.total ? Math.round((job.progress.processed / job.progress.total) * 100) : 0;
  return (
    <Modal.Root
      open={open}
      onOpenChange={(o: boolean) => {
        setOpen(o);
        if (o) return;
        // The list behind the dialog shows the imported rows only after a reload.
        if (job?.report?.ok && !job.report.dryRun) window.location.reload();
        reset();
      }}
    >
      <Modal.Trigger>
        <Button variant="tertiary" startIcon={<Upload />} data-testid="data-exchange-import">
          Import CSV
        </Button>
      </Modal.Trigger>
      <Modal.Content style={{ maxWidth: '60rem', width: '90vw' }}>
        <Modal.Header>
          <Modal.Title>Import CSV</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <Flex direction="column" alignItems="stretch" gap={4}>
            <input type="file" accept=".csv,text/csv,text/plain" name="file" onChange={(e) => choose(e.target.files?.[0] ?? null)} />
            {preview ? (
              <>
                <Typography variant="pi" data-testid="data-exchange-detected">
                  Detected encoding <b>{preview.encoding}</b>, delimiter <b>{delimiterName(preview.delimiter) === ',' ? 'comma' : delimiterName(preview.delimiter)}</b>; first {preview.rows.length} rows:
                </Typography>
                <Box style={{ overflowX: 'auto' }}>
                  <table data-testid="data-exchange-preview" style={{ borderCollapse: 'collapse', fontSize: '1.2rem' }}>
                    <thead>
                      <tr>
                        {preview.headers.map((h) => (
                          <th key={h} style={{ padding: '4px 8px', textAlign: 'left', borderBottom: '1px solid #ccc' }}>
                            <Typography variant="pi" fontWeight="bold">{h}</Typography>
                            <br />
                            <select
                              aria-label={`Field for ${h}`}
                              name={`map-${h}`}
                              value={mapping[h] ?? ''}
                              onChange={(e) => setMapping({ ...mapping, [h]: e.target.value || null })}
                            >
                              <option value="">(ignore)</option>
                              {preview.fields.map((f) => (
                                <option key={f.name} value={f.name}>
                                  {f.label}{f.required ? ' *' : ''}
                                </option>
                              ))}
                            </select>
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {preview.rows.map((row, i) => (
                        <tr key={i}>
                          {preview.headers.map((h, j) => (
                            <td key={h} style={{ padding: '2px 8px', borderBottom: '1px solid #eee' }}>
                              <Typography variant="pi">{row[j]}</Typography>
                            </td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </Box>
                <Flex gap={4} wrap="wrap">
                  <label>
                    <Typography variant="pi" fontWeight="bold">Rows </Typography>
                    <select name="mode" value={mode} onChange={(e) => setMode(e.target.value as any)}>
                      <option value="create">create new</option>
                      <option value="update">update existing (by key)</option>
                      <option value="upsert">update existing, create the others</option>
                    </select>
                  </label>
                  {mode !== 'create' ? (
                    <label>
                      <Typography variant="pi" fontWeight="bold">Key </Typography>
                      <select name="key" value={key} onChange={(e) => setKey(e.target.value)}>
                        {preview.keyFields.map((k) => (
                          <option key={k} value={k}>{k}</option>
                        ))}
                      </select>
                    </label>
                  ) : null}
                  <label>
                    <Typography variant="pi" fontWeight="bold">Relations by </Typography>
                    <select name="relations" value={relations} onChange={(e) => setRelations(e.target.value as any)}>
                      <option value="display">display field</option>
                      <option value="id">id</option>
                    </select>
                  </label>
                </Flex>
              </>
            ) : null}
            {job ? (
              <Progress
                percent={job.state === 'running' ? percent : 100}
                label={`${job.progress.phase} ${job.progress.processed.toLocaleString()} / ${job.progress.total.toLocaleString()} rows`}
                testId="data-exchange-import-progress"
              />
            ) : null}
            {job?.state === 'failed' ? <Typography textColor="danger600">{job.error?.message}</Typography> : null}
            {report ? (
              <Box data-testid="data-exchange-report">
                {report.ok ? (
                  <Typography textColor="success600" fontWeight="bold">
                    {report.dryRun ? 'Dry run: no problems. ' : 'Imported. '}
                    {report.dryRun ? 'Would create' : 'Created'} {report.created}, {report.dryRun ? 'would update' : 'updated'} {report.updated} of {report.total} rows.
                  </Typography>
                ) : (
                  <>
                    <Typography textColor="danger600" fontWeight="bold">
                      {report.problemCount} problem(s); nothing was written{report.dryRun ? ' (dry run)' : ''}.
                    </Typography>
                    <table style={{ borderCollapse: 'collapse', fontSize: '1.2rem', marginTop: 8 }}>
                      <thead>
                        <tr>
                          {['Line', 'Column', 'Value', 'Problem'].map((h) => (
                            <th key={h} style={{ textAlign: 'left', padding: '2px 8px' }}>
                              <Typography variant="pi" fontWeight="bold">{h}</Typography>
                            </th>
                          ))}
                        </tr>
                      </thead>
                      <tbody>
                        {report.problems.map((p, i) => (
                          <tr key={i}>
                            <td style={{ padding: '2px 8px' }}><Typography variant="pi">{p.line}</Typography></td>
                            <td style={{ padding: '2px 8px' }}><Typography variant="pi">{p.column ?? ''}</Typography></td>
                            <td style={{ padding: '2px 8px' }}><Typography variant="pi">{p.value ?? ''}</Typography></td>
                            <td style={{ padding: '2px 8px' }}><Typography variant="pi">{p.message}</Typography></td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </>
                )}
              </Box>
            ) : null}
            {error ? <Typography textColor="danger600">{error}</Typography> : null}
          </Flex>
        </Modal.Body>
        <Modal.Footer>
          <Modal.Close>
            <Button variant="tertiary">Close</Button>
          </Modal.Close>
          <Flex gap={2}>
            <Button variant="secondary" disabled={!preview || running} onClick={() => start(true)} data-testid="data-exchange-dry-run">
              Dry run
            </Button>
            <Button disabled={!preview || running} onClick={() => start(false)} data-testid="data-exchange-import-run">
              Import
            </Button>
          </Flex>
        </Modal.Footer>
      </Modal.Content>
    </Modal.Root>
  );
};
