// Message building. A call does only what must happen at its moment: the cheap checks, a change
// of identity, and a note of who and when (deferCall). Building its message (cleaning the data,
// reading the page, making and measuring the JSON; docs/protocol.md, "Messages") waits for the
// end of the task, for every call of the task at once: a click handler that tracks gets control
// back sooner (track() went from ~6 µs to ~0.2 µs in Chromium). One flat queue holds every call,
// in order, and no closure: allocating one per call was a third of the cost. A message's
// `context` is its last key, its JSON shared by the messages of a page (Entry.c), and the sender
// takes a request's context from there (sender.ts).
import type { Message, Properties } from './types';
import type { Identity } from './identity';
import type { Log } from './log';
import type { IO } from './io';
import { toEntry, utf8Bytes, type Entry } from './outbox';
import { sanitize, TOO_LARGE } from './sanitize';
import { checkId, isObject, ownValue, parseTimestamp } from './validate';
import { MAX_ID_BYTES } from './limits';

declare const __VERSION__: string;

/** track()'s warning for a messageId the collector would refuse (examples/collector/validate.mjs). */
const BAD_MESSAGE_ID = `messageId must be a non-empty string of at most ${MAX_ID_BYTES} bytes; one is made`;

/** What a call noted at its moment: time (ms), anonymousId and userId. */
export type Snapshot = [number, string, string | undefined];

/** The calls that make a message. */
export type MessageCall = 'identify' | 'track' | 'page';

/** A builder per call: the snapshot and the call's arguments, as the call checked them. */
interface MessageBuilders {
  identify(snapshot: Snapshot, idOrTraits: unknown, traits: unknown): void;
  track(snapshot: Snapshot, name: string, data: unknown, options: unknown): void;
  page(snapshot: Snapshot, nameOrUrl: string | undefined, data: unknown): void;
}

/**
 * `deferCall` notes a call (its arguments already checked) for the end of the task;
 * `runDeferredCalls` builds what is noted, now; `dropDeferredCalls` forgets it (consent refused).
 */
export type Messages = [
  deferCall: (call: MessageCall, a: unknown, b?: unknown, d?: unknown) => void,
  runDeferredCalls: () => void,
  dropDeferredCalls: () => void,
];

/**
 * The context of a message built now, its JSON, and that JSON's UTF-8 size with what joins it to a
 * message (`,"context":` and the message's closing brace). The same while the page's URL, title
 * and language stay the same: its JSON is made once and joined to each message's (bench, one call
 * a task: ~300 B fewer allocated a call, and two location reads fewer). A document's referrer is
 * set when it is created: the same for every message of the page.
 */
function pageContexts({ window: { document, location, navigator }, stringify }: IO) {
  let last: [context: { page: Properties } & Properties, json: string, bytes: number];
  return () => {
    const url = location.href;
    const title = document.title;
    const locale = navigator.language;
    const context = last?.[0];
    if (url != context?.page.url || title != context.page.title || locale != context.locale) {
      const next = {
        page: { url, path: location.pathname, referrer: document.referrer, title, search: location.search },
        userAgent: navigator.userAgent,
        locale,
        library: { name: 'tracklet', version: __VERSION__ },
      };
      const json = stringify(next);
      last = [next, json, utf8Bytes(json) + 12];
    }
    return last;
  };
}

/**
 * `callTime` is when the call happens (the stub's queued calls keep their own time); `add` takes
 * each message built; what a build throws is reported for its call alone (`reportFailure`);
 * `afterBuild` is told when the calls noted so far were built, if there were any.
 */
