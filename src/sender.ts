// Moves messages from the outbox to the collector. When is drain.ts's (batches, timers, backoff,
// up to four requests at once); here is how: each batch in one request, gzipped where agreed and
// more than a batch waits (holdsMoreThanBatch), keepalive within the quota, the answer acted on
// (answer.ts), and what is left handed to the browser when the page hides (gzip bodies made
// ahead where agreed, else plain JSON).
//
// The life of an outbox entry here. `Entry.f` says where it is; `Entry.k` that the browser
// carries it with our trust (it stays in memory, no longer stored).
//
// | state (`f`)      | enters when                                   | leaves for
// | ---------------- | --------------------------------------------- | ------------------------------------------------
// | waiting (0)      | added; released by an answer; at visible if   | in fetch (a drain), in beacon or in last try (a
// |                  | a beacon carried it untrusted                 | hide)
// | in fetch         | a drain posts it: while gzip runs, or sent    | in keepalive; in beacon (the page hid during
// | (IN_FETCH)       | without keepalive (the quota is spent)        | gzip); waiting (consent refused during gzip);
// |                  |                                               | the answer
// | in keepalive     | posted with keepalive, within the page's      | the answer; if it fails while hidden, it stays
// | (IN_KEEPALIVE)   | 64 KiB quota (it may outlive the page)        | (untrusted) until visible
// | in beacon        | handed to sendBeacon at a hide (its gzip body | removed if trusted; waiting at visible if not
// | (IN_BEACON)      | made ahead if fresh and unchanged, else JSON) |
// | in last try      | at a hide, not even one message fits a        | the answer; a second hide leaves it alone
// | (IN_LAST_TRY)    | beacon: one fetch, keepalive if it fits       |
// | removed          | a 2xx; a permanent refusal; a trusted beacon  | -
//
// An answer puts its entries back to waiting; then a 2xx or a permanent refusal removes them
// (classifyStatus). At a hide, trusted means the collector's last answer was a 2xx and the
// browser is online: beaconed entries leave the stored outbox and keepalive ones get `k`, so the
// next page load does not send them again. Untrusted, they stay stored (the next page load sends
// them if this one dies) and are waiting again when the page is visible. Chrome rejects a
// keepalive fetch's promise when the page unloads yet still delivers the request: while hidden,
// such a failure is taken for an untrusted beacon rather than sent all over again.
import type { Config } from './types';
import type { Entry, Outbox } from './outbox';
import type { Storage } from './storage';
import type { Response, Transport } from './transport';
import type { Log } from './log';
import type { IO } from './io';
import { bytesOf, utf8Bytes } from './outbox';
import { classifyStatus, createAnswers, ENDPOINT_KEY, type DeliveryEmit } from './answer';
import { createDrain, pickBatch, type PostResult } from './drain';

/** Browsers share one 64 KiB budget for keepalive fetches and beacons across the whole page. */
export const KEEPALIVE_QUOTA_BYTES = 65_536;

/**
 * How long gzip bodies made ahead of a page hide stay usable: a body's `sentAt` is when it was
 * made, and a collector moves its timestamps by `receivedAt - sentAt` (clock-skew correction).
 */
const PREPARED_MAX_AGE_MS = 1000;
/** After a preparation of gzip bodies made ahead, the next waits this long (see gzipAhead). */
const PREPARE_INTERVAL_MS = 500;
/**
 * JSON made ahead at most: the page-wide 64 KiB quota carries no more once gzipped (event JSON
 * comes to a tenth or more of its size: docs/protocol.md, ~560 B to ~40 B a message).
 */
const PREPARED_MAX_JSON_BYTES = 8 * KEEPALIVE_QUOTA_BYTES;

const IN_FETCH = 1;
const IN_KEEPALIVE = 2;
const IN_BEACON = 3;
const IN_LAST_TRY = 4;

