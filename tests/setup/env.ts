// Runs in every Jest worker before the test files: a clean, self-contained environment that never
// depends on the developer's .env (Strapi's dotenv does not override variables already set).
const defaults: Record<string, string> = {
  NODE_ENV: 'test',
  STRAPI_TELEMETRY_DISABLED: 'true',
  BROWSER: 'none',
  CRON_ENABLED: 'false', // strapi.destroy() does not stop cron jobs
  APP_KEYS: 'testKeyA,testKeyB',
  API_TOKEN_SALT: 'test-api-token-salt',
  ADMIN_JWT_SECRET: 'test-admin-jwt-secret',
  TRANSFER_TOKEN_SALT: 'test-transfer-token-salt',
  JWT_SECRET: 'test-jwt-secret',
  ENCRYPTION_KEY: 'test-encryption-key-0123456789abcdef',
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'warn',
};
for (const [key, value] of Object.entries(defaults)) process.env[key] = value;
// The database and Redis are chosen per test file by tests/helpers/strapi.ts.
process.env.DATABASE_URL = '';
process.env.REDIS_URL = '';
