/** Event data: any JSON-like object. Values that JSON cannot carry are cleaned, never thrown on. */
export type Properties = Record<string, unknown>;

/**
 * A map from event name to the shape of its data, for compile-time checked `track` calls.
 * @example createTracker<{ purchased: { price: number } }>({ siteId: 'x' }).track('purchased', { price: 1 })
 */
export type EventMap = Record<string, Properties | undefined>;

/**
 * The events of a tracker created without a map: any name, any data. `any` so that data typed by
 * an interface is accepted too (an interface has no index signature, so Properties would refuse it).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: interfaces must be accepted as data
export type UntypedEvents = Record<string, any>;

/** When an event happened: unix seconds, a `Date`, or an ISO-8601 string. */
export type Timestamp = number | string | Date;

/** Options of a `track` call. @example track('signed_up', {}, { timestamp: 1700000000 }) */
export interface TrackOptions {
  /** Backfill: when the event really happened (unix seconds, `Date` or ISO string). */
  timestamp?: Timestamp;
  /**
   * Backfill: a stable id for this event (1 to 150 bytes), so a re-run sends the same id and a
   * collector that drops repeated messageIds counts it once. Without it, one is made.
   */
  messageId?: string;
}

/**
 * What each delivery event hands its listeners.
 * @example cio.on('dropped', ({ count, status }) => console.log(count, status))
 */
export interface TrackerEventDetails {
  /** A batch was accepted: `count` messages, answered with the 2xx `status`. */
  sent: { count: number; status: number };
  /** A batch will be sent again in `delayMs` (ms); `status` is 0 for a network error or timeout. */
  retry: { status: number; delayMs: number };
  /**
   * `count` messages were given up: refused by the collector (with its `status`), over the message
   * size limit, or the oldest dropped to keep the outbox within its limits (no `status`).
   */
  dropped: { count: number; status?: number };
  /** A call failed inside the library (`call` names it); it was warned about, never thrown. */
  error: { call: string; error: unknown };
}

/** What `on()` can listen to. */
export type TrackerEvent = keyof TrackerEventDetails;

/** A listener of one delivery event. */
export type TrackerEventHandler<K extends TrackerEvent> = (detail: TrackerEventDetails[K]) => void;

/** Options of `createTracker`. @example createTracker({ siteId: 'abc', endpoint: 'https://collect.example.com' }) */
export interface TrackerOptions {
  /** Your site id (sent as `writeKey`). */
  siteId: string;
  /**
   * Where batches go: an origin (`{endpoint}/v1/batch`, as always), a full URL ending in `/batch`
   * (used as it is; RudderStack's `{dataplane}/beacon/v1/batch` gets `?writeKey=`), or a preset:
   * `customerio`, `customerio-eu`, `segment`, `segment-eu`. Defaults to the page's origin.
   * See docs/protocol.md, "Collectors".
   */
  endpoint?: string;
  /**
   * Gzip bodies (sent to `?encoding=gzip`, which tracklet's collector reads) before the collector
   * has agreed to them; a collector that refuses one gets plain JSON from then on. Default `false`:
   * plain JSON until a 2xx says `acceptEncoding: "gzip"`. Agreed or not, only what is more than a
   * batch (over `flushAt` messages or one request's bytes) is compressed: a trickle goes plain.
   */
  gzip?: boolean;
  /** Send a page view on load and on SPA navigation. Default `true`. */
  autoTrackPage?: boolean;
  /** Count a change of the #hash as a navigation (hash-routed apps: `#/settings`). Default `false`. */
  trackHashRoutes?: boolean;
  /** Flush when this many messages are queued. Default 20. */
  flushAt?: number;
  /** Flush when the oldest queued message has waited this long. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Flush when the queued batch would pass this many bytes; no request body is larger. Default 16,000. */
  maxBatchBytes?: number;
  /** First retry delay ceiling; doubles each attempt (full jitter). Default 1000 ms. */
  retryBaseMs?: number;
  /** Longest retry delay. Default 60,000 ms. */
  retryMaxMs?: number;
  /** Most messages kept unsent. Default 1000. */
  maxQueueMessages?: number;
  /** Most bytes kept unsent. Default 1,000,000. */
  maxQueueBytes?: number;
  /** `'pending'`: keep calls in memory, store and send nothing until `consent(true)`. Default `'granted'`. */
  consent?: 'pending' | 'granted';
  /** Track nothing when the browser sends Global Privacy Control. Default `false`. */
  respectGPC?: boolean;
  /** Track nothing when Do Not Track is on. Default `false`. */
  respectDNT?: boolean;
  /** Log every call, flush, response and retry to the console. Default `false`. */
  debug?: boolean;
}

