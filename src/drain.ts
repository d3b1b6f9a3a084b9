// When to send: a batch is due at `flushAt` messages, at `maxBatchBytes`, or when the oldest has
// waited `flushIntervalMs`; one drain at a time posts due batches, oldest first, up to
// MAX_REQUESTS_IN_FLIGHT requests at once (one while the collector is failing), and one timer at
// a time wakes it for what is left, or after a retry's backoff. Requests in parallel may be
// answered, and stored, in any order: each holds its messages oldest first, and every message
// carries its own `timestamp`.
import type { Config } from './types';
import { bytesOf, type Entry } from './outbox';
import type { IO } from './io';

/**
 * Requests in flight at once in a burst. Chromium opens at most six connections per host (its
 * socket pool, net/socket/client_socket_pool_manager.cc) and counts every keepalive body against
 * one 64 KiB quota per page, which four 16,000-byte requests fill; two connections stay free for
 * the page.
 */
export const MAX_REQUESTS_IN_FLIGHT = 4;

/**
 * What posting a batch came to: `true` to go on with the next, a number to wait that many ms and
 * retry (the collector is failing), anything else to stop (offline, consent refused, hidden): no
 * new request in this drain, while those in flight finish.
 */
export type PostResult = boolean | number | void;

/**
 * `drain` posts what waits: all of it (`sendAll`: flush and retries) or only due batches, and
 * never rejects; it settles when no request is left in flight. `schedule` is told a message was
 * added: it drains now if a batch is due, or makes sure a timer will.
 */
export type Drain = [drain: (sendAll: boolean) => Promise<void>, schedule: () => void];

/**
 * The oldest entries of `from` whose request body fits in `limitBytes`, counting `emptyBodyBytes`
 * for the body around them and a comma for each; the oldest alone if even it does not, so that a
 * batch is never empty.
 */
export function pickBatch(from: Entry[], limitBytes: number, emptyBodyBytes: number): Entry[] {
  let size = emptyBodyBytes;
  let count = 0;
  while (count < from.length && (size += from[count].b + 1) <= limitBytes) count++;
  return from.slice(0, count || 1);
}

/**
 * `waitingEntries` are the outbox entries in no request, oldest first; `canPost` is false while
 * consent is pending or refused or the browser is offline; `postNext` posts the first batch of
 * what waits, taking it out of `waitingEntries` before it returns, and never rejects (a failure
 * it warned about resolves to a stop). `hasAsked`: a page of the site saw the collector answer
 * 2xx a moment ago. Until this page has posted once (or when it has), any message is due at once:
 * a page trusts its unload beacons only once the collector answered 2xx (see the sender), so a
 * page left a moment after it loaded then mostly knows, and its last calls are not sent twice
 * (browser suite, scenario 1d).
 */
export function createDrain(
  config: Config,
  io: IO,
  waitingEntries: () => Entry[],
  canPost: () => boolean,
  postNext: (waiting: Entry[]) => Promise<PostResult>,
  hasAsked: boolean,
): Drain {
  let timer: unknown;
  let blockedUntil = 0;
  /** The requests in flight, each until its answer was acted on; a drain is in progress while any is. */
  let posts: Promise<void>[] = [];
  /** A flush or a retry: what waits goes, due or not, until the drain ends. */
  let isSendingAll = false;
  /** An answer said stop (offline, consent refused, hidden, a retry): no new request in this drain. */
  let isStopped = false;
  /** The last answer asked for a retry: one request at a time until one is taken. */
  let isRetrying = false;

  const isDue = (waiting: Entry[]) =>
    (!hasAsked && !!waiting.length) ||
    waiting.length >= config.flushAt ||
    bytesOf(waiting) >= config.maxBatchBytes ||
    io.now() - waiting[0]?.t >= config.flushIntervalMs;
  /** One timer at a time; `isRetry` posts what waits whether a batch is due or not. */
  const scheduleDrain = (ms: number, isRetry?: boolean) => {
    io.clearTimeout(timer);
    timer = io.setTimeout(() => start(!!isRetry, (timer = 0)), ms); // `start` below arms this timer in turn
  };

  /** No request is left in flight: the drain ends, and a timer is armed for what is left. */
  const endDrain = () => {
    isSendingAll = isStopped = false;
    const left = waitingEntries();
    if (left.length && !timer && canPost())
      scheduleDrain(
        Math.max(blockedUntil - io.now(), isDue(left) ? 0 : config.flushIntervalMs - io.now() + left[0].t),
        blockedUntil > io.now(),
      );
  };
  const onResult = (result: PostResult) => {
    isRetrying = typeof result == 'number';
    if (isRetrying) {
      blockedUntil = io.now() + (result as number);
      scheduleDrain(result as number, true);
    }
    isStopped ||= result !== true;
  };
  /** Starts requests for what waits (oldest first) while fewer than the most allowed are in flight. */
  const postMore = () => {
    for (
      let waiting;
      !isStopped &&
      posts.length < (isRetrying ? 1 : MAX_REQUESTS_IN_FLIGHT) &&
      (waiting = waitingEntries()).length &&
      canPost() &&
      io.now() >= blockedUntil &&
      (isSendingAll || isDue(waiting));
    ) {
      hasAsked = true;
      // postNext takes its batch out of the waiting ones before it returns (see the sender).
      const post: Promise<void> = postNext(waiting)
        .then(onResult)
        .then(() => {
          posts = posts.filter((p) => p != post);
          postMore();
          if (!posts.length) endDrain();
        });
      posts.push(post);
    }
  };

  /** Settles when no request is left in flight; an async function, so its promise is the engine's own. */
  const drainEnded = async () => {
    while (posts.length) await posts[0];
  };
  /** Starts a drain, or adds to the one in progress; `drain` also waits for its end. */
  const start = (sendAll: boolean, _?: unknown) => {
    if (!posts.length) {
      io.clearTimeout(timer);
      timer = 0;
    }
    // A flush during a drain makes it take every message, those that arrived since too.
    if (sendAll) isSendingAll = !(isStopped = false);
    postMore();
    if (!posts.length) endDrain();
  };
  const drain = (sendAll: boolean) => (start(sendAll), drainEnded());

  return [
    drain,
    () => {
      // A drain in progress takes what is due alongside its requests; a backoff has its own timer.
      if (io.now() < blockedUntil) return;
      if (posts.length || isDue(waitingEntries())) start(false);
      else if (!timer) scheduleDrain(config.flushIntervalMs);
    },
  ];
}