/**
 * `toRequestBody` makes a request's JSON; `pickRequest` takes the oldest entries of `from` that
 * share the first one's context (in order) and fit in `limit` bytes; `bodyBytes` is the UTF-8 size
 * of a batch's request body, counted from its entries' sizes (measuring the body itself would
 * flatten it: a copy of every request's JSON on the JS heap, which fetch does not make). The request carries that
 * context too: Customer.io's Pipelines apply a batch's `context` to all its calls and keep none of
 * theirs (docs.customer.io/integrations/api/cdp/tag/default/batch/), so no page is lost there;
 * Segment and Jitsu merge each call's own over it.
 */
function requestBodies(
  config: Config,
  io: IO,
): [
  toRequestBody: (batch: Entry[]) => string,
  pickRequest: (from: Entry[], limit: number) => Entry[],
  bodyBytes: (batch: Entry[]) => number,
] {
  // A message's context: its JSON as the message was built with it (Entry.c), or for a message
  // adopted from storage, cut from its JSON instead of stringified again for each pick: `context`
  // is a message's last key (message.ts), and no string in it can hold `"context":` unescaped.
  // (Cutting a built message's JSON, which is made of parts, would copy it whole.)
  const contextOf = (e: Entry) => e.c || e.s.slice(e.s.lastIndexOf('"context":') + 10, -1);
  const toRequestBody = (batch: Entry[], context = contextOf(batch[0])) =>
    batch.reduce(
      (body, e, i) => body + (i ? ',' : '') + e.s,
      `{"writeKey":${io.stringify(config.siteId)},"sentAt":"${new Date(io.now()).toISOString()}","context":${context},"batch":[`,
    ) + ']}';
  const emptyBodyBytes = (context: string) => utf8Bytes(toRequestBody([], context));
  return [
    toRequestBody,
    (from, limit) => {
      // Fitted first, then cut at the first other context: the same entries as the other way round,
      // with the contexts of a request's entries compared, not those of everything that waits.
      const context = contextOf(from[0]);
      const batch = pickBatch(from, limit, emptyBodyBytes(context));
      const other = batch.findIndex((e) => contextOf(e) != context);
      return other < 0 ? batch : batch.slice(0, other);
    },
    (batch) => bytesOf(batch) + batch.length - 1 + emptyBodyBytes(contextOf(batch[0])), // a comma between two
  ];
}

/**
 * What is known of the endpoint at `url`, kept across page loads under ENDPOINT_KEY + `url`:
 * whether gzip is agreed (`agreeGzip('1')`: a 2xx said `acceptEncoding: "gzip"`; `'0'`: a gzip
 * body was refused; before either, the site's `gzip` option decides; true when that changed what
 * was known), and the largest request
 * body in bytes of JSON (`limitRequests` after a refusal by size; else `maxBatchBytes`).
 */
function endpointMemory(
  config: Config,
  store: Storage,
  url: string,
): [
  isGzipAgreed: () => boolean,
  agreeGzip: (state: string) => boolean,
  requestLimit: () => number,
  limitRequests: (bytes: number) => true,
] {
  const key = ENDPOINT_KEY + url;
  let [gzipState, limit] = (store.get(key) || '').split(' ');
  const remember = () => store.set(key, gzipState + ' ' + (limit || 0));
  return [
    () => gzipState == '1' || (!!config.gzip && gzipState != '0'),
    (state) => gzipState != state && ((gzipState = state), remember(), true),
    () => Math.min(config.maxBatchBytes, +limit || 1e9),
    (bytes) => ((limit = '' + bytes), remember(), true), // true: the drain goes on
  ];
}

/** The gzip of `json`; none where the page or the browser broke the stream (the body goes plain). */
async function gzipOf(io: IO, json: string): Promise<ArrayBuffer | void> {
  try {
    return await io.gzip!(json);
  } catch {
    // a broken CompressionStream: the caller sends JSON
  }
}

/** A body made ahead: its entries, its gzip (none until made, or where the stream broke), when made (ms). */
type MadeAhead = [chunk: Entry[], body: ArrayBuffer | void, madeAt: number];

