import * as React from 'react';
import { useRBAC } from '@strapi/strapi/admin';
import { Box, Button, Field, Flex, Grid, IconButton, IconButtonGroup, TextInput, Typography } from '@strapi/design-system';
import { ArrowDown, ArrowUp, Drag, Plus, Trash } from '@strapi/icons';
import { RACE_QUEUE } from '../permissions';
import { AudienceLink } from '../race/AudienceLink';
import { CrewPage, type Notice } from '../race/CrewPage';
import { Panel } from '../race/Panel';
import { QuickInfo } from '../race/QuickInfo';
import { RunnerName } from '../race/RunnerName';
import { formatDuration, formatSeconds, moveTicket, type CrewRunner, type Ticket } from '../race/shared';
import { useCrewState } from '../race/useCrewState';
import { useRaceCommand, type CommandResult } from '../race/useRaceCommand';

type QueueAnswer = { queue: Ticket<CrewRunner>[]; queueVersion: number };

/**
 * The whole queue for the crew: drag (or the arrows) to reorder, remove, add by identification, and a
 * runner's quick info on click. Every edit names the queue version it was made on; when another screen
 * edited first the server refuses (409) and the page reloads the queue and says so.
 */
export function QueuePage() {
  const crew = useCrewState();
  const { allowedActions } = useRBAC(RACE_QUEUE);
  const canEdit = !!allowedActions.canQueue;
  const { send, busy } = useRaceCommand();
  const [notice, setNotice] = React.useState<Notice>();
  const [selected, setSelected] = React.useState<number | null>(null);
  const state = crew.state;

  const settle = (result: CommandResult<Partial<QueueAnswer>> | undefined, done: string) => {
    if (!result) return;
    if (result.ok && Array.isArray(result.data.queue) && typeof result.data.queueVersion === 'number') {
      crew.replaceQueue(result.data.queue, result.data.queueVersion);
      setNotice({ variant: 'success', text: done });
      return;
    }
    crew.refetch(); // refused, or an answer without the queue: show what the server has now
    if (result.ok) setNotice({ variant: 'success', text: done });
    else if (result.status === 409)
      setNotice({ variant: 'warning', text: `Not applied: the queue changed on another screen (${result.message}). It has been reloaded; try again.` });
    else setNotice({ variant: 'danger', text: result.message });
  };

  const move = async (ticket: Ticket<CrewRunner>, toPosition: number) => {
    if (!state || toPosition === ticket.position || toPosition < 0 || toPosition >= state.queue.length) return;
    const expectedVersion = state.queueVersion;
    crew.replaceQueue(moveTicket(state.queue, ticket.ticketId, toPosition), expectedVersion); // optimistic; the answer replaces it
    const result = await send<QueueAnswer>('POST', '/lap-control/queue/move', { ticketId: ticket.ticketId, toPosition, expectedVersion });
    settle(result, `${ticket.runner.name} moved to place ${toPosition + 1}.`);
  };
  const remove = async (ticket: Ticket<CrewRunner>) => {
    if (!state) return;
    const result = await send<QueueAnswer>('DELETE', `/lap-control/queue/${ticket.ticketId}?expectedVersion=${state.queueVersion}`);
    settle(result, `${ticket.runner.name} removed from the queue.`);
  };
  const add = async (identification: string) => {
    if (!state) return false;
    const result = await send<Partial<QueueAnswer>>('POST', '/lap-control/queue', { identification, expectedVersion: state.queueVersion });
    if (result && !result.ok && result.status === 404) {
      setNotice({ variant: 'warning', text: `${identification} is not registered yet: register them at the kiosk (or in the Content Manager) first.` });
      return false;
    }
    settle(result, `${identification} joined the queue.`);
    return !!result?.ok;
  };

  return (
    <CrewPage
      pageTitle="Race queue"
      title="Queue"
      subtitle={(s) => `${s.queue.length} ${s.queue.length === 1 ? 'runner' : 'runners'} waiting`}
      audienceLink={<AudienceLink page="queue.html" label="Public queue" />}
      crew={crew}
      notice={notice}
      onCloseNotice={() => setNotice(undefined)}
      noticeId="queue-notice"
    >
      {(state) => (
        <Grid.Root gap={4}>
          <Grid.Item col={8} s={12} direction="column" alignItems="stretch">
            <Panel title="Waiting to run" action={canEdit ? <AddToQueue onAdd={add} busy={busy} /> : undefined}>
              <QueueList tickets={state.queue} canEdit={canEdit && !busy} selected={selected} onSelect={setSelected} onMove={move} onRemove={remove} />
              {canEdit && state.queue.length > 1 && (
                <Typography variant="pi" textColor="neutral600" tag="p" paddingTop={3}>
                  Drag a runner (or use the arrows) to change the order.
                </Typography>
              )}
            </Panel>
          </Grid.Item>
          <Grid.Item col={4} s={12} direction="column" alignItems="stretch">
            <Panel title="Quick info">
              <QuickInfo runnerId={selected} refreshKey={state.queueVersion} />
            </Panel>
          </Grid.Item>
        </Grid.Root>
      )}
    </CrewPage>
  );
}

