// The public API: checks each call, notes who and when, and has it built into a message at the
// end of the task. The path a call travels has a module per step: tracker -> message -> outbox
// -> sender (drain, answer) -> transport, with identity, consent, storage, delivery events,
// lifecycle and log beside.
import type { Config, EventMap, Tracker, TrackerOptions, UntypedEvents } from './types';
import { createLog, type Log } from './log';
import { createStorage } from './storage';
import { createIdentity } from './identity';
import { createOutbox, type Entry } from './outbox';
import { createMessages } from './message';
import { createSender, type Sender } from './sender';
import { createTransport, resolveEndpoint } from './transport';
import { createDeliveryEvents } from './delivery-events';
import { forgetVisitor, initialConsent, isPrivacySignalled, OPT_OUT_KEY } from './consent';
import { watchLifecycle } from './lifecycle';
import { watchNavigation } from './page-views';
import { checkEventName, checkId, isObject, ownValue } from './validate';
import { browserIO, type IO } from './io';
import { MAX_BATCH_BYTES, MAX_MESSAGE_BYTES } from './limits';

const DEFAULTS = {
  flushAt: 20,
  flushIntervalMs: 1000,
  // Four such requests fill the 64 KiB keepalive quota, and a proxy that refuses bodies over
  // 16 KB (issue 12's proof) refuses none of a page left at once.
  maxBatchBytes: 16_000,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  maxQueueMessages: 1000,
  maxQueueBytes: 1e6,
};
const METHODS = ['identify', 'track', 'page', 'reset', 'flush', 'consent', 'on', 'off'] as const;
type MethodName = (typeof METHODS)[number];
/** A public method as the guard calls it: at most three arguments, of any type a page passes. */
type Method = (a?: unknown, b?: unknown, d?: unknown) => unknown;

/** What cio.js needs besides the API: the log, and a way to replay the stub's queued calls. */
export interface Core<E extends EventMap> {
  api: Tracker<E>;
  /** Run `fn` as if called at `time` (ms): the stub's queued calls keep their own time. */
  at(time: number | undefined, fn: () => void): void;
  log: Log;
}

/** Why a tracker cannot work here (SSR, no site id), or `''`. */
const whyUnusable = (win: Window | undefined, config: Config) =>
  !win?.document
    ? 'ignored outside a browser'
    : typeof config.siteId == 'string' && config.siteId
      ? ''
      : 'siteId is required; calls are ignored';

/** SSR, or no site id: methods that ignore every call, with one warning (flush still resolves). */
function ignoreCalls(api: Record<MethodName, Method>, log: Log, reason: string) {
  for (const m of METHODS)
    api[m] = () => (log.warnOnce('createTracker', reason), m == 'flush' ? Promise.resolve() : undefined);
}

