/**
 * One fresh database per booted Strapi: a temp SQLite file, or a PostgreSQL database created on the
 * server named by TEST_DATABASE_URL and dropped afterwards.
 */
import fs from 'fs';
import path from 'path';
import { Client } from 'pg';

export interface TestDatabase {
  /** Environment variables that point Strapi's config/database.ts at it. */
  env: Record<string, string>;
  client: 'sqlite' | 'postgres';
  drop(): Promise<void>;
}

const root = path.resolve(__dirname, '..', '..');
let counter = 0;

const prefix = (runId: string) => `tb_test_${runId.replace(/[^a-z0-9]/gi, '').toLowerCase()}`;

/** A connection to the PostgreSQL server TEST_DATABASE_URL names, closed after `fn`. */
export async function withAdminClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const runId = process.env.TALLYBOARD_TEST_RUN ?? 'local';
  // The random tail: a suite whose database was not dropped (a timed-out hook) must not make the next
  // suite of the same worker, which starts its counter again, collide with it.
  const name = `${prefix(runId)}_${process.env.JEST_WORKER_ID ?? '0'}_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;

  if (process.env.TEST_DATABASE_URL) {
    await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
    const url = new URL(process.env.TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    return {
      client: 'postgres',
      env: { DATABASE_URL: url.toString(), DATABASE_CLIENT: 'postgres' },
      drop: () => withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
    };
  }

  const dir = path.join(root, '.tmp', 'test');
  fs.mkdirSync(dir, { recursive: true });
  const filename = path.join(dir, `${name}.db`);
  return {
    client: 'sqlite',
    env: { DATABASE_URL: '', DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: filename },
    drop: async () => {
      for (const suffix of ['', '-wal', '-shm']) fs.rmSync(filename + suffix, { force: true });
    },
  };
}

export async function dropRunDatabases(runId: string): Promise<void> {
  if (!runId) return;
  if (!process.env.TEST_DATABASE_URL) {
    const dir = path.join(root, '.tmp', 'test');
    if (fs.existsSync(dir)) {
      for (const f of fs.readdirSync(dir)) if (f.startsWith(prefix(runId))) fs.rmSync(path.join(dir, f), { force: true });
    }
    return;
  }
  await withAdminClient(async (c) => {
    const { rows } = await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${prefix(runId)}\\_%`]);
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}
