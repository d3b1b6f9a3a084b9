// The collector's answers: what each one means for the batch it answers (classifyStatus, pure,
// specified status by status in test/unit/answer.test.ts), and what they tell about the collector:
// whether it is failing (backing off), and whether its last answer was a 2xx, the only evidence
// that a beacon will arrive. That evidence is shared by the pages of the site through `_cio_ok`.
import type { Config, TrackerEventDetails } from './types';
import type { Entry, Outbox } from './outbox';
import type { Storage } from './storage';
import type { Response } from './transport';
import type { Log } from './log';
import type { IO } from './io';
import type { PostResult } from './drain';

/** When the collector last answered 2xx (ms), for every page of the site. */
export const ANSWERED_KEY = '_cio_ok';
/**
 * What tracklet knows of an endpoint, kept across page loads (`_cio_ep:` + its batch URL):
 * `1` gzip agreed, `0` refused, nothing yet unknown; a space; the largest request body in bytes
 * of JSON (0: no refusal by size seen). Example: `1 8001`.
 */
export const ENDPOINT_KEY = '_cio_ep:';
/** How long a 2xx seen by an earlier page counts as evidence that the collector is up. */
const TRUST_ANSWER_MS = 5 * 60_000;

/**
 * - `sent`: a 2xx; the collector has the batch, which leaves the outbox.
 * - `retry`: a network error (status 0), 408, 429 or 5xx; the batch is sent again after a backoff.
 * - `dropped`: any other status, a permanent refusal; what it names as invalid (or else the
 *   whole batch) is dropped.
 * - `plain`: a gzip body the collector cannot read; this batch again at once, and plain JSON
 *   from now on.
 */
export type Verdict = 'sent' | 'retry' | 'dropped' | 'plain';

/**
 * Classifies an answer by its HTTP `status` (0 for a network error or timeout). A collector that
 * does not know the gzip variant parses the body as JSON and answers 400 without naming a
 * message, or 415 (docs/protocol.md, "Gzip bodies"); a 400 that names rejected messages is about
 * them, whatever the encoding.
 * @example classifyStatus(503, false, false) // 'retry'
 */
export const classifyStatus = (status: number, isGzip: boolean, namesRejected: boolean): Verdict =>
  isGzip && (status == 415 || (status == 400 && !namesRejected))
    ? 'plain'
    : status > 199 && status < 300
      ? 'sent'
      : !status || status == 408 || status == 429 || status > 499
        ? 'retry'
        : 'dropped';

/** How the sender tells the tracker about delivery (the `sent`, `retry` and `dropped` events). */
export type DeliveryEmit = <K extends 'sent' | 'retry' | 'dropped'>(event: K, detail: TrackerEventDetails[K]) => void;

/**
 * `applyAnswer` acts on an answer other than `plain` to its batch (see PostResult for what it
 * returns; a network error while the browser is offline never comes here: the sender waits for
 * `online` without spending a retry); `isAnswering`: the collector's last answer was a 2xx, or a
 * page of the site saw one under 5 minutes ago; `isFailing`: the last answer was a retry (a
 * network error, 408, 429, 5xx).
 */
export type Answers = [
  applyAnswer: (answer: Response, batch: Entry[], verdict: Verdict) => PostResult,
  isAnswering: () => boolean,
  isFailing: () => boolean,
];

export function createAnswers(
  config: Config,
  io: IO,
  outbox: Outbox,
  log: Log,
  emit: DeliveryEmit,
  store: Storage,
): Answers {
  let answeredAt = +store.get(ANSWERED_KEY)! || 0;
  let isAnswering = io.now() - answeredAt < TRUST_ANSWER_MS;
  let failureCount = 0;
  /** When the last backoff ends (ms): requests in flight together that fail before it are one failure. */
  let backoffEndsAt = 0;
  return [
    ({ status, rejected, retryAfterMs, said }, batch, verdict) => {
      log.debug('response', status);
      if (verdict == 'retry') {
        isAnswering = false;
        if (answeredAt) store.set(ANSWERED_KEY, ((answeredAt = 0), null)); // a failure withdraws the evidence
        // Exponential backoff with full jitter, unless the collector said how long to wait. Up to four
        // requests are in flight at once: their failures in one backoff count once, or the wait after
        // an outage would grow with the parallelism (four failures: 2^3).
        if (io.now() >= backoffEndsAt) failureCount++;
        const backoffMs = io.random() * Math.min(config.retryMaxMs, config.retryBaseMs * 2 ** (failureCount - 1));
        const delayMs = retryAfterMs ?? backoffMs;
        backoffEndsAt = io.now() + delayMs;
        log.debug(`retry ${failureCount} in ${Math.round(delayMs)} ms`);
        emit('retry', { status, delayMs });
        return delayMs;
      }
      // Sent, or refused for good: then what the collector named as invalid is dropped, or else
      // the whole batch (a list naming none of them, or only by index: re-sending it would loop).
      const named = batch.filter((e) => rejected?.includes(e.m.messageId));
      const done = verdict == 'sent' || !named.length ? batch : named;
      outbox.remove(done);
      if (verdict == 'sent') {
        failureCount = 0;
        isAnswering = true;
        if (io.now() - answeredAt > 60_000) store.set(ANSWERED_KEY, '' + (answeredAt = io.now())); // once a minute
        if (rejected?.length) log.warn('flush', 'the collector rejected messages ' + rejected);
        // Jitsu answers 200 {ok:false, errors} for events it could not take (jitsucom/bulker ingest/router_batch_handler.go).
        if (/"ok":false/.test(said!)) log.warnOnce('flush', 'the collector said: ' + said);
      } else
        log.warn(
          'flush',
          `HTTP ${status}: ${done.length} messages dropped` + (said && '; the collector said: ' + said),
        );
      emit(verdict as 'sent' | 'dropped', { count: done.length, status });
      return true;
    },
    () => isAnswering,
    () => failureCount > 0,
  ];
}
