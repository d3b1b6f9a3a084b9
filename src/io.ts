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
  gzip?: (body: string) => Promise<Blob>;
}

/** A v4 UUID; `crypto.randomUUID` needs a secure context, so plain http pages get the fallback. */
export function randomId(): string {
  try {
    return crypto.randomUUID();
  } catch {
    return '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ ((Math.random() * 16) >> (+c / 4))).toString(16));
  }
}

/** Gzip with the browser's own CompressionStream (Chrome 80, Firefox 113, Safari 16.4). */
function gzipWith(w: Window): IO['gzip'] {
  const { CompressionStream: Gzip, Response: Res, Blob: B } = w as any;
  return Gzip && ((body) => new Res(new B([body]).stream().pipeThrough(new Gzip('gzip'))).blob());
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
