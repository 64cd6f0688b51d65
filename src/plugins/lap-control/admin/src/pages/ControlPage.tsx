import * as React from 'react';
import { Link as RouterLink } from 'react-router-dom';
import { useRBAC } from '@strapi/strapi/admin';
import { Box, Button, Flex, Grid, Link, Table, Tbody, Td, Th, Thead, Tr, Typography } from '@strapi/design-system';
import { ArrowsCounterClockwise, Play } from '@strapi/icons';
import { RACE_CONTROL, RACE_PAGE_PATH } from '../permissions';
import { AudienceLink } from '../race/AudienceLink';
import { CrewPage, type Notice } from '../race/CrewPage';
import { LapTimer } from '../race/LapTimer';
import { Panel } from '../race/Panel';
import { RunnerName } from '../race/RunnerName';
import { formatClock, formatDateTime, formatDuration, type CrewRunner, type CrewState, type FinishedLap, type RunningLap } from '../race/shared';
import { useCrewState } from '../race/useCrewState';
import { useRaceCommand, type CommandResult } from '../race/useRaceCommand';
import { useShortcuts } from '../race/useShortcuts';

type AdvanceAnswer = { closed: FinishedLap<CrewRunner> | null; started: RunningLap<CrewRunner> | null; state: CrewState };
type ReverseAnswer = { reopened: RunningLap<CrewRunner> | null; state: CrewState };

const NEXT_KEY = 'n';
const REVERSE_KEY = 'Backspace';

/**
 * Race control at the finish line: "Next lap" closes the running lap and starts the head of the queue,
 * "Reverse" undoes the last advance. Both say which lap the operator saw running (expectedLapId), so a
 * double press or a second crew screen gets a 409 instead of a second change; the page then shows the
 * state the server sent back.
 */
export function ControlPage() {
  const crew = useCrewState();
  const { allowedActions } = useRBAC(RACE_CONTROL);
  const canControl = !!allowedActions.canControl;
  const { send, busy } = useRaceCommand();
  const [notice, setNotice] = React.useState<Notice>();
  const state = crew.state;
  const current = state?.current ?? null;

  const settle = <T extends { state: CrewState }>(result: CommandResult<T> | undefined, success: (data: T) => string | undefined) => {
    if (!result) return;
    if (result.ok) {
      crew.replace(result.data.state);
      const text = success(result.data);
      setNotice(text ? { variant: 'success', text } : undefined);
    } else if (result.status === 409) {
      const fresh = result.body.state as CrewState | undefined;
      if (fresh) crew.replace(fresh);
      else crew.refetch();
      // The server's wording is for logs; the operator needs what happened and what to do.
      setNotice({
        variant: 'warning',
        text: 'Not applied: another screen (or a double press) changed the race first. This page now shows the current race; press again if still needed.',
      });
    } else {
      setNotice({ variant: 'danger', text: result.message });
    }
  };

  const canAdvance = canControl && !!state && !state.race.finished && (!!current || state.queue.length > 0);
  // With no lap running, Reverse undoes the advance that closed the last lap (expectedLapId null).
  const canReverse = canControl && !!state && (!!current || state.lastLaps.length > 0);

  const advance = async () => {
    if (!canAdvance || busy) return;
    // The instant of the press on the server's clock: the lap ends when the runner crossed, not when the
    // request arrived. Never before the running lap's start (a clock estimate a few ms early would be refused).
    const at = new Date(Math.max(crew.clock.now(), current ? Date.parse(current.startedAt) : 0)).toISOString();
    const result = await send<AdvanceAnswer>('POST', '/lap-control/advance', { expectedLapId: current?.lapId ?? null, at });
    settle(
      result,
      ({ closed, started }) =>
        [closed && `${closed.runner.name}: ${formatDuration(closed.durationMs)}`, started && `${started.runner.name} is running`].filter(Boolean).join(' · ') ||
        undefined,
    );
  };
  const reverse = async () => {
    if (!canReverse || busy) return;
    const result = await send<ReverseAnswer>('POST', '/lap-control/reverse', { expectedLapId: current?.lapId ?? null });
    settle(
      result,
      ({ reopened }) =>
        [current && `${current.runner.name} is back at the head of the queue`, reopened && `${reopened.runner.name} runs again`].filter(Boolean).join(' · ') ||
        'Reversed.',
    );
  };
  useShortcuts({ [NEXT_KEY]: advance, [REVERSE_KEY]: reverse }, canControl);

  return (
    <CrewPage
      pageTitle="Race control"
      title="Control"
      subtitle={(s) => `${s.race.name} · until ${formatDateTime(s.race.endsAt, s.race.timezone)} (${s.race.timezone})`}
      audienceLink={<AudienceLink page="fullscreen.html" label="Fullscreen screen" />}
      crew={crew}
      notice={notice}
      onCloseNotice={() => setNotice(undefined)}
      noticeId="control-notice"
    >
      {(state) => (
        <>
          <Grid.Root gap={4}>
            <Grid.Item col={7} s={12} direction="column" alignItems="stretch">
              <Panel title="Running now">
                <RunningNow lap={current} crew={crew} />
                <Flex gap={3} paddingTop={5}>
                  <Button size="L" startIcon={<Play />} onClick={advance} disabled={!canAdvance} loading={busy} style={{ flex: 2, height: '88px' }}>
                    <BigLabel size="24px">Next lap</BigLabel>
                  </Button>
                  <Button
                    size="L"
                    variant="danger-light"
                    startIcon={<ArrowsCounterClockwise />}
                    onClick={reverse}
                    disabled={!canReverse || busy}
                    style={{ flex: 1, height: '88px' }}
                  >
                    <BigLabel size="18px">Reverse</BigLabel>
                  </Button>
                </Flex>
                <Box paddingTop={3}>
                  <Typography variant="pi" textColor="neutral600" data-testid="shortcut-hint">
                    {canControl ? (
                      <>
                        Shortcuts: <Kbd>N</Kbd> next lap · <Kbd>Backspace</Kbd> reverse
                      </>
                    ) : (
                      'Your role can follow the race here but not advance or reverse laps.'
                    )}
                  </Typography>
                </Box>
              </Panel>
            </Grid.Item>
            <Grid.Item col={5} s={12} direction="column" alignItems="stretch">
              <Panel
                title="Next in queue"
                action={
                  <Link tag={RouterLink} to={`${RACE_PAGE_PATH}/queue`}>
                    Whole queue ({state.queue.length})
                  </Link>
                }
              >
                <NextUp state={state} />
              </Panel>
            </Grid.Item>
          </Grid.Root>
          <Panel title="Last laps">
            <LastLaps laps={state.lastLaps} timezone={state.race.timezone} />
          </Panel>
        </>
      )}
    </CrewPage>
  );
}

