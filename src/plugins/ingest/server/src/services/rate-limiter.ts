import type { Core } from '@strapi/strapi';
import { ingestConfig } from '../utils';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token bucket per log service, counted in records, kept in this instance's memory (several
 * instances each allow the configured rate). A batch larger than the burst passes when the bucket is
 * full and leaves it in debt, so big batches are slowed down rather than refused forever.
 */
const createRateLimiterService = ({ strapi }: { strapi: Core.Strapi }) => {
  const buckets = new Map<number, Bucket>();
  return {
    /** Takes `records` tokens; returns 0 when allowed, else the seconds to wait (Retry-After). */
    take(serviceId: number, records: number, now = Date.now()): number {
      const { recordsPerSecond, burst } = ingestConfig(strapi).rate;
      const bucket = buckets.get(serviceId) ?? { tokens: burst, updatedAt: now };
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * recordsPerSecond);
      bucket.updatedAt = now;
      buckets.set(serviceId, bucket);
      const needed = Math.min(records, burst);
      if (bucket.tokens >= needed) {
        bucket.tokens -= records;
        return 0;
      }
      return Math.max(1, Math.ceil((needed - bucket.tokens) / recordsPerSecond));
    },
    reset() {
      buckets.clear();
    },
  };
};

export type RateLimiterService = ReturnType<typeof createRateLimiterService>;
export default createRateLimiterService;
