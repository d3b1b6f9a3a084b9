// The public API: validates each call, turns it into a message stamped with the client's time,
// and hands it to the outbox. Wiring lives here; each step of the path has its own module:
// tracker -> identity -> outbox -> sender -> transport.
import type { EventMap, Message, Properties, Tracker, TrackerEvent, TrackerOptions } from './types';
import { createLog, type Log } from './log';
import { createStorage } from './storage';
import { createIdentity, randomId, ANONYMOUS_ID_KEY, USER_ID_KEY } from './identity';
import { createOutbox, toEntry, utf8Bytes, OUTBOX_PREFIX } from './outbox';
import { createSender } from './sender';
import { createTransport } from './transport';
import { watchLifecycle, watchNavigation } from './lifecycle';
import { sanitize, TOO_LARGE } from './sanitize';
import { checkEventName, checkId, isObject, parseTimestamp } from './validate';
import { stringify } from './json';

declare const __VERSION__: string;
/** Segment's and Customer.io's per-message limit. */
export const MAX_MESSAGE_BYTES = 32_768;
const OPT_OUT_KEY = '_cio_optout';

/** Side effects, injectable for tests; each defaults to the browser's. */
export interface TrackerIO {
  window: Window;
  now: () => number;
  random: () => number;
  randomId: () => string;
  fetch: typeof fetch;
  sendBeacon: (url: string, data: BodyInit) => boolean;
  setTimeout: (fn: () => void, ms: number) => any;
  clearTimeout: (id: any) => void;
  locks: LockManager | undefined;
  console: Pick<Console, 'warn' | 'log'>;
}

export interface Core<E extends EventMap> {
  api: Tracker<E>;
  /** Run `fn` as if called at `time` (ms): the stub's queued calls keep their own time. */
  at(time: number | undefined, fn: () => void): void;
  log: Log;
}

const METHODS = ['identify', 'track', 'page', 'reset', 'flush', 'consent', 'on', 'off'] as const;

function inert<E extends EventMap>(log: Log, problem: string): Core<E> {
  const api: any = {};
  for (const m of METHODS) api[m] = () => (log.warnOnce('createTracker', problem), m == 'flush' ? Promise.resolve() : undefined);
  return { api, at: (_, fn) => fn(), log };
}

