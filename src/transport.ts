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
  /**
   * What the collector said, as it said it (its first 300 characters): for warnings, and where
   * it says `"acceptEncoding":"gzip"` (tracklet's collector, every 2xx) or `"ok":false` (Jitsu's
   * 200 for events it could not take).
   */
  said?: string;
}

export interface Transport {
  /** Where batches go (resolveEndpoint). */
  url: string;
  /** POST a JSON body, or its gzip (an ArrayBuffer: sent to `?encoding=gzip`, see docs/protocol.md). */
  post(body: string | ArrayBuffer, keepalive: boolean): Promise<Response>;
  /**
   * Hand a body to the browser for delivery after the page is gone: sendBeacon, or a keepalive
   * fetch where there is no sendBeacon; an ArrayBuffer is a gzip body, sent to `?encoding=gzip`
   * as `post` sends it. Returns the bytes handed over, 0 when the browser refused it (quota, size).
   */
  beacon(body: string | ArrayBuffer): number;
}

const headers = { 'Content-Type': 'text/plain;charset=UTF-8' };
const TIMEOUT_MS = 10_000;

/** Retry-After is either seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  const ms = /^\d+$/.test(value!) ? +value! * 1000 : /[a-z]/i.test(value!) ? Date.parse(value!) - now : NaN;
  return isNaN(ms) ? undefined : Math.max(ms, 0);
}

/**
 * The batch URL of an `endpoint` option: a URL whose path ends in `/batch` is used as it is
 * (RudderStack's `/beacon/v1/batch` gets `?writeKey=`, where its gateway reads the key:
 * rudderlabs/rudder-server gateway/handle_http_beacon.go); any other URL or path (an origin, as
 * always) gets `/v1/batch` added. Without one, the page's origin. `warn` is told what looks wrong.
 * @example resolveEndpoint('https://dp.example/beacon/v1/batch', location, 'KEY', warn) // 'https://dp.example/beacon/v1/batch?writeKey=KEY'
 */
export function resolveEndpoint(
  endpoint: string | undefined,
  location: Location,
  writeKey: string,
  warn: (problem: string) => void,
): string {
  const value = endpoint || location.origin;
  try {
    const url = new URL(value, location.href);
    // Anything but an http(s) URL or a path from the root (a host without its scheme is a path of
    // this page to the browser) is a mistake, warned about.
    if (/^(https?:)?\//.test(value)) {
      const path = url.pathname.replace(/\/+$/, '');
      if (!/\/batch$/.test(path)) url.pathname = path + '/v1/batch';
      if (/^\/beacon\//.test(path)) url.searchParams.set('writeKey', writeKey);
      return url.href;
    }
  } catch {
    // not a URL: warned about, and sent where it always went
  }
  warn(`endpoint "${value}" is not an http(s) URL`);
  return value + '/v1/batch';
}

export function createTransport(url: string, io: IO): Transport {
  // The encoding goes in the query: a Content-Encoding header would need a CORS preflight (and a
  // beacon cannot set one).
  const urlFor = (body: string | ArrayBuffer) =>
    typeof body != 'string' ? url + (url.includes('?') ? '&' : '?') + 'encoding=gzip' : url;
  const post = async (body: string | ArrayBuffer, keepalive: boolean): Promise<Response> => {
    const abort = new AbortController();
    let timer: unknown;
    try {
      timer = io.setTimeout(() => abort.abort(), TIMEOUT_MS); // a page's broken timers make a network error
      const res = await io.fetch!(urlFor(body), {
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
        // plain text (RudderStack's 4xx), HTML (a proxy's 413), no list: the whole batch alike
      }
      return {
        status,
        retryAfterMs: parseRetryAfter(res.headers.get('Retry-After'), io.now()),
        rejected,
        said: text.slice(0, 300),
      };
    } catch {
      return { status: 0 }; // offline, DNS, CORS, a reset connection, our timeout, or no fetch at all
    } finally {
      io.clearTimeout(timer);
    }
  };
  return {
    url,
    post,
    beacon(body) {
      const blob = new Blob([body], { type: headers['Content-Type'] });
      try {
        return (io.sendBeacon ? io.sendBeacon(urlFor(body), blob) : (void post(body, true), 1)) ? blob.size : 0;
      } catch {
        return 0; // some browsers throw instead of returning false over the quota
      }
    },
  };
}
