// Every side effect the library has, in one injectable object. Each defaults to the browser's,
// taken when the tracker is created (fetch: from a frame of its own), so a page that later replaces fetch, sendBeacon or
// JSON.stringify with a broken version does not break delivery, and tests need no global patching.
import { stringify } from './json';

/**
 * The library's side effects, each replaceable through `createTracker`'s second argument (tests
 * pass a fixed clock, a recording fetch, ...). Each defaults to the browser's, taken once.
 * @example createTracker({ siteId: 'abc' }, { now: () => 1_764_410_400_000, random: () => 0.5 })
 */
export interface IO {
  /** The page: its document, location, history and events (visibility, pagehide, online, storage). */
  window: Window;
  /** `onLine`, `sendBeacon`, `locks`, `doNotTrack`, `globalPrivacyControl`, `userAgent`, `language`. */
  navigator: Navigator;
  /** The clock, in ms since 1970 (`Date.now`): message times, ages, backoff. */
  now: () => number;
  /** A number in [0, 1) (`Math.random`): the jitter of retry delays. */
  random: () => number;
  /** A v4 UUID (`crypto.randomUUID`, or a Math.random fallback on plain http): ids and keys. */
  randomId: () => string;
  /** Posts batches; absent, every post counts as a network error. */
  fetch?: typeof fetch;
  /** Hands a body to the browser at page hide; absent, a keepalive fetch does it. */
  sendBeacon?: (url: string, data: BodyInit) => boolean;
  /** Runs `fn` after `ms` ms; returns what `clearTimeout` takes. */
  setTimeout: (fn: () => void, ms: number) => unknown;
  /** Cancels a `setTimeout`. */
  clearTimeout: (timer: unknown) => void;
  /** Web Locks: which tab holds which outbox; absent, leases in localStorage stand in. */
  locks?: LockManager;
  /** Where warnings and debug lines go (only through the log module). */
  console: Pick<Console, 'warn' | 'log'>;
  /** JSON.stringify, shielded from pages that give the prototypes a `toJSON` (json.ts). */
  stringify: (value: unknown) => string;
  /** Gzips a request body; absent where the browser has no CompressionStream. */
  gzip?: (body: string) => Promise<ArrayBuffer>;
}

/** A v4 UUID; `crypto.randomUUID` needs a secure context, so plain http pages get the fallback. */
export function randomId(): string {
  try {
    return crypto.randomUUID();
  } catch {
    return '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
      (+c ^ ((Math.random() * 16) >> (+c / 4))).toString(16),
    );
  }
}

/**
 * Gzip with the browser's own CompressionStream (Chrome 80, Firefox 113, Safari 16.4): the JSON
 * through it and an ArrayBuffer out. A Blob at either end would go through the browser's blob store,
 * which in Chromium took the main thread from ~120 to ~240 µs an event over a 2,000-call loop. A
 * failure anywhere (a page's broken CompressionStream) rejects the one promise returned or throws:
 * the pipe's own promise is handled by the stream itself (Streams, ReadableStreamPipeTo).
 */
function gzipWith(w: Window): IO['gzip'] {
  const { CompressionStream: Gzip, Response: Res } = w as unknown as typeof globalThis;
  return Gzip && ((json) => new Res(new Res(json).body!.pipeThrough(new Gzip('gzip'))).arrayBuffer());
}

/**
 * The browser's own fetch, from an about:blank frame of this page: another script may have wrapped
 * the page's (Sentry's tracing adds `sentry-trace` and `baggage` headers, and their preflight is
 * refused by a collector that allows only Content-Type: getsentry/sentry-javascript #5868, #6077),
 * and `toString` cannot tell (Sentry dresses its wrapper as native code). The frame is made at the
 * first request and stays in the document: a removed frame's fetch fails. Requests still carry
 * this page's origin (an about:blank frame inherits it).
 */
function ownFetch(w: Window): IO['fetch'] {
  let own = w.fetch?.bind(w); // until the frame's, or if it cannot be had: the page's, as it is now
  let isFramed: unknown;
  return (
    own &&
    ((input, init) => {
      try {
        if (!isFramed) {
          // In <head>, which is never rendered: no inline style needed (a strict CSP refuses them).
          const frame = (isFramed = w.document.head.appendChild(w.document.createElement('iframe')));
          own = (frame.contentWindow as typeof w).fetch.bind(frame.contentWindow);
        }
      } catch {
        // no frame, or no fetch in it (a sandbox, a frozen DOM): the page's fetch of before
      }
      return own!(input, init);
    })
  );
}

export function browserIO(w: Window, overrides: Partial<IO> = {}): IO {
  const n = w.navigator;
  return {
    window: w,
    navigator: n,
    now: Date.now,
    random: Math.random,
    randomId,
    fetch: ownFetch(w),
    sendBeacon: n.sendBeacon?.bind(n),
    setTimeout: w.setTimeout.bind(w),
    clearTimeout: w.clearTimeout.bind(w) as IO['clearTimeout'],
    locks: n.locks,
    console,
    stringify,
    gzip: gzipWith(w),
    ...overrides,
  };
}