export function createMessages(
  io: IO,
  log: Log,
  identity: Identity,
  callTime: () => number,
  add: (call: MessageCall, entry: Entry) => void,
  reportFailure: (call: MessageCall, error: unknown) => void,
  afterBuild: () => void,
): Messages {
  const { location } = io.window;
  const currentContext = pageContexts(io);
  // A messageId is this page's random prefix (74 bits) and a counter: unique like a UUID, a
  // tenth of the cost (crypto.randomUUID is ~1.3 µs a call in Chromium) and 13 bytes shorter.
  const idPrefix = io.randomId().replace(/-/g, '').slice(0, 20);
  let messageCount = 0;

  const toMessageEntry = (
    type: MessageCall,
    fields: Partial<Message>,
    snapshot: Snapshot,
    time?: number,
    messageId?: string,
  ) => {
    const context = currentContext(); // indexed, not destructured: unoptimized, that makes an iterator
    const message: Message = {
      type,
      messageId: messageId || idPrefix + (++messageCount).toString(36),
      timestamp: new Date(time ?? snapshot[0]).toISOString(),
      anonymousId: snapshot[1],
      userId: snapshot[2],
      ...fields,
    } as Message;
    if (type == 'page') message.properties = { ...context[0].page, ...message.properties };
    const json = io.stringify(message);
    message.context = context[0];
    // The JSON and size of the message stringified with its context as its last key; its age counts from the call.
    const whole = json.slice(0, -1) + ',"context":' + context[1] + '}';
    add(type, toEntry(message, whole, snapshot[0], utf8Bytes(json) - 1 + context[2], context[1]));
  };

  /** Event data as plain JSON; non-objects and unreadable data are warned about and left out. */
  const cleanData = (call: MessageCall, data: unknown, name: string = call): Properties | undefined => {
    try {
      const cleaned = sanitize(data ?? {});
      if (!isObject(cleaned)) throw 0; // a Date, a typed array, a string: not an object of properties
      return cleaned;
    } catch (e) {
      if (e === TOO_LARGE) return void log.warn(call, `${name}: data is over the 32 KB message limit; dropped`);
      log.warn(call, 'data must be a readable object; left out');
      return {};
    }
  };

  const builders: MessageBuilders = {
    identify(snapshot, idOrTraits, traits) {
      const hasTraitsFirst = isObject(idOrTraits);
      const attributes = cleanData('identify', hasTraitsFirst ? idOrTraits : traits);
      if (!attributes) return;
      delete attributes.id;
      toMessageEntry('identify', { traits: attributes }, snapshot);
    },
    track(snapshot, event, data, options) {
      const properties = cleanData('track', data, event);
      if (!properties) return;
      if (/\s/.test(event)) log.warnOnce('track', `"${event}" has spaces; your_event_name is recommended`);
      // Own names only: a page's Object.prototype.timestamp is no backfill. The collector's rule for
      // a messageId is the id's (examples/collector/validate.mjs); a re-run backfill repeats it.
      const timestamp = ownValue(options, 'timestamp');
      const time = timestamp != null ? parseTimestamp(timestamp, (problem) => log.warn('track', problem)) : undefined;
      let id = ownValue(options, 'messageId') as string | undefined;
      if (id != null && (typeof id != 'string' || checkId(id))) id = void log.warn('track', BAD_MESSAGE_ID);
      toMessageEntry('track', { event, properties }, snapshot, time, id);
    },
    page(snapshot, name, data) {
      const properties = cleanData('page', data);
      if (!properties) return;
      if (/^(https?:)?\//.test(name || '')) {
        const url = new URL(name!, location.href);
        Object.assign(properties, { url: url.href, path: url.pathname, search: url.search });
      } else if (name) return toMessageEntry('page', { name, properties }, snapshot);
      toMessageEntry('page', { properties }, snapshot);
    },
  };

  type Build = (snapshot: Snapshot, a: unknown, b: unknown, d: unknown) => void;
  const SLOTS = 7; // a call, its snapshot (three) and its arguments (three)
  let deferredCalls: unknown[] = [];
  const runDeferredCalls = () => {
    const calls = deferredCalls;
    deferredCalls = [];
    for (let i = 0; i < calls.length; i += SLOTS) {
      const call = calls[i] as MessageCall;
      try {
        (builders[call] as Build)(calls.slice(i + 1, i + 4) as Snapshot, calls[i + 4], calls[i + 5], calls[i + 6]);
      } catch (e) {
        reportFailure(call, e);
      }
    }
    if (calls.length) afterBuild();
  };
  return [
    (call, a, b, d) => {
      // Not the URL: reading location.href costs more than the rest of a call (Chromium); the
      // messages of a task are built before any history.pushState in it (see watchNavigation).
      // A promise job, not queueMicrotask: both run before the task ends, and Chromium's
      // queueMicrotask goes through a Blink callback (bench: one call a task, ~6 % of its CPU).
      if (deferredCalls.push(call, callTime(), identity.anonymousId(), identity.userId(), a, b, d) == SLOTS)
        Promise.resolve().then(runDeferredCalls);
    },
    runDeferredCalls,
    () => (deferredCalls = []),
  ];
}
