// The two ways a batch leaves the page. Bodies are `text/plain` so every request is CORS-simple:
// a request that needs a preflight cannot be sent by sendBeacon, and a preflighted keepalive
// fetch is dropped when the page unloads.

export interface Response {
  /** HTTP status, or 0 for a network error or timeout. */
  status: number;
  /** How long the collector asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number;
  /** messageIds the collector reported as invalid (partial responses). */
  rejected?: string[];
}

export interface Transport {
  post(body: string, keepalive: boolean): Promise<Response>;
  /**
   * Hand a body to the browser for delivery after the page is gone: sendBeacon, or a keepalive
   * fetch where there is no sendBeacon. False when the browser refused it (quota, size).
   */
  beacon(body: string): boolean;
}

export interface TransportIO {
  fetch?: typeof fetch;
  sendBeacon?: (url: string, data: BodyInit) => boolean;
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
}

const TYPE = 'text/plain;charset=UTF-8';
const TIMEOUT_MS = 10_000;

/** Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return;
  const ms = /^\d+$/.test(value) ? +value * 1000 : Date.parse(value) - now;
  return isNaN(ms) ? undefined : Math.max(0, ms);
}

export function createTransport(url: string, io: TransportIO): Transport {
  const post = async (body: string, keepalive: boolean): Promise<Response> => {
      if (!io.fetch) return { status: 0 };
      const abort = typeof AbortController == 'function' ? new AbortController() : undefined;
      io.setTimeout(() => abort?.abort(), TIMEOUT_MS);
      try {
        const res = await io.fetch(url, {
          method: 'POST',
          body,
          keepalive,
          credentials: 'omit',
          headers: { 'Content-Type': TYPE },
          signal: abort?.signal,
        });
        const result: Response = { status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('Retry-After'), io.now()) };
        if (res.status == 207 || res.status >= 400) {
          try {
            result.rejected = (await res.json()).rejected.map((r: { messageId: string }) => r.messageId);
          } catch {
            // no readable list: the whole batch is treated alike
          }
        }
        return result;
      } catch {
        return { status: 0 }; // offline, DNS, CORS, reset connection or our timeout
      }
  };
  return {
    post,
    beacon(body) {
      try {
        if (!io.sendBeacon) {
          void post(body, true);
          return true;
        }
        return io.sendBeacon(url, new Blob([body], { type: TYPE }));
      } catch {
        return false; // some browsers throw instead of returning false over the quota
      }
    },
  };
}
