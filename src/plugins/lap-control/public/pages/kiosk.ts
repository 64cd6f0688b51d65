/**
 * Registration kiosk (role Competition, a users-permissions user): sign in once, then each runner scans
 * or types their identification and joins the queue; an unknown identification gets the short
 * registration form first. After joining, the runner's quick info shows until the next one scans.
 */
import { HttpError, requestJson } from './api';
import type { KioskLookup, RaceOptions, RegistrationForm, Ticket } from '../../contract';
import { byId, fill, h } from './dom';
import { formatDuration } from '../shared/format';

const TOKEN_KEY = 'tallyboard.raceKiosk.jwt';
const USER_KEY = 'tallyboard.raceKiosk.user';
const BACK_TO_SCAN_MS = 12_000; // long enough to read the quick info, short enough for a line of runners

type Panel = 'login' | 'scan' | 'register' | 'joined';
const panels: Panel[] = ['login', 'scan', 'register', 'joined'];
let token = sessionStorage.getItem(TOKEN_KEY);
let pendingIdentification = '';
let backTimer: ReturnType<typeof setTimeout> | undefined;
let options: RaceOptions | undefined;

const form = (id: Panel) => byId<HTMLFormElement>(id);
const input = (panel: Panel, name: string) => form(panel).elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;

function show(panel: Panel): void {
  clearTimeout(backTimer);
  for (const p of panels) byId(p).hidden = p !== panel;
  for (const error of document.querySelectorAll<HTMLElement>('.kiosk .error')) error.hidden = true;
  byId('logout').hidden = panel === 'login';
  byId('kiosk-user').textContent = panel === 'login' ? '' : `Signed in as ${sessionStorage.getItem(USER_KEY) ?? 'kiosk'}.`;
  const first = byId(panel).querySelector<HTMLInputElement>('input:not([type=checkbox]), button');
  first?.focus();
}

function showError(panel: Panel, message: string): void {
  const el = byId(panel).querySelector<HTMLElement>('.error')!;
  el.textContent = message;
  el.hidden = false;
}

/** Calls a kiosk route with the kiosk's JWT; an expired or refused session goes back to sign-in. */
async function kiosk<T>(path: string, body?: unknown): Promise<T> {
  try {
    return await requestJson<T>(`/api/lap-control/kiosk/${path}`, { method: body === undefined ? 'GET' : 'POST', body, token });
  } catch (error) {
    if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
      signOut(error.status === 403 ? 'This account may not register runners (it needs the Competition role).' : 'The session has expired: sign in again.');
    }
    throw error;
  }
}

function signOut(reason?: string): void {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  show('login');
  if (reason) showError('login', reason);
}

/** Runs a form's action with its button disabled, showing the error inside that form. */
function onSubmit(panel: Panel, action: () => Promise<void>): void {
  form(panel).addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form(panel).querySelector<HTMLButtonElement>('button[type=submit]')!;
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      if (!byId(panel).hidden) showError(panel, (error as Error).message);
    } finally {
      button.disabled = false;
    }
  });
}

onSubmit('login', async () => {
  const identifier = input('login', 'identifier').value.trim();
  const answer = await requestJson<{ jwt: string; user: { username: string } }>('/api/auth/local', {
    method: 'POST',
    body: { identifier, password: input('login', 'password').value },
  }).catch((error: HttpError) => {
    throw new Error(error.status === 400 ? 'Wrong user name or password.' : error.message);
  });
  token = answer.jwt;
  sessionStorage.setItem(TOKEN_KEY, answer.jwt);
  sessionStorage.setItem(USER_KEY, answer.user.username);
  input('login', 'password').value = '';
  show('scan');
});

onSubmit('scan', async () => {
  const identification = input('scan', 'identification').value.trim();
  try {
    const joined = await kiosk<{ ticket: Ticket }>('queue', { identification });
    await showJoined(identification, joined.ticket);
  } catch (error) {
    if (error instanceof HttpError && error.status === 404 && error.body.needsRegistration) await showRegistration(identification);
    else throw error;
  }
});

onSubmit('register', async () => {
  const value = (name: string) => input('register', name).value.trim();
  const idOrNull = (name: string) => (value(name) ? Number(value(name)) : null);
  const registration: RegistrationForm = {
    identification: pendingIdentification,
    firstName: value('firstName'),
    lastName: value('lastName'),
    university: idOrNull('university'),
    team: idOrNull('team'),
    firstYear: (input('register', 'firstYear') as HTMLInputElement).checked,
  };
  const joined = await kiosk<{ ticket: Ticket }>('register', registration);
  await showJoined(pendingIdentification, joined.ticket);
});

async function showRegistration(identification: string): Promise<void> {
  pendingIdentification = identification;
  options ??= await kiosk<RaceOptions>('options');
  const choices = (list: { id: number; name: string }[], none: string) => [h('option', { value: '' }, none), ...list.map((o) => h('option', { value: o.id }, o.name))];
  input('register', 'university').replaceChildren(...choices(options.universities, 'Choose your university'));
  input('register', 'team').replaceChildren(...choices(options.teams, 'No team'));
  byId('register').querySelector('[data-field=identification]')!.textContent = identification;
  show('register');
}

async function showJoined(identification: string, ticket: Ticket): Promise<void> {
  const lookup = await kiosk<KioskLookup>(`lookup?identification=${encodeURIComponent(identification)}`).catch(() => undefined);
  const runner = lookup?.runner;
  const fact = (label: string, text: string) => h('div', null, h('dt', null, label), h('dd', null, text));
  fill(
    'quick-info',
    h('p', { className: 'who' }, ticket.runner.name),
    h(
      'dl',
      { className: 'facts' },
      fact('Place in the queue', String(ticket.position + 1)),
      fact('Team', ticket.runner.team ?? '–'),
      fact('Laps run', String(runner?.lapsRun ?? 0)),
      fact('Best lap', formatDuration(runner?.bestLapMs)),
    ),
  );
  form('scan').reset();
  form('register').reset();
  show('joined');
  backTimer = setTimeout(() => show('scan'), BACK_TO_SCAN_MS);
}

byId('joined').querySelector('[data-action=next]')!.addEventListener('click', () => show('scan'));
byId('register').querySelector('[data-action=cancel]')!.addEventListener('click', () => {
  form('register').reset();
  show('scan');
});
byId('logout').addEventListener('click', () => signOut());

show(token ? 'scan' : 'login');
