import type { Core } from '@strapi/strapi';
import type { IngestConfig } from './config';
import type { LogTokensService } from './services/log-tokens';
import type { LogIngestService } from './services/log-ingest';
import type { RetentionService } from './services/retention';
import type { LiveTailService } from './services/live-tail';
import type { RateLimiterService } from './services/rate-limiter';
import type { NotebookSnapshotsService } from './services/notebook-snapshots';
import type { ClassroomStudentsService } from './services/classroom-students';
import type { RoboticsImportService } from './services/robotics-import';

type Services = {
  logTokens: LogTokensService;
  logIngest: LogIngestService;
  retention: RetentionService;
  liveTail: LiveTailService;
  rateLimiter: RateLimiterService;
  notebookSnapshots: NotebookSnapshotsService;
  classroomStudents: ClassroomStudentsService;
  roboticsImport: RoboticsImportService;
};

export const getService = <K extends keyof Services>(name: K, strapiInstance: Core.Strapi = strapi): Services[K] =>
  strapiInstance.plugin('ingest').service(name) as Services[K];

/** Read on every request, so limits changed at runtime (strapi.config.set) apply at once. */
export const ingestConfig = (strapiInstance: Core.Strapi = strapi): IngestConfig =>
  strapiInstance.config.get('plugin::ingest') as IngestConfig;

export const SERVICE_UID = 'api::logs.log-service';
export const ENTRY_UID = 'api::logs.log-entry';
export const INGEST_PATH = '/api/ingest/logs';
export const TOKENS_ACTION = 'plugin::ingest.tokens.manage';
/** Content-API action of the ingest route, grantable to custom API tokens. */
export const INGEST_ACTION = 'plugin::ingest.logs.ingest';

/** Strapi hands knex its driver name (pg / better-sqlite3). */
export const isPostgres = (strapiInstance: Core.Strapi = strapi) =>
  ['pg', 'postgres', 'postgresql'].includes((strapiInstance.db.connection.client as any).config.client);
