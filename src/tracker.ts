// The public API: validates each call, turns it into a message stamped with the client's clock,
// and hands it to the outbox. The path a call travels has a module per step:
// tracker -> identity -> outbox -> sender -> transport (with storage, lifecycle and log beside).
import type { Config, EventMap, Message, Properties, Tracker, TrackerEvent, TrackerOptions } from './types';
import { createLog, type Log } from './log';
import { createStorage } from './storage';
import { createIdentity, ANONYMOUS_ID_KEY, USER_ID_KEY } from './identity';
import { createOutbox, toEntry, OUTBOX_PREFIX } from './outbox';
import { createSender } from './sender';
import { createTransport } from './transport';
import { watchLifecycle, watchNavigation } from './lifecycle';
import { sanitize, TOO_LARGE } from './sanitize';
import { checkEventName, checkId, isObject, parseTimestamp } from './validate';
import { browserIO, type IO } from './io';

declare const __VERSION__: string;
/** Segment's and Customer.io's per-message limit. */
export const MAX_MESSAGE_BYTES = 32_768;
/** Segment's and Customer.io's per-request limit. */
const MAX_REQUEST_BYTES = 500_000;
/** The one key kept after consent(false), so later page loads track nothing. */
const OPT_OUT_KEY = '_cio_optout';
const ANSWERED_KEY = '_cio_ok';
/** How long a 2xx seen by an earlier page counts as evidence that the collector is up. */
const TRUST_ANSWER_MS = 5 * 60_000;
const METHODS = ['identify', 'track', 'page', 'reset', 'flush', 'consent', 'on', 'off'] as const;

/** What a call noted at its moment: time (ms), anonymousId and userId. */
type Snapshot = [number, string, string | undefined];

export interface Core<E extends EventMap> {
  api: Tracker<E>;
  /** Run `fn` as if called at `time` (ms): the stub's queued calls keep their own time. */
  at(time: number | undefined, fn: () => void): void;
  log: Log;
}

