/**
 * Race fixtures for the lap-control tests: race settings, universities, teams and runners written
 * through the Document Service (so the runner rules apply), and the crew's calls as an admin.
 */
import type { Core } from '@strapi/strapi';
import type { TestApp } from '../helpers/strapi';

type Docs = {
  create(p: { data: Record<string, unknown> }): Promise<{ id: number; documentId: string }>;
  update(p: { documentId: string; data: Record<string, unknown> }): Promise<{ id: number; documentId: string }>;
  delete(p: { documentId: string }): Promise<unknown>;
  findFirst(p?: Record<string, unknown>): Promise<{ id: number; documentId: string } | null>;
};
export const docs = (strapi: Core.Strapi, uid: string) => strapi.documents(uid as any) as unknown as Docs;

export interface RaceFixture {
  universities: Array<{ id: number; documentId: string }>;
  teams: Array<{ id: number; documentId: string; name: string }>;
  runners: Array<{ id: number; documentId: string; identification: string; name: string; team: string | null }>;
}

/** Race settings (created, or updated when they exist). */
export async function setRace(strapi: Core.Strapi, data: Record<string, unknown>) {
  const race = docs(strapi, 'api::race.race');
  const existing = await race.findFirst();
  if (existing) return race.update({ documentId: existing.documentId, data });
  return race.create({ data: { name: 'Test run', timezone: 'Europe/Brussels', points_mode: 'criteria', raining: false, ...data } });
}

export const identificationOf = (n: number) => `r${String(1000000 + n).padStart(7, '0')}`;

/**
 * A race in progress (started an hour ago, ends in 23 hours), two universities, `teamNames` teams and
 * `count` runners spread over the teams (runner i in team i % teams), each with an e-mail and a test time.
 */
export async function createRaceFixture(strapi: Core.Strapi, { count = 6, teamNames = ['Alpha', 'Bravo'] } = {}): Promise<RaceFixture> {
  const now = Date.now();
  await setRace(strapi, { starts_at: new Date(now - 3600e3).toISOString(), ends_at: new Date(now + 23 * 3600e3).toISOString() });
  const universities = [
    await docs(strapi, 'api::race.university').create({ data: { full_name: 'KU Leuven', abbreviation: 'KUL' } }),
    await docs(strapi, 'api::race.university').create({ data: { full_name: 'UHasselt', abbreviation: 'UH' } }),
  ];
  const teams = [];
  for (const name of teamNames) teams.push({ ...(await docs(strapi, 'api::race.team').create({ data: { name, score: 0 } })), name });
  const runners = [];
  for (let i = 0; i < count; i++) {
    const team = teams.length ? teams[i % teams.length] : null;
    const identification = identificationOf(i + 1);
    const created = await docs(strapi, 'api::race.runner').create({
      data: {
        first_name: `First${i + 1}`,
        last_name: `Last${i + 1}`,
        identification,
        email: `runner${i + 1}@example.test`,
        test_time_seconds: 61.5 + i,
        university: universities[i % 2].documentId,
        team: team?.documentId ?? null,
        first_year: false,
      },
    });
    runners.push({ ...created, identification, name: `First${i + 1} Last${i + 1}`, team: team?.name ?? null });
  }
  return { universities, teams, runners };
}

/** Admin panel calls of the crew (routes under /lap-control). */
export function crew(app: TestApp, token: string) {
  const auth = { Authorization: `Bearer ${token}` };
  return {
    state: () => app.http().get('/lap-control/state').set(auth),
    advance: (expectedLapId: number | null, at?: string) =>
      app.http().post('/lap-control/advance').set(auth).send(at === undefined ? { expectedLapId } : { expectedLapId, at }),
    reverse: (expectedLapId: number | null) => app.http().post('/lap-control/reverse').set(auth).send({ expectedLapId }),
    join: (identification: string, expectedVersion: number) => app.http().post('/lap-control/queue').set(auth).send({ identification, expectedVersion }),
    register: (body: Record<string, unknown>) => app.http().post('/lap-control/queue/register').set(auth).send(body),
    move: (ticketId: number, toPosition: number, expectedVersion: number) =>
      app.http().post('/lap-control/queue/move').set(auth).send({ ticketId, toPosition, expectedVersion }),
    remove: (ticketId: number, expectedVersion: number) => app.http().delete(`/lap-control/queue/${ticketId}?expectedVersion=${expectedVersion}`).set(auth),
    get: (path: string) => app.http().get(path).set(auth),
    post: (path: string, body: unknown) => app.http().post(path).set(auth).send(body as object),
  };
}
export type Crew = ReturnType<typeof crew>;

/** Joins runners in order through the crew route, following the queue version. */
export async function queueUp(c: Crew, identifications: string[]): Promise<void> {
  for (const identification of identifications) {
    const version = (await c.state()).body.queueVersion;
    const res = await c.join(identification, version);
    if (res.status !== 201) throw new Error(`join ${identification}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** Distinct PRNG-free pause. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