/** The tracking API: the object `createTracker` returns, and `window._cio` once cio.js has run. */
export interface Tracker<E extends EventMap = UntypedEvents> {
  /** Name the person using the browser. @example identify({ id: '42', email: 'a@b.co', created_at: 1700000000 }) */
  identify(idOrTraits: string | number | ({ id: string | number } & Properties), traits?: Properties): void;
  /** Record an event. @example track('added_to_cart', { sku: 'A-1' }) */
  track<K extends keyof E & string>(name: K, data?: E[K], options?: TrackOptions): void;
  /** Record a page view (one is sent on load and on SPA navigation). @example page('Pricing') */
  page(nameOrUrl?: string, data?: Properties): void;
  /** Forget the person (logout): a new anonymous id from now on. */
  reset(): void;
  /** Send what is queued now. Never rejects. */
  flush(): Promise<void>;
  /** Give (`true`) or refuse (`false`) consent; refusing deletes the library's storage and is remembered. */
  consent(granted: boolean): void;
  /** Listen to delivery: `sent`, `retry`, `dropped`, `error` (see TrackerEventDetails). @example on('sent', ({ count }) => {}) */
  on<K extends TrackerEvent>(event: K, handler: TrackerEventHandler<K>): void;
  /** Stop listening (the same handler that was passed to `on`). */
  off<K extends TrackerEvent>(event: K, handler: TrackerEventHandler<K>): void;
}

/** A message on the wire (Segment spec); see docs/protocol.md. */
export interface Message {
  type: 'track' | 'identify' | 'page';
  messageId: string;
  timestamp: string;
  anonymousId: string;
  userId?: string;
  event?: string;
  name?: string;
  properties?: Properties;
  traits?: Properties;
  context: Properties;
}

/** Options with their defaults filled in (internal). */
export type Config = TrackerOptions &
  Required<
    Pick<
      TrackerOptions,
      | 'flushAt'
      | 'flushIntervalMs'
      | 'maxBatchBytes'
      | 'retryBaseMs'
      | 'retryMaxMs'
      | 'maxQueueMessages'
      | 'maxQueueBytes'
    >
  >;

/** A call as the snippet queues it: `[method, ...arguments]`, with the time of the call (ms) in `t`. */
export type QueuedCall = unknown[] & { t?: number };

/**
 * `window._cio` before cio.js has run: the snippet's stub, an array of queued calls whose methods
 * queue the call and return nothing (`flush()` too: there is no promise yet). Once cio.js has run,
 * `window._cio` is a LiveTracker, which is not an array.
 * @example const cio = window._cio; if (cio && !Array.isArray(cio)) await cio.flush();
 */
export interface TrackerStub extends Array<QueuedCall> {
  identify(...args: Parameters<Tracker['identify']>): void;
  track(name: string, data?: Properties, options?: TrackOptions): void;
  page(...args: Parameters<Tracker['page']>): void;
  reset(): void;
  flush(): void;
  consent(granted: boolean): void;
  on(...args: Parameters<Tracker['on']>): void;
  off(...args: Parameters<Tracker['off']>): void;
  /** Customer.io's classic snippet's name for `identify`. */
  sidentify(...args: Parameters<Tracker['identify']>): void;
  /** Customer.io's classic snippet has it; it does nothing. */
  load(): void;
}

/** `window._cio` once cio.js has run: the live API, whose `push([method, ...arguments])` still works. */
export interface LiveTracker extends Tracker {
  /** Runs each call now, as the stub would have queued it. @example push(['track', 'clicked']) */
  push(...calls: unknown[][]): void;
  /** Customer.io's classic snippet's name for `identify`. */
  sidentify: Tracker['identify'];
  /** Customer.io's classic snippet has it; it does nothing. */
  load(): void;
}

declare global {
  interface Window {
    /** The snippet's stub until cio.js has run, then the live API (tell them apart with Array.isArray). */
    _cio?: TrackerStub | LiveTracker;
  }
}
