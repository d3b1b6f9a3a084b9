// Every side effect the library has, in one injectable object. Each defaults to the browser's,
// taken when the tracker is created, so a page that later replaces fetch, sendBeacon or
// JSON.stringify with a broken version does not break delivery, and tests need no global patching.
import { stringify } from './json';

export interface IO {
  window: Window;
  navigator: Navigator;
  now: () => number;
  random: () => number;
  randomId: () => string;
  fetch?: typeof fetch;
  sendBeacon?: (url: string, data: BodyInit) => boolean;
  setTimeout: (fn: () => void, ms: number) => any;
  clearTimeout: (id: any) => void;
  locks?: LockManager;
  console: Pick<Console, 'warn' | 'log'>;
  stringify: (value: unknown) => string;
  /** Gzip a request body; absent where the browser has no CompressionStream. */
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
 * Gzip with the browser's own CompressionStream (Chrome 80, Firefox 113, Safari 16.4). Bytes in
 * and an ArrayBuffer out: a Blob at either end goes through the browser's blob store, which in
 * Chromium took the main thread from ~120 to ~240 µs an event over a 2,000-call loop.
 */
function gzipWith(w: Window): IO['gzip'] {
  const { CompressionStream: Gzip, Response: Res, TextEncoder: Encoder } = w as any;
  return (
    Gzip &&
    ((body) => {
      const gzip = new Gzip('gzip');
      const writer = gzip.writable.getWriter();
      // A failure rejects the arrayBuffer() the sender awaits; these two must not also reach the
      // page as unhandled rejections.
      writer.write(new Encoder().encode(body)).catch(() => {});
      writer.close().catch(() => {});
      return new Res(gzip.readable).arrayBuffer();
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
    fetch: w.fetch?.bind(w),
    sendBeacon: n.sendBeacon?.bind(n),
    setTimeout: w.setTimeout.bind(w),
    clearTimeout: w.clearTimeout.bind(w),
    locks: n.locks,
    console,
    stringify,
    gzip: gzipWith(w),
    ...overrides,
  };
}
