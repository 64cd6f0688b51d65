/**
 * Histogram bucket sizes (pure function of the range). A relative `from` is parsed a few milliseconds
 * before the default `to` is taken, so ranges a little over a round size must keep that size.
 */
import { bucketSecondsFor } from '../../src/api/logs/services/log-query';

const DAY = 86_400_000;

describe('stats bucket size', () => {
  it.each([
    [15 * 60_000, 15],
    [3_600_000, 60],
    [DAY, 900],
    [7 * DAY, 3 * 3600],
    [30 * DAY, 6 * 3600],
  ])('a range of %d ms gets %d s buckets, also a few ms longer', (rangeMs, seconds) => {
    expect(bucketSecondsFor(rangeMs)).toBe(seconds);
    expect(bucketSecondsFor(rangeMs + 3)).toBe(seconds);
  });

  it('takes the next size once the range is a whole second longer', () => {
    expect(bucketSecondsFor(30 * DAY + 1000)).toBe(12 * 3600);
  });
});
