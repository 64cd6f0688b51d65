/**
 * Deterministic randomness and fixed clocks for demo data, so every run (and every machine) produces
 * the same rows. Each domain uses its own seed: changing one domain's data never shifts another's.
 */

export interface DemoRandom {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  between(min: number, max: number): number;
  /** Integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** Index drawn with probability proportional to `weights`. */
  weighted(weights: readonly number[]): number;
}

/** mulberry32: a tiny 32-bit generator, plenty for demo data (not for anything secret). */
export function demoRandom(seed: number): DemoRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: DemoRandom = {
    next,
    between: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor((max - min + 1) * next()),
    pick: (items) => items[Math.floor(items.length * next())],
    weighted(weights) {
      let roll = next() * weights.reduce((sum, weight) => sum + weight, 0);
      for (let index = 0; index < weights.length; index += 1) {
        roll -= weights[index];
        if (roll < 0) return index;
      }
      return weights.length - 1;
    },
  };
  return random;
}

/** ISO timestamp `seconds` after `origin` (an ISO string). */
export function secondsAfter(origin: string, seconds: number): string {
  return new Date(Date.parse(origin) + Math.round(seconds * 1000)).toISOString();
}

/** Rounds to a fixed number of decimals (demo values read better as 3.412 than 3.41187365). */
export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
