/**
 * Runner identification (student number): stored trimmed and lower-cased, and it must match the
 * configured pattern (`config/race.ts`, env RACE_IDENTIFICATION_PATTERN) as a whole.
 */

export const DEFAULT_IDENTIFICATION_PATTERN = '^r[0-9]{7}$';

export class InvalidIdentificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidIdentificationError';
  }
}

/**
 * Returns the normalised identification.
 * @throws InvalidIdentificationError when it is not text or does not match `pattern`.
 */
export function normalizeRunnerIdentification(raw: unknown, pattern: string = DEFAULT_IDENTIFICATION_PATTERN): string {
  if (typeof raw !== 'string') throw new InvalidIdentificationError('Identification must be text');
  const identification = raw.trim().toLowerCase();
  let matcher: RegExp;
  try {
    // Anchored here too, so a pattern configured without ^...$ cannot accept a value that merely contains a match.
    matcher = new RegExp(`^(?:${pattern})$`);
  } catch {
    throw new Error(`race.identificationPattern "${pattern}" is not a valid regular expression`);
  }
  if (!matcher.test(identification)) {
    throw new InvalidIdentificationError(`Identification "${identification}" does not match the pattern ${pattern}`);
  }
  return identification;
}

// Also registered by Strapi as the service `api::race.runner-identification` (every file here is a service).
export default { normalizeRunnerIdentification };
