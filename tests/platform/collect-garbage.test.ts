/** src/platform/collect-garbage.ts: a full collection on demand (after boot in scripts/start.js, after a large import). */
import { collectGarbage } from '../../src/platform/collect-garbage';

describe('collectGarbage', () => {
  it('frees unreachable objects at once and leaves no gc() behind on global', () => {
    const exposedBefore = typeof (globalThis as { gc?: unknown }).gc;
    // ~32 MB in arrays of 20,000 doubles: each is a large object, freed by a full collection only.
    let garbage: number[][] | null = Array.from({ length: 200 }, (_, n) => Array.from({ length: 20_000 }, (_, i) => n + i + 0.5));
    const held = process.memoryUsage().heapUsed;
    expect(garbage.length).toBe(200);
    garbage = null;
    collectGarbage();
    expect(process.memoryUsage().heapUsed).toBeLessThan(held - 25 * 1024 * 1024);
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe(exposedBefore);
  });
});
