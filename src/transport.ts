// The two ways a batch leaves the page. Bodies are `text/plain` so every request is CORS-simple:
// a request that needs a preflight cannot be sent by sendBeacon, and a preflighted keepalive
// fetch is dropped when the page unloads.
import type { IO } from './io';

export interface Response {
  /** HTTP status, or 0 for a network error or timeout. */
  status: number;
  /** How long the collector asked us to wait (Retry-After), in ms. */
  retryAfterMs?: number;
  /** messageIds the collector reported as invalid (partial responses). */
  rejected?: string[];
}

export interface Transport {
  /** POST a JSON body, or its gzip (`isGzip`: sent to `?encoding=gzip`, see docs/protocol.md). */
  post(body: BodyInit, keepalive: boolean, isGzip?: boolean): Promise<Response>;
  /**
   * Hand a body to the browser for delivery after the page is gone: sendBeacon, or a keepalive
   * fetch where there is no sendBeacon. False when the browser refused it (quota, size).
   */
  beacon(body: string): boolean;
}

const headers = { 'Content-Type': 'text/plain;charset=UTF-8' };
const TIMEOUT_MS = 10_000;

/** Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  const ms = /^\d+$/.test(value!) ? +value! * 1000 : /[a-z]/i.test(value!) ? Date.parse(value!) - now : NaN;
  return isNaN(ms) ? undefined : Math.max(ms, 0);
}

export function createTransport(url: string, io: IO): Transport {
  const post = async (body: BodyInit, keepalive: boolean, isGzip?: boolean): Promise<Response> => {
    const abort = new AbortController();
    let timer: unknown;
    try {
      timer = io.setTimeout(() => abort.abort(), TIMEOUT_MS); // a page's broken timers make a network error

      // The encoding goes in the query: a Content-Encoding header would need a CORS preflight.
      const res = await io.fetch!(isGzip ? url + '?encoding=gzip' : url, {
        method: 'POST',
        body,
        keepalive,
        credentials: 'omit',
        headers,
        signal: abort.signal,
      });
      const status = res.status;
      // Read every body: until it is read, Chrome counts a keepalive request against the page's
      // 64 KiB quota, and two unread answers make the third batch fail.
      const text = await res.text();
      let rejected;
      try {
        // A 207 or a 4xx may list the invalid messages: only those are dropped.
        if (status == 207 || status > 399)
          rejected = JSON.parse(text).rejected.map((r: { messageId: string }) => r.messageId);
      } catch {
        // no readable list: the whole batch is treated alike
      }
      return { status, retryAfterMs: parseRetryAfter(res.headers.get('Retry-After'), io.now()), rejected };
    } catch {
      return { status: 0 }; // offline, DNS, CORS, a reset connection, our timeout, or no fetch at all
    } finally {
      io.clearTimeout(timer);
    }
  };
  return {
    post,
    beacon(body) {
      if (!io.sendBeacon) {
        void post(body, true);
        return true;
      }
      try {
        return io.sendBeacon(url, new Blob([body], { type: headers['Content-Type'] }));
      } catch {
        return false; // some browsers throw instead of returning false over the quota
      }
    },
  };
}
