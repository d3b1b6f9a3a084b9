// The fakes every unit spec shares: a fresh happy-dom window per test (its own localStorage,
// cookies, history), a fixed clock through vitest's fake timers, a fetch that records each body
// and answers as the test says, a sendBeacon that records each body, and a console that records
// each line. Nothing global is patched: all of it goes in through createTracker's `io` argument.
import { Window as HappyWindow } from 'happy-dom';
import { vi } from 'vitest';
import { createTracker } from '../../src/index';
import type { IO } from '../../src/io';
import type { EventMap, TrackerOptions } from '../../src/index';

/** The fixed clock every spec starts at. */
export const T0 = Date.parse('2026-11-29T10:00:00.000Z');
export const ENDPOINT = 'https://collect.example';
export const BATCH_URL = ENDPOINT + '/v1/batch';

/** How the fake collector answers one request: a status, a full answer, or a network error. */
export type Answer = number | 'network-error' | { status: number; body?: unknown; headers?: Record<string, string> };

export interface Request {
  url: string;
  body: string;
  json: any;
  init: RequestInit;
  /** The fake clock when the request was made (ms since T0). */
  at: number;
}

export interface Beacon {
  url: string;
  blob: Blob;
}

/** The JSON inside a gzip body (a page with CompressionStream sends one to `?encoding=gzip`). */
export const gunzip = (body: BodyInit) =>
  new Response(new Response(body).body!.pipeThrough(new DecompressionStream('gzip'))).text();

/** A v4-shaped id from a counter, so ids are predictable and still look like the real ones. */
export const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

export function setup(url = 'https://shop.example/p/a-1?ref=mail') {
  vi.useFakeTimers({ now: T0 });
  const win = new HappyWindow({ url }) as unknown as Window & typeof globalThis;
  // A site whose collector answered a moment ago (the usual case): batching as configured. The
  // first visit, where the first message goes at once, is set up with \`firstVisit()\`.
  win.localStorage.setItem('_cio_ok', String(T0));
  const requests: Request[] = [];
  const beacons: Beacon[] = [];
  /** Answers for the next requests, in order; 200 once they run out. */
  const answers: (Answer | Promise<Answer>)[] = [];
  let ids = 0;
  const fetch = vi.fn(async (url: string, init: RequestInit) => {
    const body = typeof init.body == 'string' ? init.body : await gunzip(init.body!);
    requests.push({ url, body, json: JSON.parse(body), init, at: Date.now() - T0 });
    const a = await (answers.shift() ?? 200);
    if (a == 'network-error') throw new TypeError('Failed to fetch');
    const { status, body: answer, headers = {} } = typeof a == 'number' ? { status: a } : a;
    return {
      status,
      headers: { get: (name: string) => headers[name] ?? null },
      text: async () => (answer === undefined ? '' : JSON.stringify(answer)),
    } as unknown as Response;
  });
  const sendBeacon = vi.fn((url: string, blob: BodyInit) => (beacons.push({ url, blob: blob as Blob }), true));
  const console = { warn: vi.fn(), log: vi.fn() };
  const io: Partial<IO> = {
    window: win,
    now: () => Date.now(),
    random: () => 0.5,
    randomId: () => uuid(++ids),
    fetch: fetch as unknown as typeof globalThis.fetch,
    sendBeacon,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (timer) => clearTimeout(timer as number),
    locks: undefined,
    console,
  };
  return {
    win,
    io,
    requests,
    beacons,
    answers,
    fetch,
    sendBeacon,
    console,
    /** A tracker on this window; no automatic page view unless asked for. */
    tracker: <E extends EventMap = Record<string, any>>(
      options: Partial<TrackerOptions> = {},
      more: Partial<IO> = {},
    ) =>
      createTracker<E>({ siteId: 'site-1', endpoint: ENDPOINT, autoTrackPage: false, ...options }, { ...io, ...more }),
    /** A tracker whose start-up flush has finished. */
    open: async <E extends EventMap = Record<string, any>>(
      options: Partial<TrackerOptions> = {},
      more: Partial<IO> = {},
    ) => {
      const t = createTracker<E>(
        { siteId: 'site-1', endpoint: ENDPOINT, autoTrackPage: false, ...options },
        { ...io, ...more },
      );
      await vi.advanceTimersByTimeAsync(0);
      return t;
    },
    /** Every message sent so far by fetch, in order. */
    sent: () => requests.flatMap((r) => r.json.batch),
    /** A first visit: no page of the site has seen the collector answer (no `_cio_ok`). */
    firstVisit: () => win.localStorage.removeItem('_cio_ok'),
    /** Lines passed to console.warn. */
    warnings: (): string[] => console.warn.mock.calls.map((c) => c[0]),
    /** The outbox keys in this window's localStorage, with what they hold. */
    outboxes: () => {
      const found: Record<string, any> = {};
      for (let i = 0; i < win.localStorage.length; i++) {
        const k = win.localStorage.key(i)!;
        if (k.startsWith('_cio_ob:')) found[k] = JSON.parse(win.localStorage.getItem(k)!);
      }
      return found;
    },
    /** Bodies handed to sendBeacon, parsed. */
    beaconBodies: async () => Promise.all(beacons.map(async (b) => await b.blob.text())),
    hide: () => {
      Object.defineProperty(win.document, 'visibilityState', { value: 'hidden', configurable: true });
      win.document.dispatchEvent(new win.Event('visibilitychange'));
    },
    show: () => {
      Object.defineProperty(win.document, 'visibilityState', { value: 'visible', configurable: true });
      win.document.dispatchEvent(new win.Event('visibilitychange'));
    },
    setOnline: (isOnline: boolean) => {
      Object.defineProperty(win.navigator, 'onLine', { value: isOnline, configurable: true });
      if (isOnline) win.dispatchEvent(new win.Event('online'));
    },
  };
}

export type Setup = ReturnType<typeof setup>;

/** Let pending promises and microtasks run (the fetch chain), without moving the clock. */
export const settle = () => vi.advanceTimersByTimeAsync(0);

/** An answer the test gives later: `answers.push(d.promise)`, then `d.resolve(200)`. */
export function deferred() {
  let resolve!: (a: Answer) => void;
  const promise = new Promise<Answer>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Holds the answers to `s`'s next `count` requests: `answerNext` answers the oldest held one
 * (200 unless told otherwise), in the order the requests were made.
 */
export function heldAnswers(s: Setup, count: number) {
  const held = Array.from({ length: count }, () => deferred());
  s.answers.push(...held.map((d) => d.promise));
  return { answerNext: (a: Answer = 200) => held.shift()!.resolve(a) };
}

/** UTF-8 size of a string. */
export const bytes = (s: string) => new TextEncoder().encode(s).length;

/** Messages in an outbox value, as stored: `{ t, q: [[time, message], ...] }`. */
export const storedIds = (outboxes: Record<string, any>) =>
  Object.values(outboxes).flatMap((o: any) => o.q.map(([, m]: [number, any]) => m.messageId));
