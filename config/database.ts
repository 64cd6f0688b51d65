import path from 'path';

/**
 * SQLite (better-sqlite3) is the embedded default at .tmp/data.db.
 * PostgreSQL: set DATABASE_URL=postgres://user:pass@host:5432/db, or DATABASE_CLIENT=postgres with
 * DATABASE_HOST / DATABASE_PORT / DATABASE_NAME / DATABASE_USERNAME / DATABASE_PASSWORD.
 */
export default ({ env }) => {
  const url: string | undefined = env('DATABASE_URL');
  const client = url ? 'postgres' : env('DATABASE_CLIENT', 'sqlite');

  if (client === 'postgres') {
    // Session settings sent with every connection (no extra round trip):
    // - UTC, because timestamps are stored as `timestamp without time zone` holding UTC wall-clock time
    //   and the bulk paths cast through timestamptz;
    // - the planner costs of the keyset pages the API serves: with the defaults (random_page_cost 4,
    //   parallel workers) a 100-row log search on 10M rows took 50 ms instead of 1 ms (docs/logs.md).
    const options = [
      '-c TimeZone=UTC',
      `-c random_page_cost=${env('DATABASE_RANDOM_PAGE_COST', '1.1')}`,
      `-c max_parallel_workers_per_gather=${env.int('DATABASE_PARALLEL_WORKERS', 0)}`,
    ].join(' ');
    return {
      connection: {
        client: 'postgres',
        connection: url
          ? { connectionString: url, options, ssl: env.bool('DATABASE_SSL', false) && { rejectUnauthorized: env.bool('DATABASE_SSL_REJECT_UNAUTHORIZED', true) } }
          : {
              options,
              host: env('DATABASE_HOST', '127.0.0.1'),
              port: env.int('DATABASE_PORT', 5432),
              database: env('DATABASE_NAME', 'tallyboard'),
              user: env('DATABASE_USERNAME', 'postgres'),
              password: env('DATABASE_PASSWORD', ''),
              schema: env('DATABASE_SCHEMA', 'public'),
              ssl: env.bool('DATABASE_SSL', false) && { rejectUnauthorized: env.bool('DATABASE_SSL_REJECT_UNAUTHORIZED', true) },
            },
        pool: { min: env.int('DATABASE_POOL_MIN', 2), max: env.int('DATABASE_POOL_MAX', 10) },
        acquireConnectionTimeout: env.int('DATABASE_CONNECTION_TIMEOUT', 60000),
      },
    };
  }

  if (client !== 'sqlite') {
    throw new Error(`DATABASE_CLIENT=${client} is not supported: use sqlite (default) or postgres.`);
  }

  return {
    connection: {
      client: 'sqlite',
      connection: {
        filename: path.resolve(process.cwd(), env('DATABASE_FILENAME', '.tmp/data.db')),
      },
      useNullAsDefault: true,
      pool: {
        // WAL lets readers run beside the single writer; NORMAL sync is safe with WAL.
        afterCreate(conn: any, done: (err: unknown, conn: unknown) => void) {
          conn.pragma('journal_mode = WAL');
          conn.pragma('synchronous = NORMAL');
          conn.pragma('busy_timeout = 5000');
          done(undefined, conn);
        },
      },
    },
  };
};
