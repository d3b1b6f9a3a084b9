// A token bucket per client IP: each request takes a token, tokens come back at `perSecond`, and
// at most `burst` are saved up. An empty bucket answers how long until the next token.

const MAX_TRACKED_CLIENTS = 10_000;

/**
 * @param {{ perSecond?: number, burst?: number, now?: () => number }} [options]
 * @returns {{ take(key: string): { isAllowed: boolean, retryAfterSeconds: number } }}
 */
export function createRateLimiter({ perSecond = 50, burst = 200, now = Date.now } = {}) {
  /** @type {Map<string, { tokens: number, updatedAt: number }>} */
  const buckets = new Map();

  const refill = (/** @type {{ tokens: number, updatedAt: number }} */ bucket, /** @type {number} */ at) => {
    bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.updatedAt) / 1000) * perSecond);
    bucket.updatedAt = at;
  };

  // Full buckets carry no information: forgetting them bounds memory under a flood of new IPs.
  const forgetIdleClients = (/** @type {number} */ at) => {
    for (const [key, bucket] of buckets) {
      refill(bucket, at);
      if (bucket.tokens >= burst) buckets.delete(key);
    }
  };

  return {
    take(key) {
      const at = now();
      let bucket = buckets.get(key);
      if (!bucket) {
        if (buckets.size >= MAX_TRACKED_CLIENTS) forgetIdleClients(at);
        bucket = { tokens: burst, updatedAt: at };
        buckets.set(key, bucket);
      }
      refill(bucket, at);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { isAllowed: true, retryAfterSeconds: 0 };
      }
      return { isAllowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)) };
    },
  };
}
