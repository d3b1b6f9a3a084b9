// When to send: a batch is due at `flushAt` messages, at `maxBatchBytes`, or when the oldest has
// waited `flushIntervalMs`; one drain at a time posts due batches, oldest first, one request at a
// time, and one timer at a time wakes it for what is left, or after a retry's backoff.
import type { Config } from './types';
import type { Entry } from './outbox';
import type { IO } from './io';
import type { Log } from './log';
import { utf8Bytes } from './outbox';

/**
 * What posting a batch came to: `true` to go on with the next, a number to wait that many ms and
 * retry (the collector is failing), anything else to stop (offline, consent refused, hidden).
 */
export type PostResult = boolean | number | void;

/**
 * `drain` posts what waits: all of it (`sendAll`: flush and retries) or only due batches, and
 * never rejects; `schedule` is told a message was added: it drains now if a batch is due, or
 * makes sure a timer will.
 */
export type Drain = [drain: (sendAll: boolean) => Promise<void>, schedule: () => void];

/**
 * The oldest entries of `from` whose request body (made by `toBody`) fits in `limitBytes`; the
 * oldest alone if even it does not, so that a batch is never empty.
 */
export function pickBatch(from: Entry[], limitBytes: number, toBody: (batch: Entry[]) => string): Entry[] {
  let size = utf8Bytes(toBody([]));
  let count = 0;
  while (count < from.length && (size += from[count].b + 1) <= limitBytes) count++;
  return from.slice(0, count || 1);
}

/**
 * `waitingEntries` are the outbox entries in no request, oldest first; `canPost` is false while
 * consent is pending or refused or the browser is offline; `postNext` posts the first batch of
 * what waits. `hasAsked`: a page of the site saw the collector answer 2xx a moment ago. Until
 * this page has posted once (or when it has), any message is due at once: a page trusts its
 * unload beacons only once the collector answered 2xx (see the sender), so a page left a moment
 * after it loaded then mostly knows, and its last calls are not sent twice (browser suite,
 * scenario 1d).
 */
export function createDrain(
  config: Config,
  io: IO,
  log: Log,
  waitingEntries: () => Entry[],
  canPost: () => boolean,
  postNext: (waiting: Entry[]) => Promise<PostResult>,
  hasAsked: boolean,
): Drain {
  let timer: unknown;
  let drainInProgress: Promise<void> | undefined;
  let blockedUntil = 0;

  const isDue = (waiting: Entry[]) =>
    (!hasAsked && !!waiting.length) ||
    waiting.length >= config.flushAt ||
    waiting.reduce((bytes, e) => bytes + e.b, 0) >= config.maxBatchBytes ||
    io.now() - waiting[0]?.t >= config.flushIntervalMs;
  /** One timer at a time; `isRetry` posts what waits whether a batch is due or not. */
  const scheduleDrain = (ms: number, isRetry?: boolean) => {
    io.clearTimeout(timer);
    timer = io.setTimeout(() => drain(!!isRetry, (timer = 0)), ms); // `drain` below arms this timer in turn
  };

  const postDueBatches = async (sendAll: boolean) => {
    for (let waiting; (waiting = waitingEntries()).length && canPost() && io.now() >= blockedUntil;) {
      if (!sendAll && !isDue(waiting)) break;
      hasAsked = true;
      const result = await postNext(waiting);
      if (typeof result == 'number') {
        blockedUntil = io.now() + result;
        scheduleDrain(result, true);
      }
      if (result !== true) break;
    }
  };

  const drain = (sendAll: boolean, _?: unknown): Promise<void> => {
    // A drain already running may have looked at the outbox before the newest messages arrived:
    // flush() waits for it, then drains again, so it settles only once they were tried too.
    if (drainInProgress) return sendAll ? drainInProgress.then(() => drain(true)) : drainInProgress;
    io.clearTimeout(timer);
    timer = 0;
    const armTimer = () => {
      drainInProgress = undefined;
      const left = waitingEntries();
      if (left.length && !timer && canPost())
        scheduleDrain(
          Math.max(blockedUntil - io.now(), isDue(left) ? 0 : config.flushIntervalMs - io.now() + left[0].t),
          blockedUntil > io.now(),
        );
    };
    return (drainInProgress = postDueBatches(sendAll)
      .catch((error) => log.warn('flush', error))
      .then(armTimer));
  };

  return [
    drain,
    () => {
      // The drain in progress (or its end) picks new messages up; a backoff has its own timer.
      if (drainInProgress || io.now() < blockedUntil) return;
      if (isDue(waitingEntries())) void drain(false);
      else if (!timer) scheduleDrain(config.flushIntervalMs);
    },
  ];
}