/**
 * Gzip bodies of what waits, made ahead for a page hide (CompressionStream is asynchronous, and
 * `pagehide` cannot wait). `prepareBodies` is told that what waits changed (after each task that
 * added messages, and when the collector newly agrees to gzip): where `isWanted` (gzip agreed, the
 * collector answering), it makes them at once, then at most once per PREPARE_INTERVAL_MS while
 * told again, reusing the fresh bodies of unchanged chunks, and no more than PREPARED_MAX_JSON_BYTES
 * of JSON (a burst is not gzipped again every task: bench, burst with a gzip sink). Each body is
 * usable as soon as it is made; one whose stream broke is left out (its entries go plain).
 * `handOverPrepared` hands to `handOver` those whose entries are unchanged (`isUnchanged`) and that
 * were made under PREPARED_MAX_AGE_MS ago.
 */
function gzipAhead(
  io: IO,
  waitingEntries: () => Entry[],
  pickNext: (from: Entry[]) => Entry[],
  toRequestBody: (batch: Entry[]) => string,
  isWanted: () => unknown,
): [
  prepareBodies: () => void,
  handOverPrepared: (
    isUnchanged: (chunk: Entry[]) => boolean,
    handOver: (chunk: Entry[], body: ArrayBuffer) => void,
  ) => void,
] {
  let prepared: MadeAhead[] = [];
  let timer: unknown;
  let isToldAgain = false;
  const isFresh = (made: MadeAhead) => io.now() - made[2] < PREPARED_MAX_AGE_MS;
  /** Makes the bodies; how many it compressed (reused ones do not count). */
  const prepare = () => {
    const made: MadeAhead[] = [];
    let compressed = 0;
    try {
      for (
        let waiting = waitingEntries(), chunk, jsonBytes = 0;
        waiting.length && jsonBytes < PREPARED_MAX_JSON_BYTES;
        waiting = waiting.slice(chunk.length)
      ) {
        chunk = pickNext(waiting);
        jsonBytes += bytesOf(chunk);
        const same = prepared.find(
          (m) => isFresh(m) && m[0].length == chunk!.length && m[0].every((e, i) => e == chunk![i]),
        );
        const next: MadeAhead = same || [chunk, undefined, io.now()];
        if (!same) {
          compressed++;
          void gzipOf(io, toRequestBody(chunk)).then((body) => (next[1] = body));
        }
        made.push(next);
      }
    } catch {
      // what the drain warns about in its turn (it builds the same bodies): the hide sends JSON
    }
    prepared = made;
    return compressed;
  };
  const prepareBodies = () => {
    if (timer) isToldAgain = true;
    // The interval starts with a preparation that compressed something: one that found nothing new
    // (an agreement with nothing waiting) leaves the next task's burst to be made at once.
    else if (isWanted() && prepare()) {
      isToldAgain = false;
      timer = io.setTimeout(() => ((timer = 0), isToldAgain && prepareBodies()), PREPARE_INTERVAL_MS);
    }
  };
  return [
    prepareBodies,
    (isUnchanged, handOver) => {
      for (const [chunk, body, madeAt] of prepared)
        if (body && io.now() - madeAt < PREPARED_MAX_AGE_MS && isUnchanged(chunk)) handOver(chunk, body);
    },
  ];
}

/** Back to waiting: in no request, and no longer trusted to the browser. */
const release = (entries: Entry[]) => entries.forEach((e) => ((e.f = 0), (e.k = false)));

/**
 * Whether `entries` (those no request carries yet, with a request's own) are more than a full batch:
 * over `flushAt` messages, or over `limit()` bytes of JSON. Only then is gzip worth its main-thread
 * work (CompressionStream: ~250-600 µs a request in Chromium, bench; a tenth of the bytes), for a
 * request and for the bodies made ahead for a page hide. Less goes plain: a trickle of events (a
 * click that tracks, then another) sends each batch as it fills, and what waits at a hide fits in
 * the keepalive quota as JSON, so compressing it would buy only bytes on the wire, at ~12 µs of
 * main thread an event (bench: one call a task). And never while hidden (isGzipWanted).
 */