export function createCore<E extends EventMap>(options: TrackerOptions, overrides: Partial<IO> = {}): Core<E> {
  // State: the page, the log, the public methods, the time of the call being replayed.
  // Without a prototype: an option left out is its default, never a page's Object.prototype name.
  const config: Config = Object.assign(Object.create(null), DEFAULTS, options);
  const win = overrides.window ?? (typeof window == 'object' ? window : undefined);
  const log = createLog(!!config.debug, overrides.console ?? console);
  const unusableReason = whyUnusable(win, config);
  const api = {} as Record<MethodName, Method>;
  let callTime: number | undefined;
  const at = (time: number | undefined, fn: () => void) => ((callTime = time), fn(), (callTime = undefined));
  const core = { api: api as unknown as Tracker<E>, log, at };
  if (unusableReason) return (ignoreCalls(api, log, unusableReason), core);
  const io = browserIO(win!, overrides);
  config.maxBatchBytes = Math.min(config.maxBatchBytes, MAX_BATCH_BYTES);
  // Delivery events, and the one guard: nothing the library does can throw into the page.
  const [emit, on, off] = createDeliveryEvents(log);
  const reportFailure = (call: string, error: unknown) => (log.warn(call, error), emit('error', { call, error }));
  const guard = (call: string, fn: Method, a?: unknown, b?: unknown, d?: unknown) => {
    try {
      return fn(a, b, d);
    } catch (e) {
      reportFailure(call, e);
    }
  };
  // Consent (consent.ts): nothing is stored before it is granted.
  const store = createStorage(win!, false);
  const isSignalled = isPrivacySignalled(config, win!);
  let consent = initialConsent(config, isSignalled, store);
  store.persist(consent == 'granted');
  // Identity, outbox, sender and messages.
  const identity = createIdentity(store, io.randomId);
  if (consent == 'denied') identity.reset(); // ids left by another subdomain's storage, say: not this visitor's
  const warnDropped = (count: number) => {
    log.warn('track', `outbox full or over 7 days old: the ${count} oldest messages were dropped`);
    emit('dropped', { count });
  };
  // The outbox and the sender need each other; the outbox calls back only once both exist.
  const isBacklogged = () => consent != 'granted' || sender.isFailing();
  const outbox = createOutbox(config, io, store, warnDropped, isBacklogged, () => sender.schedule());
  const url = resolveEndpoint(config.endpoint, win!.location, config.siteId, (p) => log.warn('createTracker', p));
  const transport = createTransport(url, io);
  const sender: Sender = createSender(config, io, outbox, transport, log, emit, () => consent == 'granted', store);
  const addMessage = (call: string, entry: Entry) => {
    if (entry.b <= MAX_MESSAGE_BYTES) return outbox.add(entry);
    log.warn(call, `${entry.m.event || call} is ${entry.b} bytes, over the 32 KB message limit; dropped`);
    emit('dropped', { count: 1 });
  };
  const callClock = () => callTime ?? io.now();
  let isHidden = false; // from a hide event to visible: the browser takes each task's messages at once
  const afterBuild = () => guard('flush', isHidden ? sender.flushOnHide : sender.schedule);
  const messages = createMessages(io, log, identity, callClock, addMessage, reportFailure, afterBuild);
  const [deferCall, runDeferredCalls, dropCalls] = messages;
  // Automatic views (SPA navigations, restores) go straight to the queue: they claim nothing.
  const isAutoPage = config.autoTrackPage !== false;
  const sendView = (url?: string) => isAutoPage && consent != 'denied' && deferCall('page', url);
  const claimView = watchNavigation(io, config.trackHashRoutes, sendView, runDeferredCalls);
  // Public API.
  const startDelivery = () => (outbox.adopt(), sender.flush());
  const methods: Record<MethodName, Method> = {
    identify(idOrTraits, traits) {
      const id = isObject(idOrTraits) ? ownValue(idOrTraits, 'id') : idOrTraits; // never an inherited id
      const problem = checkId(id);
      if (problem) return log.warn('identify', problem);
      if (consent == 'denied') return;
      identity.identify(String(id));
      deferCall('identify', idOrTraits, traits);
    },
    track(name, data, trackOptions) {
      const problem = checkEventName(name);
      if (problem) return log.warn('track', problem);
      if (consent != 'denied') deferCall('track', name, data, trackOptions);
    },
    page(nameOrUrl, data) {
      if (nameOrUrl != null && typeof nameOrUrl != 'string')
        return log.warn('page', 'the name or URL must be a string');
      claimView();
      if (consent != 'denied') deferCall('page', nameOrUrl, data);
    },
    reset: () => identity.reset(),
    flush: () => (runDeferredCalls(), sender.flush()),
    consent(granted) {
      if (typeof granted != 'boolean') return log.warn('consent', 'pass true or false');
      if (isSignalled) return; // GPC or DNT: they win over any later call
      consent = granted ? 'granted' : 'denied';
      store.persist(true, !granted); // a refusal drops what pending consent kept in memory
      if (granted) {
        if (store.get(OPT_OUT_KEY, true)) store.set(OPT_OUT_KEY, null, true);
        return startDelivery();
      }
      dropCalls(); // the calls of this task too, even if consent(true) follows within it
      forgetVisitor(store, outbox, identity);
    },
    on: on as Method,
    off: off as Method,
  };
  const isDebug = !!config.debug;
  for (const name of METHODS) {
    const method = methods[name]; // looked up once: `methods[name]` in the call was megamorphic
    // Fixed arity (every method takes at most three arguments): no `arguments` object per call.
    api[name] = (a, b, d) => {
      if (isDebug) log.debug(name, ...[a, b, d].filter((x) => x !== undefined));
      return guard(name, method, a, b, d) ?? (name == 'flush' ? Promise.resolve() : undefined);
    };
  }
  // Start-up. The page hides and shows whatever the consent: the sender sends only with it.
  if (consent == 'granted') startDelivery();
  const onHide = () => guard('flush', () => ((isHidden = true), runDeferredCalls(), sender.flushOnHide()));
  // The sender is told whatever the consent: it hid with the page, and sends again only with it.
  const onShow = () =>
    guard('flush', () => ((isHidden = false), consent == 'granted' && outbox.adopt(), sender.onVisible()));
  watchLifecycle(win!, onHide, onShow, () => guard('flush', sender.flush));
  // A refusal in another tab of this origin applies at once (other subdomains': through the cookie);
  // not again where refused already: its marker, written again, would echo between the tabs.
  const onStorage = (e: StorageEvent) => e.key == OPT_OUT_KEY && e.newValue && consent != 'denied';
  win!.addEventListener('storage', (e) => onStorage(e) && api.consent(false));
  const linkId = new URLSearchParams(win!.location.search).get('_cio_id'); // Customer.io's link auto-identify
  if (linkId) api.identify(linkId);
  return core;
}

/**
 * Create a tracker for a single-page app. Sends a page view now and on every SPA navigation
 * (unless `autoTrackPage: false`). In Node (SSR) it returns a tracker that ignores calls.
 * @example const cio = createTracker<{ purchased: { price: number } }>({ siteId: 'abc', endpoint: 'https://collect.example.com' })
 */
export function createTracker<E extends EventMap = UntypedEvents>(
  options: TrackerOptions,
  io?: Partial<IO>,
): Tracker<E> {
  const core = createCore<E>(options, io);
  if (ownValue(options, 'autoTrackPage') !== false) core.api.page();
  return core.api;
}
