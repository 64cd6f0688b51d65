import { dropRunDatabases } from '../helpers/databases';

export default async function globalTeardown(): Promise<void> {
  // Each test file drops its own database; this sweeps up after a crashed or interrupted file.
  await dropRunDatabases(process.env.TALLYBOARD_TEST_RUN ?? '');
}
