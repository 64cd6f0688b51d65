/**
 * Secrets come from the environment (`.env` in development, created by scripts/prepare-env.js).
 * In production a missing secret, or one still holding a template default, stops the boot with a
 * message naming the variable: a platform signed with a public default key is worse than no platform.
 */
type Env = ((key: string, fallback?: string) => string | undefined) & {
  array: (key: string, fallback?: string[]) => string[] | undefined;
};

const TEMPLATE_DEFAULTS = new Set(['', 'tobemodified', 'toBeModified', 'changeme', 'secret', 'toBeModified1', 'toBeModified2']);

export class MissingSecretError extends Error {
  constructor(name: string, reason: string) {
    super(
      `Secret ${name} is ${reason}. Set ${name} in the environment (see README "Production"); ` +
        `in development run \`npm run develop\`, which writes random secrets to .env.`,
    );
    this.name = 'MissingSecretError';
  }
}

const isProduction = () => process.env.NODE_ENV === 'production';

function check(name: string, values: string[] | undefined): void {
  if (!values || values.length === 0 || values.every((v) => v.trim() === '')) {
    throw new MissingSecretError(name, 'missing');
  }
  if (values.some((v) => TEMPLATE_DEFAULTS.has(v.trim()))) {
    throw new MissingSecretError(name, 'still set to a default value');
  }
}

/** A single secret; outside production a missing one is tolerated (tests set their own). */
export function secret(env: Env, name: string): string | undefined {
  const value = env(name);
  if (isProduction()) check(name, value === undefined ? undefined : [value]);
  return value;
}

/** A comma-separated list of secrets (APP_KEYS). */
export function secretList(env: Env, name: string): string[] | undefined {
  const value = env.array(name);
  if (isProduction()) check(name, value);
  return value;
}