const holdsMoreThanBatch = (entries: Entry[], config: Config, limit: () => number) =>
  entries.length > config.flushAt || bytesOf(entries) > limit();

/** Refused by size: RudderStack answers 413 "request size exceeds max limit"; Jitsu 400 "message size N is too big". */
const isRefusedBySize = ({ status, said }: Response) =>
  status == 413 || (status == 400 && /too (big|large)|exceed/i.test(said!));

export interface Sender {
  /** A message was added: send now if a batch is due, else make sure a timer will. */
  schedule(): void;
  /** Send everything unsent, one request at a time; resolves when done or blocked. Never rejects. */
  flush(): Promise<void>;
  /**
   * The page is hiding: hand everything unsent to the browser with beacons. What the browser
   * already carries (keepalive, beacons) survives the page; first go the gzip bodies made ahead
   * whose entries all wait still (where gzip is agreed), then plain chunks within what is left of
   * the quota, a refused chunk halved until the browser takes it. When not even one message fits,
   * the quota is spent: one fetch is the last try (keepalive if the quota allows, else plain: it
   * may die with the page), and the rest stays stored.
   */
  flushOnHide(): void;
  /** The page is visible again: what beacons carried without trust may be sent again. */
  onVisible(): void;
  /** The collector cannot be reached now: the last request failed, or the browser is offline. */
  isFailing(): boolean;
}

/**
 * `canSend` is false while consent is pending or refused. `store` keeps when the collector last
 * answered 2xx: a page left before its own first answer can still trust its beacons (without
 * it, every quick navigation would leave its events to be sent again by the next page).
 */