function AddToQueue({ onAdd, busy }: { onAdd: (identification: string) => Promise<boolean>; busy: boolean }) {
  const [identification, setIdentification] = React.useState('');
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        if (identification.trim() && (await onAdd(identification.trim()))) setIdentification('');
      }}
    >
      <Flex gap={2} alignItems="flex-end">
        <Field.Root name="identification">
          <Field.Label>Add by identification</Field.Label>
          <TextInput
            value={identification}
            onChange={(e: React.ChangeEvent<HTMLInputElement>) => setIdentification(e.target.value)}
            placeholder="r0123456"
            size="S"
          />
        </Field.Root>
        <Button type="submit" variant="secondary" startIcon={<Plus />} disabled={busy || !identification.trim()}>
          Add
        </Button>
      </Flex>
    </form>
  );
}

interface QueueListProps {
  tickets: Ticket<CrewRunner>[];
  canEdit: boolean;
  selected: number | null;
  onSelect: (runnerId: number) => void;
  onMove: (ticket: Ticket<CrewRunner>, toPosition: number) => void;
  onRemove: (ticket: Ticket<CrewRunner>) => void;
}

/** Drag data type of a queue row, so drops of anything else (text, files) are ignored. */
const TICKET_TYPE = 'application/x-race-ticket';

/** HTML drag and drop between rows; the drop target row shows a line above it. */
function QueueList({ tickets, canEdit, selected, onSelect, onMove, onRemove }: QueueListProps) {
  const [dragged, setDragged] = React.useState<number>();
  const [over, setOver] = React.useState<number>();
  if (!tickets.length) return <Typography textColor="neutral600">The queue is empty.</Typography>;
  const end = () => {
    setDragged(undefined);
    setOver(undefined);
  };
  return (
    <ol aria-label="Queue" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {tickets.map((ticket, index) => (
        <li
          key={ticket.ticketId}
          data-ticket-id={ticket.ticketId}
          draggable={canEdit}
          onDragStart={(e) => {
            e.dataTransfer.effectAllowed = 'move';
            e.dataTransfer.setData(TICKET_TYPE, String(ticket.ticketId));
            setDragged(ticket.ticketId);
          }}
          onDragOver={(e) => {
            if (!e.dataTransfer.types.includes(TICKET_TYPE)) return;
            e.preventDefault();
            e.dataTransfer.dropEffect = 'move';
            setOver(index);
          }}
          onDrop={(e) => {
            e.preventDefault();
            const moving = tickets.find((t) => t.ticketId === Number(e.dataTransfer.getData(TICKET_TYPE)));
            if (moving) onMove(moving, index);
            end();
          }}
          onDragEnd={end}
        >
          <Box
            padding={2}
            hasRadius
            background={selected === ticket.runner.id ? 'primary100' : 'neutral0'}
            style={{
              borderTop: over === index && dragged !== ticket.ticketId ? '3px solid #4945ff' : '1px solid #eaeaef',
              cursor: 'pointer',
              opacity: dragged === ticket.ticketId ? 0.5 : 1,
            }}
            onClick={() => onSelect(ticket.runner.id)}
          >
            <Flex gap={3}>
              {canEdit && (
                <Box color="neutral500" style={{ cursor: 'grab' }} aria-hidden>
                  <Drag />
                </Box>
              )}
              <Typography variant="delta" textColor="neutral500" style={{ minWidth: '2em' }}>
                {index + 1}
              </Typography>
              <Box flex={1} minWidth={0}>
                <RunnerName runner={ticket.runner} variant="delta" />
              </Box>
              <Typography variant="pi" textColor="neutral600" style={{ whiteSpace: 'nowrap' }}>
                {ticket.runner.lapsRun} {ticket.runner.lapsRun === 1 ? 'lap' : 'laps'} · best {formatDuration(ticket.runner.bestLapMs)} · test{' '}
                {formatSeconds(ticket.runner.testTimeSeconds)}
              </Typography>
              {canEdit && (
                <IconButtonGroup onClick={(e: React.MouseEvent) => e.stopPropagation()}>
                  <IconButton label={`Move ${ticket.runner.name} up`} withTooltip={false} disabled={index === 0} onClick={() => onMove(ticket, index - 1)}>
                    <ArrowUp />
                  </IconButton>
                  <IconButton
                    label={`Move ${ticket.runner.name} down`}
                    withTooltip={false}
                    disabled={index === tickets.length - 1}
                    onClick={() => onMove(ticket, index + 1)}
                  >
                    <ArrowDown />
                  </IconButton>
                  <IconButton label={`Remove ${ticket.runner.name}`} withTooltip={false} variant="danger-light" onClick={() => onRemove(ticket)}>
                    <Trash />
                  </IconButton>
                </IconButtonGroup>
              )}
            </Flex>
          </Box>
        </li>
      ))}
    </ol>
  );
}