/** The Button sets its own small type on its label; the finish line needs it readable at arm's length. */
const BigLabel = ({ size, children }: { size: string; children: React.ReactNode }) => <span style={{ fontSize: size, lineHeight: 1.2 }}>{children}</span>;

const Kbd = ({ children }: { children: React.ReactNode }) => (
  <kbd style={{ border: '1px solid #c0c0cf', borderRadius: 4, padding: '0 6px', fontFamily: 'inherit', background: '#f6f6f9' }}>{children}</kbd>
);

function RunningNow({ lap, crew }: { lap: RunningLap<CrewRunner> | null; crew: ReturnType<typeof useCrewState> }) {
  if (!lap) {
    return (
      <Typography variant="beta" textColor="neutral600" tag="p" data-testid="running-now">
        Nobody is running. {crew.state?.queue.length ? 'Next lap starts the head of the queue.' : 'The queue is empty.'}
      </Typography>
    );
  }
  return (
    <Flex direction="column" alignItems="flex-start" gap={2} data-testid="running-now" data-lap-id={lap.lapId}>
      <RunnerName runner={lap.runner} variant="alpha" />
      <LapTimer
        startedAt={lap.startedAt}
        clock={crew.clock}
        variant="alpha"
        fontWeight="bold"
        textColor="primary600"
        style={{ fontSize: '64px', lineHeight: 1.1, fontVariantNumeric: 'tabular-nums' }}
      />
      <Typography variant="pi" textColor="neutral600">
        Started {formatClock(lap.startedAt, crew.state?.race.timezone, true)} · laps run {lap.runner.lapsRun} · best {formatDuration(lap.runner.bestLapMs)}
      </Typography>
    </Flex>
  );
}

function NextUp({ state }: { state: CrewState }) {
  const next = state.queue.slice(0, 3);
  if (!next.length) return <Typography textColor="neutral600">The queue is empty.</Typography>;
  return (
    <ol aria-label="Next in queue" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
      {next.map((t, i) => (
        <li key={t.ticketId} data-ticket-id={t.ticketId}>
          <Flex gap={3} paddingTop={2} paddingBottom={2} style={{ borderTop: i ? '1px solid #eaeaef' : undefined }}>
            <Typography variant="beta" textColor="neutral500" style={{ minWidth: '1.5em' }}>
              {i + 1}
            </Typography>
            <RunnerName runner={t.runner} variant={i === 0 ? 'beta' : 'delta'} />
          </Flex>
        </li>
      ))}
    </ol>
  );
}

function LastLaps({ laps, timezone }: { laps: FinishedLap<CrewRunner>[]; timezone: string }) {
  if (!laps.length) return <Typography textColor="neutral600">No finished laps yet.</Typography>;
  return (
    <Table colCount={5} rowCount={laps.length + 1} aria-label="Last laps">
      <Thead>
        <Tr>
          <Th>
            <Typography variant="sigma">Runner</Typography>
          </Th>
          <Th>
            <Typography variant="sigma">Team</Typography>
          </Th>
          <Th>
            <Typography variant="sigma">Started</Typography>
          </Th>
          <Th>
            <Typography variant="sigma">Time</Typography>
          </Th>
          <Th>
            <Typography variant="sigma">Points</Typography>
          </Th>
        </Tr>
      </Thead>
      <Tbody>
        {laps.map((lap) => (
          <Tr key={lap.lapId} data-lap-id={lap.lapId}>
            <Td>
              <Typography fontWeight="bold">{lap.runner.name}</Typography>
            </Td>
            <Td>
              <Typography>{lap.runner.team ?? '–'}</Typography>
            </Td>
            <Td>
              <Typography>{formatClock(lap.startedAt, timezone, true)}</Typography>
            </Td>
            <Td>
              <Typography style={{ fontVariantNumeric: 'tabular-nums' }}>{formatDuration(lap.durationMs)}</Typography>
            </Td>
            <Td>
              <Typography>{lap.points}</Typography>
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
