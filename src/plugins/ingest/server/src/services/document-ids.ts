import crypto from 'crypto';

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Base-36 digits of the millisecond clock: 9 cover every date until the year 5188. */
const TIME_DIGITS = 9;
const RANDOM_DIGITS = 24 - 1 - TIME_DIGITS;

/**
 * `count` document ids shaped like Strapi's (24 lowercase letters and digits, starting with a letter),
 * ordered by time: 'l', the millisecond clock in base 36, then 14 random base-36 characters (~72 bits,
 * so ids made in the same millisecond do not collide). Strapi's own ids (cuid2) are random, which
 * sends every insert into `logs_entries_documents_idx` to a random leaf page of a large index; ids that
 * grow with time append at its right edge, and a batch of 1,000 entries inserted ~1.6x faster in a
 * measurement on PostgreSQL (docs/ingest.md). cuid2's createId() was not used for its cost either
 * (~35 µs an id: it hashes with SHA-3).
 */
export function documentIds(count: number, now: number = Date.now()): string[] {
  const prefix = `l${now.toString(36).padStart(TIME_DIGITS, '0')}`;
  const ids: string[] = [];
  let pool = crypto.randomBytes(count * RANDOM_DIGITS + 16);
  let at = 0;
  // Rejection sampling keeps every character equally likely.
  const limit = 256 - (256 % ALPHANUMERIC.length);
  for (let i = 0; i < count; i++) {
    let id = prefix;
    while (id.length < 24) {
      if (at >= pool.length) {
        pool = crypto.randomBytes(Math.max(64, count * 4));
        at = 0;
      }
      const byte = pool[at++];
      if (byte < limit) id += ALPHANUMERIC[byte % ALPHANUMERIC.length];
    }
    ids.push(id);
  }
  return ids;
}