export function createCore<E extends EventMap>(options: TrackerOptions, io: Partial<TrackerIO> = {}): Core<E> {
  const w = io.window ?? (typeof window == 'object' ? window : undefined);
  const log = createLog(!!options?.debug, io.console ?? console);
  if (!w?.document) return inert(log, 'ignored outside a browser');
  if (typeof options?.siteId != 'string' || !options.siteId) return inert(log, 'createTracker needs a siteId; calls are ignored');

  const nav = w.navigator;
  const loc = w.location;
  const now = io.now ?? Date.now;
  const newId = io.randomId ?? randomId;
  const timers = { setTimeout: io.setTimeout ?? w.setTimeout.bind(w), clearTimeout: io.clearTimeout ?? w.clearTimeout.bind(w) };
  const listeners: Record<string, ((detail: any) => void)[]> = {};
  const emit = (event: TrackerEvent, detail: object) =>
    (listeners[event] || []).forEach((fn) => {
      try {
        fn(detail);
      } catch {
        // a listener's bug is the page's own; delivery goes on
      }
    });

  // Privacy: Global Privacy Control or Do Not Track (when asked to respect them) and an earlier
  // refusal turn the tracker off entirely: nothing is stored, nothing is sent.
  const store = createStorage(
    { localStorage: () => w.localStorage, document: () => w.document, hostname: loc.hostname, isSecure: loc.protocol == 'https:' },
    false,
  );
  let consent: 'pending' | 'granted' | 'denied' =
    (options.respectGPC && (nav as any).globalPrivacyControl) ||
    (options.respectDNT && (nav.doNotTrack == '1' || (w as any).doNotTrack == '1')) ||
    store.get(OPT_OUT_KEY) == '1'
      ? 'denied'
      : options.consent == 'pending'
        ? 'pending'
        : 'granted';
  store.persist(consent == 'granted');

  const identity = createIdentity(store, newId);
  const outbox = createOutbox({
    store,
    tabId: newId(),
    now,
    maxMessages: options.maxQueueMessages ?? 1000,
    maxBytes: options.maxQueueBytes ?? 1e6,
    locks: 'locks' in io ? io.locks : nav.locks,
    onDrop(count) {
      log.warn('track', `the outbox is full: dropped the ${count} oldest messages`);
      emit('dropped', { count, reason: 'outbox full' });
    },
  });
  const sender = createSender({
    outbox,
    transport: createTransport((options.endpoint || loc.origin).replace(/\/+$/, '') + '/v1/batch', {
      fetch: io.fetch ?? (w.fetch && w.fetch.bind(w)),
      sendBeacon: io.sendBeacon ?? (nav.sendBeacon && nav.sendBeacon.bind(nav)),
      now,
      setTimeout: timers.setTimeout,
    }),
    writeKey: options.siteId,
    flushAt: options.flushAt ?? 20,
    flushIntervalMs: options.flushIntervalMs ?? 1000,
    maxBatchBytes: options.maxBatchBytes ?? 32_000,
    retryBaseMs: options.retryBaseMs ?? 1000,
    retryMaxMs: options.retryMaxMs ?? 60_000,
    now,
    random: io.random ?? Math.random,
    ...timers,
    isOnline: () => nav.onLine !== false,
    canSend: () => consent == 'granted',
    log,
    emit,
    stringify,
  });

  let callTime: number | undefined;
  const enqueue = (call: string, fields: Partial<Message>, time?: number) => {
    const d = w.document;
    const page = { url: loc.href, path: loc.pathname, referrer: d.referrer, title: d.title, search: loc.search };
    const m = {
      type: call,
      messageId: newId(),
      timestamp: new Date(time ?? callTime ?? now()).toISOString(),
      anonymousId: identity.anonymousId(),
      userId: identity.userId(),
      ...fields,
      context: { page, userAgent: nav.userAgent, locale: nav.language, library: { name: 'tracklet', version: __VERSION__ } },
    } as Message;
    if (m.type == 'page') m.properties = { ...page, ...m.properties };
    const json = stringify(m);
    const bytes = utf8Bytes(json);
    if (bytes > MAX_MESSAGE_BYTES) {
      log.warn(call, `the ${m.event ? `"${m.event}" ` : ''}message is ${bytes} bytes, over the 32 KB limit; it is dropped`);
      return emit('dropped', { count: 1, reason: 'too large' });
    }
    log.debug(call, m.event ?? m.name ?? '', m.messageId);
    outbox.add(toEntry(m, json, now()));
    sender.schedule();
  };

  /** Event data as plain JSON; non-objects and unreadable data are warned about and left out. */
  const clean = (call: string, data: unknown): Properties | undefined => {
    if (data === undefined || data === null) return {};
    if (!isObject(data)) return log.warn(call, 'data must be an object; it is left out'), {};
    try {
      return sanitize(data) as Properties;
    } catch (e) {
      if (e === TOO_LARGE) return log.warn(call, 'data is too large for one message; the call is dropped'), undefined;
      return log.warn(call, 'data could not be read; it is left out'), {};
    }
  };

  const identify = (idOrTraits: unknown, traits?: unknown) => {
    const obj = isObject(idOrTraits);
    const id = obj ? idOrTraits.id : idOrTraits;
    const problem = checkId(id);
    if (problem) return log.warn('identify', problem);
    let attributes = clean('identify', obj ? idOrTraits : traits);
    if (!attributes) return;
    if (obj) {
      const { id: _, ...rest } = attributes;
      attributes = rest;
    }
    if (consent == 'denied') return;
    identity.identify(String(id));
    enqueue('identify', { traits: attributes });
  };

  const api: Tracker<any> = {
    identify,
    track(name: unknown, data?: unknown, opts?: unknown) {
      const problem = checkEventName(name);
      if (problem) return log.warn('track', problem);
      const properties = clean('track', data);
      if (!properties || consent == 'denied') return;
      if (/\s/.test(name as string)) log.warnOnce('track', `event name "${name}" has spaces; your_event_name is recommended`);
      const t = isObject(opts) && opts.timestamp != null ? parseTimestamp(opts.timestamp as any, (p) => log.warn('track', p)) : undefined;
      enqueue('track', { event: name as string, properties }, t);
    },
    page(nameOrUrl?: unknown, data?: unknown) {
      if (nameOrUrl != null && typeof nameOrUrl != 'string') return log.warn('page', 'the name or URL must be a string');
      const properties = clean('page', data);
      if (!properties || consent == 'denied') return;
      const isUrl = /^(https?:)?\//.test(nameOrUrl || '');
      if (isUrl) properties.url = new URL(nameOrUrl!, loc.href).href;
      enqueue('page', nameOrUrl && !isUrl ? { name: nameOrUrl, properties } : { properties });
    },
    reset: () => identity.reset(),
    flush: () => sender.flush(),
    consent(granted: unknown) {
      if (typeof granted != 'boolean') return log.warn('consent', 'pass true or false');
      if (granted) {
        if (consent == 'denied' && store.get(OPT_OUT_KEY) != '1') return; // GPC or DNT: they win
        consent = 'granted';
        store.persist(true);
        store.set(OPT_OUT_KEY, null);
        start();
      } else {
        consent = 'denied';
        outbox.remove(outbox.entries().slice());
        store.persist(true);
        for (const key of store.keys(OUTBOX_PREFIX).concat(ANONYMOUS_ID_KEY, USER_ID_KEY)) store.set(key, null, true);
        store.set(OPT_OUT_KEY, '1');
        store.persist(false);
      }
    },
    on(event: TrackerEvent, handler: (detail: any) => void) {
      if (typeof handler != 'function') return log.warn('on', 'the handler must be a function');
      (listeners[event] ||= []).push(handler);
    },
    off(event: TrackerEvent, handler: (detail: any) => void) {
      listeners[event] = (listeners[event] || []).filter((h) => h !== handler);
    },
  };

  // One guard for every public method: an exception inside the library becomes a warning.
  const guarded: any = {};
  for (const name of METHODS) {
    const fn = (api as any)[name];
    guarded[name] = (...args: unknown[]) => {
      try {
        log.debug('call', name, ...args);
        return fn(...args);
      } catch (e) {
        log.warn(name, 'failed: ' + e);
        emit('error', { call: name, error: e });
        if (name == 'flush') return Promise.resolve();
      }
    };
  }

  let isStarted = false;
  const start = () => {
    outbox.adopt(() => sender.schedule());
    sender.flush();
    if (isStarted) return;
    isStarted = true;
    watchLifecycle(w, {
      hide: () => sender.flushOnHide(),
      visible: () => (consent == 'granted' && outbox.adopt(() => sender.schedule()), sender.onVisible()),
      online: () => sender.flush(),
    });
  };
  if (consent == 'granted') start();
  else watchLifecycle(w, { hide() {}, visible() {}, online() {} });

  const autoIdentify = new URLSearchParams(loc.search).get('_cio_id');
  if (autoIdentify) guarded.identify(autoIdentify);
  if (options.autoTrackPage !== false) watchNavigation(w, () => guarded.page());

  return {
    api: guarded,
    at(time, fn) {
      callTime = time;
      try {
        fn();
      } finally {
        callTime = undefined;
      }
    },
    log,
  };
}

/**
 * Create a tracker for a single-page app. Sends a page view now and on every SPA navigation
 * (unless `autoTrackPage: false`). In Node (SSR) it returns a tracker that ignores calls.
 * @example const cio = createTracker<{ purchased: { price: number } }>({ siteId: 'abc', endpoint: 'https://collect.example.com' })
 */
export function createTracker<E extends EventMap = Record<string, any>>(options: TrackerOptions, io?: Partial<TrackerIO>): Tracker<E> {
  const core = createCore<E>(options, io);
  if (options?.autoTrackPage !== false) core.api.page();
  return core.api;
}
