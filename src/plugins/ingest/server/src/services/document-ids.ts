import crypto from 'crypto';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * `count` document ids shaped like Strapi's (cuid2: 24 lowercase letters and digits, starting with a
 * letter), from one crypto.randomBytes call. cuid2's createId() costs ~35 µs (it hashes with SHA-3),
 * a third of the time of a 1,000-line batch; 24 random base-36 characters carry ~123 bits, so
 * collisions are not a concern.
 */
export function documentIds(count: number): string[] {
  const ids: string[] = [];
  let pool = crypto.randomBytes(count * 32);
  let at = 0;
  const next = (alphabetLength: number) => {
    // Rejection sampling keeps every character equally likely.
    const limit = 256 - (256 % alphabetLength);
    for (;;) {
      if (at >= pool.length) {
        pool = crypto.randomBytes(Math.max(64, count * 8));
        at = 0;
      }
      const byte = pool[at++];
      if (byte < limit) return byte % alphabetLength;
    }
  };
  for (let i = 0; i < count; i++) {
    let id = LETTERS[next(26)];
    for (let j = 1; j < 24; j++) id += ALPHANUMERIC[next(36)];
    ids.push(id);
  }
  return ids;
}