export function createSender(
  config: Config,
  io: IO,
  outbox: Outbox,
  transport: Transport,
  log: Log,
  emit: DeliveryEmit,
  canSend: () => boolean,
  store: Storage,
): Sender {
  const [applyAnswer, isAnswering, isFailing] = createAnswers(config, io, outbox, log, emit, store);
  let keepaliveBytes = 0;
  let beaconBytes = 0;
  let isHidden = false;
  const [isGzipAgreed, agreeGzip, requestLimit, limitRequests] = endpointMemory(config, store, transport.url);
  /** Carried by the browser at a hide without trust: waiting again when the page is visible. */
  let untrusted: Entry[] = [];
  const isOnline = () => io.navigator.onLine !== false;
  const [toRequestBody, pickRequest, bodyBytes] = requestBodies(config, io);
  const waitingEntries = () => outbox.entries().filter((e) => !e.f);
  const warnFailure = (error: unknown) => log.warn('flush', error);
  const pickNext = (from: Entry[]) => pickRequest(from, requestLimit());
  const canPost = () => canSend() && isOnline();
  const isGzipWanted = (entries: () => Entry[]) =>
    io.gzip && isGzipAgreed() && !isHidden && holdsMoreThanBatch(entries(), config, requestLimit);
  const isAheadWanted = () => canPost() && !isFailing() && isGzipWanted(waitingEntries);
  const [prepareAhead, handOverPrepared] = gzipAhead(io, waitingEntries, pickNext, toRequestBody, isAheadWanted);

  /** Posts one batch and acts on the answer; true when the drain may go on (see PostResult). */
  const postBatch = async (batch: Entry[]): Promise<PostResult> => {
    const json = toRequestBody(batch);
    let body: string | ArrayBuffer = json;
    let size = bodyBytes(batch);
    batch.forEach((e) => (e.f = IN_FETCH));
    // Gzip takes a 32 KB batch of ~560 B messages to ~40 B a message, on the wire and in the
    // quota. Not while hidden: a page hide hands over in the same task, with beacons.
    let isGzip = !!isGzipWanted(() => waitingEntries().concat(batch));
    if (isGzip) {
      const gzipped = await gzipOf(io, json);
      // Meanwhile the page hid (beacons carry some of these now) or consent was refused.
      if (!canSend() || batch.some((e) => e.f != IN_FETCH)) return void release(batch.filter((e) => e.f == IN_FETCH));
      if ((isGzip = !!gzipped)) size = (body = gzipped!).byteLength;
    }
    const keepalive = keepaliveBytes + beaconBytes + size <= KEEPALIVE_QUOTA_BYTES;
    if (keepalive) keepaliveBytes += size;
    if (keepalive) batch.forEach((e) => (e.f = IN_KEEPALIVE));
    log.debug('flush', batch.length);
    const answer = await transport.post(body, keepalive);
    if (keepalive) keepaliveBytes -= size;
    if (!answer.status && keepalive && isHidden) return void untrusted.push(...batch);
    if (batch.some((e) => e.k)) outbox.save(); // trusted at a hide, yet the page lived on: stored again
    release(batch);
    if (!answer.status && !isOnline()) return; // offline: `online` resumes, no retry spent
    // Refused by size: sent again in halves (+1: pickBatch counts one comma more than a body has).
    if (isRefusedBySize(answer) && batch[1])
      return limitRequests(utf8Bytes(toRequestBody(batch.slice(0, (batch.length + 1) >> 1))) + 1);
    const verdict = classifyStatus(answer.status, isGzip, !!answer.rejected);
    if (verdict == 'sent' && /"acceptEncoding":"gzip"/.test(answer.said!) && agreeGzip('1'))
      queueMicrotask(prepareAhead);
    if (verdict != 'plain') return applyAnswer(answer, batch, verdict);
    log.debug('the collector refused gzip; sending plain JSON');
    agreeGzip('0');
    return postBatch(batch); // this batch again at once
  };
  const postNext = (waiting: Entry[]) => postBatch(pickNext(waiting)).catch(warnFailure); // a failure: a stop
  const [drain, schedule] = createDrain(config, io, waitingEntries, canPost, postNext, isAnswering());
  return {
    schedule() {
      schedule();
      prepareAhead();
    },
    flush: () => drain(true),
    isFailing: () => isFailing() || !isOnline(),
    flushOnHide() {
      isHidden = true;
      if (!canSend()) return;
      let notCarried = outbox.entries().filter((e) => !e.f || e.f == IN_FETCH);
      let quotaBytes = KEEPALIVE_QUOTA_BYTES - keepaliveBytes - beaconBytes;
      const isTrusted = isAnswering() && isOnline();
      const handOver = (chunk: Entry[], body: string | ArrayBuffer) => {
        const bytes = transport.beacon(body);
        if (bytes) {
          beaconBytes += bytes;
          quotaBytes -= bytes;
          log.debug('beacon', chunk.length);
          chunk.forEach((e) => (e.f = IN_BEACON));
          if (!isTrusted) untrusted.push(...chunk);
          notCarried = notCarried.filter((e) => e.f != IN_BEACON);
        }
        return bytes;
      };
      if (isGzipAgreed()) handOverPrepared((chunk) => chunk.every((e) => notCarried.includes(e)), handOver);
      while (notCarried.length) {
        const chunk = pickRequest(notCarried, Math.min(quotaBytes, requestLimit()));
        const body = toRequestBody(chunk);
        if (handOver(chunk, body)) continue;
        if (chunk.length > 1) {
          quotaBytes = utf8Bytes(body) >> 1;
        } else {
          postBatch(chunk).catch(warnFailure);
          chunk.forEach((e) => (e.f = IN_LAST_TRY)); // a second hide event must not send it again
          break;
        }
      }
      if (isTrusted) {
        outbox.remove(outbox.entries().filter((e) => e.f == IN_BEACON));
        outbox.entries().forEach((e) => (e.k = e.f == IN_KEEPALIVE));
        outbox.save(); // now: the page may not live to write it later
      }
    },
    onVisible() {
      isHidden = false;
      beaconBytes = 0; // beacons sent while hidden have long finished
      release(untrusted);
      untrusted = [];
      outbox.save();
      void drain(false);
    },
  };
}