// eslint-disable-next-line max-lines-per-function -- 269 lines; split along its concerns in issue 11
export function createCore<E extends EventMap>(options: TrackerOptions, overrides: Partial<IO> = {}): Core<E> {
  const w = overrides.window ?? (typeof window == 'object' ? window : undefined);
  const log = createLog(!!options?.debug, overrides.console ?? console);
  const problem = !w?.document
    ? 'ignored outside a browser'
    : typeof options?.siteId == 'string' && options.siteId
      ? ''
      : 'siteId is required; calls are ignored';
  const api: any = {};
  let callTime: number | undefined;
  const core = {
    api,
    log,
    at: (time: number | undefined, fn: () => void) => ((callTime = time), fn(), (callTime = undefined)),
  };
  // SSR, or no site id: a tracker that ignores calls, with one warning.
  if (problem) {
    for (const m of METHODS)
      api[m] = () => (log.warnOnce('createTracker', problem), m == 'flush' ? Promise.resolve() : undefined);
    return core;
  }

  const io = browserIO(w!, overrides);
  const c: Config = {
    flushAt: 20,
    flushIntervalMs: 1000,
    maxBatchBytes: 32_000,
    retryBaseMs: 1000,
    retryMaxMs: 60_000,
    maxQueueMessages: 1000,
    maxQueueBytes: 1e6,
    ...options,
  };
  c.maxBatchBytes = Math.min(c.maxBatchBytes, MAX_REQUEST_BYTES);
  const { navigator: nav, location: loc } = w!;
  const listeners: Record<string, ((detail: any) => void)[]> = {};
  const emit = (event: TrackerEvent, detail: object) =>
    listeners[event]?.forEach((fn) => {
      try {
        fn(detail);
      } catch {
        // a listener's bug is the page's own; delivery goes on
      }
    });

  // Global Privacy Control or Do Not Track (when asked to respect them), or an earlier refusal,
  // turn tracking off entirely: nothing is stored, nothing is sent.
  const store = createStorage(w!, false);
  const isSignalled =
    (c.respectGPC && (nav as any).globalPrivacyControl) ||
    (c.respectDNT && (nav.doNotTrack == '1' || (w as any).doNotTrack == '1'));
  let consent = isSignalled || store.get(OPT_OUT_KEY, true) ? 'denied' : c.consent == 'pending' ? 'pending' : 'granted';
  store.persist(consent == 'granted');

  const identity = createIdentity(store, io.randomId);
  // Refused before (or by a signal): the ids found are a leftover, from another subdomain's
  // localStorage for instance. A later consent(true) starts as a new, anonymous visitor.
  if (consent == 'denied') identity.reset();
  const outbox = createOutbox(
    c,
    io,
    store,
    (count) => {
      log.warn('track', `outbox full or over 7 days old: the ${count} oldest messages were dropped`);
      emit('dropped', { count });
    },
    () => consent != 'granted' || sender.isFailing(),
    () => sender.schedule(),
  );
  const endpoint = (c.endpoint || loc.origin).replace(/\/+$/, '') + '/v1/batch';
  // When the collector last answered 2xx (any page of the site), so that a page left before its
  // own first answer can still trust its page-hide beacons: without it, every quick navigation
  // would leave its events to be sent again by the next page.
  let answeredAt = +store.get(ANSWERED_KEY)! || 0;
  const sender = createSender(
    c,
    io,
    outbox,
    createTransport(endpoint, io),
    log,
    (event, detail) => {
      // Written at most once a minute, and cleared by a failure.
      if (event == 'retry' ? answeredAt : event == 'sent' && io.now() - answeredAt > 60_000)
        store.set(ANSWERED_KEY, event == 'sent' ? '' + (answeredAt = io.now()) : ((answeredAt = 0), null));
      emit(event, detail);
    },
    () => consent == 'granted',
    io.now() - answeredAt < TRUST_ANSWER_MS,
  );

  // A messageId is this page's random prefix (74 bits) and a counter: unique like a UUID, a
  // tenth of the cost (crypto.randomUUID is ~1.3 µs a call in Chromium) and 13 bytes shorter.
  const idPrefix = io.randomId().replace(/-/g, '').slice(0, 20);
  let messageCount = 0;

  // A call does only what must happen at its moment: the cheap checks, a change of identity, and
  // a note of who and when. Cleaning the data, building the message and measuring its JSON (the
  // `builders` below) wait for the end of the task, for every call of the task at once: a click
  // handler that tracks gets control back sooner (track() went from ~6 µs to ~0.2 µs in
  // Chromium), and the work is the same, done later in the same task. One queue holds every
  // call, so they keep their order; it is flat (seven slots a call) and holds no closure,
  // because allocating one per call was a third of the cost.
  const SLOTS = 7;
  let pending: any[] = [];
  const runPending = () => {
    const calls = pending;
    pending = [];
    for (let i = 0; i < calls.length; i += SLOTS)
      try {
        if (consent != 'denied')
          builders[calls[i] as Built](calls.slice(i + 1, i + 4) as Snapshot, calls[i + 4], calls[i + 5], calls[i + 6]);
      } catch (e) {
        fail(calls[i], e);
      }
    try {
      if (calls.length) sender.schedule();
    } catch (e) {
      fail('flush', e); // a microtask's exception would reach the page as an uncaught error
    }
  };
  const later = (call: Built, a: unknown, b?: unknown, d?: unknown) => {
    // Not the URL: reading location.href costs more than the rest of a call (Chromium); the
    // messages of a task are built before any history.pushState in it (see watchNavigation).
    if (pending.push(call, callTime ?? io.now(), identity.anonymousId(), identity.userId(), a, b, d) == SLOTS)
      queueMicrotask(runPending);
  };

  const enqueue = (call: string, fields: Partial<Message>, [now, anonymousId, userId]: Snapshot, time?: number) => {
    const d = w!.document;
    const page = { url: loc.href, path: loc.pathname, referrer: d.referrer, title: d.title, search: loc.search };
    const m = {
      type: call,
      messageId: idPrefix + (++messageCount).toString(36),
      timestamp: new Date(time ?? now).toISOString(),
      anonymousId,
      userId,
      ...fields,
      context: {
        page,
        userAgent: nav.userAgent,
        locale: nav.language,
        library: { name: 'tracklet', version: __VERSION__ },
      },
    } as Message;
    if (call == 'page') m.properties = { ...page, ...m.properties };
    const entry = toEntry(m, io.stringify(m), now); // its age counts from the call
    if (entry.b > MAX_MESSAGE_BYTES) {
      log.warn(call, `${m.event || call} is ${entry.b} bytes, over the 32 KB message limit; dropped`);
      return emit('dropped', { count: 1 });
    }
    outbox.add(entry);
  };

  /** Event data as plain JSON; non-objects and unreadable data are warned about and left out. */
  const clean = (call: string, data: unknown, name = call): Properties | undefined => {
    try {
      const clean = sanitize(data ?? {});
      if (!isObject(clean)) throw 0; // a Date, a typed array, a string: not an object of properties
      return clean;
    } catch (e) {
      if (e === TOO_LARGE) return void log.warn(call, `${name}: data is over the 32 KB message limit; dropped`);
      log.warn(call, 'data must be a readable object; left out');
      return {};
    }
  };

  type Built = 'identify' | 'track' | 'page';
  const builders: Record<Built, (snapshot: Snapshot, a: any, b: any, d: any) => void> = {
    identify(snapshot, idOrTraits, traits) {
      const hasTraitsFirst = isObject(idOrTraits);
      const attributes = clean('identify', hasTraitsFirst ? idOrTraits : traits);
      if (!attributes) return;
      delete attributes.id;
      enqueue('identify', { traits: attributes }, snapshot);
    },
    track(snapshot, name: string, data, options) {
      const properties = clean('track', data, name);
      if (!properties) return;
      if (/\s/.test(name)) log.warnOnce('track', `"${name}" has spaces; your_event_name is recommended`);
      const t =
        isObject(options) && options.timestamp != null
          ? parseTimestamp(options.timestamp as any, (p) => log.warn('track', p))
          : undefined;
      enqueue('track', { event: name, properties }, snapshot, t);
    },
    page(snapshot, nameOrUrl: string | undefined, data) {
      const properties = clean('page', data);
      if (!properties) return;
      if (/^(https?:)?\//.test(nameOrUrl || '')) {
        const u = new URL(nameOrUrl!, loc.href);
        Object.assign(properties, { url: u.href, path: u.pathname, search: u.search });
      } else if (nameOrUrl) return enqueue('page', { name: nameOrUrl, properties }, snapshot);
      enqueue('page', { properties }, snapshot);
    },
  };

  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- each method has its own signature; retyped in issue 11
  const methods: Record<(typeof METHODS)[number], Function> = {
    identify(idOrTraits: unknown, traits?: unknown) {
      const id = isObject(idOrTraits) ? idOrTraits.id : idOrTraits;
      const problem = checkId(id);
      if (problem) return log.warn('identify', problem);
      if (consent == 'denied') return;
      identity.identify(String(id));
      later('identify', idOrTraits, traits);
    },
    track(name: unknown, data?: unknown, options?: unknown) {
      const problem = checkEventName(name);
      if (problem) return log.warn('track', problem);
      if (consent != 'denied') later('track', name, data, options);
    },
    page(nameOrUrl?: unknown, data?: unknown) {
      if (nameOrUrl != null && typeof nameOrUrl != 'string')
        return log.warn('page', 'the name or URL must be a string');
      if (consent != 'denied') later('page', nameOrUrl, data);
    },
    reset: () => identity.reset(),
    flush: () => (runPending(), sender.flush()),
    consent(granted: unknown) {
      if (typeof granted != 'boolean') return log.warn('consent', 'pass true or false');
      if (isSignalled) return; // GPC or DNT: they win over any later call
      consent = granted ? 'granted' : 'denied';
      store.persist(true);
      if (granted) {
        if (store.get(OPT_OUT_KEY, true)) store.set(OPT_OUT_KEY, null, true);
        return start();
      }
      // Refused: drop everything queued, delete every key and cookie the library wrote, and keep
      // only the marker that makes later page loads track nothing.
      pending = []; // the calls of this task too, even if consent(true) follows within it
      outbox.remove(outbox.entries());
      for (const key of store.keys(OUTBOX_PREFIX).concat(ANSWERED_KEY)) store.set(key, null);
      store.set(ANONYMOUS_ID_KEY, null, true);
      store.set(USER_ID_KEY, null, true);
      store.set(OPT_OUT_KEY, '1', true); // in a cookie too: it must hold where storage is refused
      store.persist(false);
      identity.reset(); // in memory only: a later consent(true) starts as a new, anonymous visitor
    },
    on(event: TrackerEvent, handler: (detail: any) => void) {
      if (typeof handler != 'function') return log.warn('on', 'the handler must be a function');
      (listeners[event] ||= []).push(handler);
    },
    off(event: TrackerEvent, handler: (detail: any) => void) {
      listeners[event] = listeners[event]?.filter((h) => h != handler);
    },
  };

  // One guard for every public method and every deferred build: nothing the library does can
  // throw into the page.
  const fail = (call: string, error: unknown) => {
    log.warn(call, error);
    emit('error', { call, error });
  };
  // Fixed arity (every method takes at most three arguments): no `arguments` object per call.
  const isDebug = !!c.debug;
  for (const name of METHODS) {
    const method = methods[name]; // looked up once: `methods[name]` in the call was megamorphic
    api[name] = (a: unknown, b: unknown, d: unknown) => {
      try {
        if (isDebug) log.debug(name, ...[a, b, d].filter((x) => x !== undefined));
        return method(a, b, d);
      } catch (e) {
        fail(name, e);
      }
      if (name == 'flush') return Promise.resolve();
    };
  }

  let isStarted = false;
  const start = () => {
    outbox.adopt();
    sender.flush();
    if (!isStarted) {
      isStarted = true;
      watchLifecycle(
        w!,
        () => (runPending(), sender.flushOnHide()),
        () => (outbox.adopt(), sender.onVisible()),
        sender.flush,
      );
    }
  };
  if (consent == 'granted') start();
  // A refusal in another open tab of this origin applies here at once (a `storage` event); the
  // open tabs of other subdomains see it at their next load, through the cookie.
  w!.addEventListener('storage', (e) => e.key == OPT_OUT_KEY && e.newValue && api.consent(false));

  const linkId = new URLSearchParams(loc.search).get('_cio_id'); // Customer.io's link auto-identify
  if (linkId) api.identify(linkId);
  watchNavigation(w!, runPending, () => c.autoTrackPage !== false && api.page(), io.setTimeout);
  return core;
}

/**
 * Create a tracker for a single-page app. Sends a page view now and on every SPA navigation
 * (unless `autoTrackPage: false`). In Node (SSR) it returns a tracker that ignores calls.
 * @example const cio = createTracker<{ purchased: { price: number } }>({ siteId: 'abc', endpoint: 'https://collect.example.com' })
 */
export function createTracker<E extends EventMap = Record<string, any>>(
  options: TrackerOptions,
  io?: Partial<IO>,
): Tracker<E> {
  const core = createCore<E>(options, io);
  if (options?.autoTrackPage !== false) core.api.page();
  return core.api;
}
