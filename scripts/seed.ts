/**
 * `npm run seed`: loads the demo data of every domain into the configured database (SQLite by
 * default, PostgreSQL with DATABASE_URL). Idempotent: a second run creates nothing.
 *
 * Boots the app the way the tests do (compile, then load without the admin panel or the HTTP
 * server), so document middlewares validate the demo data like any other write.
 */
import { compileStrapi, createStrapi, type Core } from '@strapi/strapi';
import { seedDemoData } from '../src/platform/demo-data';

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Strapi ValidationErrors name the offending fields in details.errors.
  const details = (error as { details?: { errors?: Array<{ path: string[]; message: string }> } }).details;
  const fields = details?.errors?.map((e) => `${e.path.join('.')}: ${e.message}`) ?? [];
  return [`${error.name}: ${error.message}`, ...fields.map((f) => `  - ${f}`)].join('\n');
}

async function main(): Promise<number> {
  let app: Core.Strapi | undefined;
  try {
    const ctx = await compileStrapi();
    app = await createStrapi({ ...ctx, autoReload: false, serveAdminPanel: false }).load();
    const created = await seedDemoData(app, (line) => console.log(line));
    const total = Object.values(created).reduce((sum, n) => sum + n, 0);
    console.log(
      total
        ? `[seed] done: ${total} rows created.`
        : '[seed] done: the demo data was already there, nothing created.',
    );
    return 0;
  } catch (error) {
    console.error(`[seed] failed: ${describeError(error)}`);
    if (error instanceof Error && error.stack) console.error(error.stack);
    return 1;
  } finally {
    await app?.destroy().catch(() => {});
  }
}

main().then((code) => process.exit(code));
