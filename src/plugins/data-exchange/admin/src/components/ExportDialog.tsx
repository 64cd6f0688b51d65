import * as React from 'react';
import { useLocation } from 'react-router-dom';
import { useAuth, useFetchClient } from '@strapi/strapi/admin';
import { Box, Button, Flex, Modal, Typography } from '@strapi/design-system';
import { Progress } from './Progress';
import { Download } from '@strapi/icons';
// The platform's chart kit already saves Blobs through a temporary link.
import { saveBlob } from '../../../../dashboards/admin/src/chart-kit/downloadCsv';

interface FieldInfo {
  name: string;
  label: string;
  kind: string;
}

const DELIMITERS: Array<[string, string]> = [
  [',', 'Comma (,)'],
  [';', 'Semicolon (;)'],
  ['tab', 'Tab'],
  ['|', 'Pipe (|)'],
];

export const ExportDialog = ({ uid }: { uid: string }) => {
  const { get } = useFetchClient();
  const token = useAuth('DataExchangeExport', (state: any) => state.token);
  const { search } = useLocation();
  const [open, setOpen] = React.useState(false);
  const [fields, setFields] = React.useState<FieldInfo[]>([]);
  const [chosen, setChosen] = React.useState<Set<string>>(new Set());
  const [delimiter, setDelimiter] = React.useState(',');
  const [bom, setBom] = React.useState(true);
  const [relations, setRelations] = React.useState<'display' | 'id'>('display');
  const [progress, setProgress] = React.useState<{ rows: number; total: number } | null>(null);
  const [done, setDone] = React.useState<string | null>(null);
  const [error, setError] = React.useState<string | null>(null);

  React.useEffect(() => {
    if (!open) return;
    setDone(null);
    setError(null);
    setProgress(null);
    get<{ data: { fields: FieldInfo[] } }>(`/data-exchange/${uid}/fields`)
      .then(({ data }) => {
        setFields(data.data.fields);
        setChosen(new Set(data.data.fields.map((f) => f.name)));
      })
      .catch((e) => setError((e as Error).message));
  }, [open, uid]);

  const run = async () => {
    setError(null);
    setDone(null);
    // The list's own query string: its filters, sort and locale apply to the export as they are.
    const params = new URLSearchParams(search);
    params.delete('page');
    params.delete('pageSize');
    params.set('delimiter', delimiter);
    params.set('bom', String(bom));
    params.set('relations', relations);
    params.set('columns', fields.filter((f) => chosen.has(f.name)).map((f) => f.name).join(','));
    try {
      const res = await fetch(`${(window as any).strapi.backendURL}/data-exchange/${uid}/export.csv?${params}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (!res.ok || !res.body) {
        const body = await res.json().catch(() => null);
        throw new Error(body?.error?.message ?? `Export failed (${res.status})`);
      }
      const total = Number(res.headers.get('X-Total-Count') ?? 0);
      const filename = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? 'export.csv';
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let lines = 0;
      setProgress({ rows: 0, total });
      for (;;) {
        const { done: finished, value } = await reader.read();
        if (finished) break;
        chunks.push(value);
        for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
        setProgress({ rows: Math.min(Math.max(lines - 1, 0), total), total });
      }
      setProgress({ rows: total, total });
      saveBlob(new Blob(chunks as BlobPart[], { type: 'text/csv' }), filename);
      setDone(`${total.toLocaleString()} rows exported to ${filename}`);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const percent = progress && progress.total ? Math.round((progress.rows / progress.total) * 100) : progress ? 100 : 0;
  return (
    <Modal.Root open={open} onOpenChange={setOpen}>
      <Modal.Trigger>
        <Button variant="tertiary" startIcon={<Download />} data-testid="data-exchange-export">
          Export CSV
        </Button>
      </Modal.Trigger>
      <Modal.Content>
        <Modal.Header>
          <Modal.Title>Export CSV</Modal.Title>
        </Modal.Header>
        <Modal.Body>
          <Flex direction="column" alignItems="stretch" gap={4}>
            <Typography variant="pi" textColor="neutral600">
              Exports every row matching the list's current filters and sort (not only this page). Private fields are never exported.
            </Typography>
            <Flex gap={4} wrap="wrap">
              <label>
                <Typography variant="pi" fontWeight="bold">Delimiter </Typography>
                <select value={delimiter} onChange={(e) => setDelimiter(e.target.value)} name="delimiter">
                  {DELIMITERS.map(([v, l]) => (
                    <option key={v} value={v}>{l}</option>
                  ))}
                </select>
              </label>
              <label>
                <Typography variant="pi" fontWeight="bold">Relations as </Typography>
                <select value={relations} onChange={(e) => setRelations(e.target.value as 'display' | 'id')} name="relations">
                  <option value="display">display field</option>
                  <option value="id">id</option>
                </select>
              </label>
              <label>
                <input type="checkbox" checked={bom} onChange={(e) => setBom(e.target.checked)} name="bom" />
                <Typography variant="pi"> UTF-8 BOM (for spreadsheets)</Typography>
              </label>
            </Flex>
            <Box>
              <Typography variant="pi" fontWeight="bold">Columns</Typography>
              <Flex gap={3} wrap="wrap" paddingTop={2} data-testid="data-exchange-columns">
                {fields.map((f) => (
                  <label key={f.name}>
                    <input
                      type="checkbox"
                      name={`column-${f.name}`}
                      checked={chosen.has(f.name)}
                      onChange={(e) => {
                        const next = new Set(chosen);
                        if (e.target.checked) next.add(f.name);
                        else next.delete(f.name);
                        setChosen(next);
                      }}
                    />
                    <Typography variant="pi"> {f.label}</Typography>
                  </label>
                ))}
              </Flex>
            </Box>
            {progress ? (
              <Progress percent={percent} label={`${progress.rows.toLocaleString()} / ${progress.total.toLocaleString()} rows`} testId="data-exchange-export-progress" />
            ) : null}
            {done ? <Typography textColor="success600" data-testid="data-exchange-export-done">{done}</Typography> : null}
            {error ? <Typography textColor="danger600">{error}</Typography> : null}
          </Flex>
        </Modal.Body>
        <Modal.Footer>
          <Modal.Close>
            <Button variant="tertiary">Close</Button>
          </Modal.Close>
          <Button onClick={run} disabled={!chosen.size} data-testid="data-exchange-export-run">
            Export
          </Button>
        </Modal.Footer>
      </Modal.Content>
    </Modal.Root>
  );
};
