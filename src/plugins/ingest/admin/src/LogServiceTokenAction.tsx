import * as React from 'react';
import { useFetchClient, useRBAC } from '@strapi/strapi/admin';
import { Box, Button, Flex, Typography } from '@strapi/design-system';

const LOG_SERVICE = 'api::logs.log-service';
const PERMISSIONS = [{ action: 'plugin::ingest.tokens.manage', subject: null }];

interface Issued {
  token: string;
  token_prefix: string;
  service: string;
}

/** Modal body: asks for confirmation, issues the token, then shows it once with a copy hint. */
const TokenDialog = ({ documentId, rotating }: { documentId: string; rotating: boolean }) => {
  const { post } = useFetchClient();
  const [issued, setIssued] = React.useState<Issued | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);

  const issue = async () => {
    setBusy(true);
    setError(null);
    try {
      const { data } = await post<{ data: Issued }>(`/ingest/log-services/${documentId}/token`, {});
      setIssued(data.data);
    } catch (e) {
      setError((e as Error).message ?? 'Could not create the token');
    } finally {
      setBusy(false);
    }
  };

  if (issued) {
    return (
      <Flex direction="column" alignItems="stretch" gap={3}>
        <Typography>
          Token of <b>{issued.service}</b>. Copy it now: it is stored only as a hash and will never be shown again.
        </Typography>
        <Box padding={3} background="neutral100" hasRadius>
          <Typography style={{ fontFamily: 'monospace', wordBreak: 'break-all', userSelect: 'all' }} data-testid="ingest-token">
            {issued.token}
          </Typography>
        </Box>
        <Typography variant="pi" textColor="neutral600">
          Send it as <code>Authorization: Token {'<token>'}</code> to <code>POST /api/ingest/logs</code>.
        </Typography>
        <Button variant="secondary" onClick={() => navigator.clipboard?.writeText(issued.token)}>
          Copy to clipboard
        </Button>
      </Flex>
    );
  }
  return (
    <Flex direction="column" alignItems="stretch" gap={3}>
      <Typography>
        {rotating
          ? 'Rotating creates a new token and invalidates the current one immediately: the service must be updated.'
          : 'Creates the token this service uses to post its logs.'}
      </Typography>
      {error ? <Typography textColor="danger600">{error}</Typography> : null}
      <Button onClick={issue} loading={busy}>
        {rotating ? 'Rotate now' : 'Create token'}
      </Button>
    </Flex>
  );
};

/** Content Manager document action on the log-service edit view. */
export const LogServiceTokenAction = ({ model, documentId, document }: any) => {
  const { allowedActions } = useRBAC(PERMISSIONS);
  if (model !== LOG_SERVICE || !documentId || documentId === 'create') return null;
  const rotating = Boolean(document?.token_prefix);
  return {
    label: rotating ? 'Rotate token' : 'Create token',
    position: ['panel', 'table-row'],
    disabled: !(allowedActions as Record<string, boolean>).canManage,
    dialog: {
      type: 'modal',
      title: rotating ? `Rotate token (current prefix ${document.token_prefix})` : 'Create token',
      content: <TokenDialog documentId={documentId} rotating={rotating} />,
    },
  };
};
LogServiceTokenAction.type = 'ingest-token';
