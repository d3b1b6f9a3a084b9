// The rate limit, by @fastify/rate-limit over every request, keyed by the socket's address (this
// demo does not trust X-Forwarded-For: behind a proxy every client shares the proxy's bucket).
// Its store is a token bucket: each request takes a token, tokens come back at `perSecond`, at
// most `burst` are saved up, so a client may burst and then keeps a steady rate; an empty bucket
// answers 429 with Retry-After: the seconds until the next token.

import rateLimit from '@fastify/rate-limit';

const MAX_TRACKED_CLIENTS = 10_000;

/**
 * A store with @fastify/rate-limit's interface (`incr(key, callback)` → `{ current, ttl }`), where
 * `current` stays within `max` (= burst) while a token is left, and `ttl` is the wait for the next.
 * @param {{ perSecond: number, burst: number, now: () => number }} options
 */
function createTokenBucketStore({ perSecond, burst, now }) {
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

  /** @param {string} key */
  function take(key) {
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
      return { current: burst - Math.floor(bucket.tokens), ttl: 0 };
    }
    return { current: burst + 1, ttl: Math.max(1000, Math.ceil((1 - bucket.tokens) / perSecond) * 1000) };
  }

  class TokenBucketStore {
    /**
     * @param {string} key
     * @param {(error: Error | null, result: { current: number, ttl: number }) => void} callback
     */
    incr(key, callback) {
      callback(null, take(key));
    }
    child() {
      return this;
    }
  }
  return { TokenBucketStore, take };
}

/**
 * Registers the limit on every route and the not-found handler; returns `take(address)` for the
 * one kind of request no route or handler sees (a path that is not valid percent-encoding), or
 * null when the limit is off.
 * @param {import('fastify').FastifyInstance} app
 * @param {{ perSecond?: number, burst?: number, now: () => number, isOff?: boolean }} options
 * @returns {Promise<((address: string) => { current: number, ttl: number }) | null>}
 */
export async function registerRateLimit(app, { perSecond = 50, burst = 200, now, isOff = false }) {
  if (isOff) return null;
  const { TokenBucketStore, take } = createTokenBucketStore({ perSecond, burst, now });
  await app.register(rateLimit, {
    max: burst,
    timeWindow: 1000,
    store: TokenBucketStore,
    keyGenerator: (request) => request.socket.remoteAddress ?? 'unknown',
    addHeaders: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
      'retry-after': true,
    },
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error(`too many requests from this address; retry after ${Math.ceil(context.ttl / 1000)} s`), {
        statusCode: 429,
      }),
  });
  return take;
}
