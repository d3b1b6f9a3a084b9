// Moves messages from the outbox to the collector: batches them, keeps one request in flight
// per tab, backs off after failures, and empties the outbox with beacons when the page hides.
import type { Config } from './types';
import type { Entry, Outbox } from './outbox';
import type { Transport, Response } from './transport';
import type { Log } from './log';
import type { IO } from './io';
import { utf8Bytes } from './outbox';

/** Browsers share one 64 KiB budget for keepalive fetches and beacons across the whole page. */
export const KEEPALIVE_QUOTA_BYTES = 65_536;

/** `Entry.f`: in a request that dies with the page, or handed to the browser, which outlives it. */
const IN_FETCH = 1;
const IN_KEEPALIVE = 2;
const IN_BEACON = 3;
/** Handed over at a page hide by a last-try fetch: not sent again while hidden, not trusted. */
const IN_LAST_TRY = 4;

export interface Sender {
  /** A message was added: send now if a batch is full, else make sure a timer will. */
  schedule(): void;
  /** Send everything unsent, one request at a time; resolves when done or blocked. Never rejects. */
  flush(): Promise<void>;
  /** The page is hiding: hand everything unsent to the browser with beacons. */
  flushOnHide(): void;
  /** The page is visible again: what beacons carried without trust may be sent again. */
  onVisible(): void;
  /** The collector cannot be reached now: the last request failed, or the browser is offline. */
  isFailing(): boolean;
}

// eslint-disable-next-line max-lines-per-function -- 216 lines; split along its concerns in issue 11
export function createSender(
  c: Config,
  io: IO,
  outbox: Outbox,
  transport: Transport,
  log: Log,
  emit: (event: 'sent' | 'retry' | 'dropped', detail: object) => void,
  /** False while consent is pending or refused. */
  canSend: () => boolean,
  /** A page of this site saw the collector answer 2xx a moment ago (see tracker.ts). */
  wasAnswering: boolean,
): Sender {
  let timer: any;
  let draining: Promise<void> | undefined;
  let failures = 0;
  /** The collector's last answer was a 2xx: the only evidence that a beacon will arrive. */
  let isAnswering = wasAnswering;
  /** Whether this page has sent a request the collector could read (or a page of the site saw a 2xx lately). */
  let hasAsked = wasAnswering;
  let blockedUntil = 0;
  let keepaliveBytes = 0;
  let beaconBytes = 0;
  let isHidden = false;
  let isGzipAccepted = true;
  let untrusted: Entry[] = [];

  const isOnline = () => io.navigator.onLine !== false;
  const envelope = (batch: Entry[]) =>
    `{"writeKey":${io.stringify(c.siteId)},"sentAt":"${new Date(io.now()).toISOString()}","batch":[${batch.map((e) => e.s).join()}]}`;
  const unsent = () => outbox.entries().filter((e) => !e.f);
  /** Back to waiting: in no request, and no longer trusted to the browser. */
  const release = (entries: Entry[]) => entries.forEach((e) => ((e.f = 0), (e.k = false)));

  /** The oldest entries that fit in a body of `limitBytes`; the oldest alone if even it does not. */
  const pick = (from: Entry[], limitBytes: number) => {
    let size = utf8Bytes(envelope([]));
    let n = 0;
    while (n < from.length && (size += from[n].b + 1) <= limitBytes) n++;
    return from.slice(0, n || 1);
  };

  /** One timer at a time; `all` for a retry, which sends what waits whether a batch is due or not. */
  const later = (ms: number, all?: boolean) => {
    io.clearTimeout(timer);
    timer = io.setTimeout(() => start(!!all, (timer = 0)), ms);
  };

  const handle = (res: Response, batch: Entry[]): boolean | void => {
    const status = res.status;
    log.debug('response', status);
    if (status > 199 && status < 300) {
      failures = 0;
      isAnswering = true;
      outbox.remove(batch);
      emit('sent', { count: batch.length, status });
      if (res.rejected?.length) log.warn('flush', 'the collector rejected messages ' + res.rejected);
      return true;
    }
    if (!status || status == 408 || status == 429 || status > 499) {
      if (!status && !isOnline()) return; // offline: the `online` event resumes, no retry spent
      // Exponential backoff with full jitter, unless the collector said how long to wait.
      isAnswering = false;
      const backoffMs = io.random() * Math.min(c.retryMaxMs, c.retryBaseMs * 2 ** failures++);
      const delayMs = res.retryAfterMs ?? backoffMs;
      blockedUntil = io.now() + delayMs;
      later(delayMs, true);
      log.debug(`retry ${failures} in ${Math.round(delayMs)} ms`);
      return void emit('retry', { status, delayMs });
    }
    // A permanent refusal: drop what the collector named as invalid, or else the whole batch.
    // (A list naming none of them, or only by index, drops the whole batch: re-sending it would loop.)
    const named = batch.filter((e) => res.rejected?.includes(e.m.messageId));
    const bad = named.length ? named : batch;
    outbox.remove(bad);
    log.warn('flush', `HTTP ${status}: ${bad.length} messages dropped`);
    emit('dropped', { count: bad.length, status });
    return true;
  };

  const sendOne = async (batch: Entry[]) => {
    hasAsked = true;
    const json = envelope(batch);
    let body: BodyInit = json;
    let size = utf8Bytes(json);
    batch.forEach((e) => (e.f = IN_FETCH));
    // Gzip takes a 32 KB batch of ~560 B messages to ~40 B a message, on the wire and in the
    // keepalive quota. Not while hidden: a page hide hands over in the same task, with beacons.
    let isGzip = !!io.gzip && isGzipAccepted && !isHidden;
    if (isGzip) {
      let gzipped: ArrayBuffer | undefined;
      try {
        gzipped = await io.gzip!(json);
      } catch {
        // a stream the page or the browser broke: this body goes plain
      }
      // Meanwhile the page hid (beacons carry some of these now, perhaps not all: the quota) or
      // consent was refused: send nothing, and put back to waiting what no beacon took.
      if (!canSend() || batch.some((e) => e.f != IN_FETCH)) return void release(batch.filter((e) => e.f == IN_FETCH));
      if ((isGzip = !!gzipped)) size = (body = gzipped!).byteLength;
    }
    // keepalive lets the request outlive the page, within the page-wide quota.
    const keepalive = keepaliveBytes + beaconBytes + size <= KEEPALIVE_QUOTA_BYTES;
    if (keepalive) keepaliveBytes += size;
    if (keepalive) batch.forEach((e) => (e.f = IN_KEEPALIVE));
    log.debug('flush', batch.length);
    const res = await transport.post(body, keepalive, isGzip);
    if (keepalive) keepaliveBytes -= size;
    // Chrome rejects a keepalive fetch's promise when the page unloads, yet still delivers the
    // request: while hidden, treat it like a beacon rather than send it all over again.
    if (!res.status && keepalive && isHidden) return void untrusted.push(...batch);
    // Trusted to the browser at a page hide, the page lived on, and now we know better: stored again.
    if (batch.some((e) => e.k)) outbox.save();
    release(batch);
    // A collector that cannot read gzip (415, or a 400 naming no message): plain JSON from now on,
    // and this batch again at once (due as a page's first request is, see isDue).
    if (isGzip && (res.status == 415 || (res.status == 400 && !res.rejected))) {
      log.debug('the collector refused gzip; sending plain JSON');
      hasAsked = false;
      return !(isGzipAccepted = false);
    }
    return handle(res, batch);
  };

  /**
   * A batch is due at flushAt messages, at maxBatchBytes, or when the oldest has waited
   * flushIntervalMs; any message is due while the page has sent nothing the collector could read
   * and no page of the site saw a 2xx lately. A page trusts its unload beacons only once the
   * collector answered 2xx (flushOnHide), so a page left a moment after it loaded then mostly
   * knows, and its last calls are not sent twice (browser suite, scenario 1d).
   */
  const isDue = (list: Entry[]) =>
    (!hasAsked && !!list.length) ||
    list.length >= c.flushAt ||
    list.reduce((n, e) => n + e.b, 0) >= c.maxBatchBytes ||
    io.now() - list[0]?.t >= c.flushIntervalMs;

  /** Sends batches while there is something unsent and (unless `all`) a batch is due. */
  const drain = async (all: boolean) => {
    for (
      let list;
      (list = unsent()).length && canSend() && isOnline() && io.now() >= blockedUntil && (all || isDue(list));
    ) {
      if (!(await sendOne(pick(list, c.maxBatchBytes)))) break;
    }
  };

  const start = (all: boolean, _?: unknown): Promise<void> => {
    // A drain already running may have looked at the outbox before the newest messages arrived:
    // flush() waits for it, then drains again, so it settles only once they were tried too.
    if (draining) return all ? draining.then(() => start(true)) : draining;
    io.clearTimeout(timer);
    timer = 0;
    return (draining = drain(all)
      .catch((e) => log.warn('flush', e))
      .then(() => {
        draining = undefined;
        const left = unsent();
        if (left.length && !timer && canSend() && isOnline())
          later(
            Math.max(blockedUntil - io.now(), isDue(left) ? 0 : c.flushIntervalMs - io.now() + left[0].t),
            blockedUntil > io.now(),
          );
      }));
  };
  const flushDue = () => void start(false);

  return {
    schedule() {
      // The drain in progress (or its end) picks new messages up; a backoff has its own timer.
      if (draining || io.now() < blockedUntil) return;
      if (isDue(unsent())) flushDue();
      else if (!timer) later(c.flushIntervalMs);
    },
    flush: () => start(true),
    isFailing: () => failures > 0 || !isOnline(),
    flushOnHide() {
      isHidden = true;
      if (!canSend()) return;
      // What the browser already carries (keepalive, beacons) survives the page; the rest goes now.
      let list = outbox.entries().filter((e) => !e.f || e.f == IN_FETCH);
      let limit = KEEPALIVE_QUOTA_BYTES - keepaliveBytes - beaconBytes;
      // Trust a beacon only when the collector's last answer was a 2xx and the browser is online;
      // otherwise its messages stay in the outbox, and the next page load sends them again.
      const isTrusted = isAnswering && isOnline();
      while (list.length) {
        const chunk = pick(list, limit);
        const body = envelope(chunk);
        const size = utf8Bytes(body);
        if (transport.beacon(body)) {
          beaconBytes += size;
          limit -= size;
          log.debug('beacon', chunk.length);
          chunk.forEach((e) => (e.f = IN_BEACON));
          if (!isTrusted) untrusted.push(...chunk);
          list = list.slice(chunk.length);
        } else if (chunk.length > 1) {
          limit = size >> 1; // refused: halve the chunk and try again
        } else {
          // Not even one message fits: the quota is spent. One fetch is the last try (a plain one
          // when the quota refuses keepalive: it may die with the page); the rest stays stored.
          void sendOne(chunk);
          chunk.forEach((e) => (e.f = IN_LAST_TRY)); // a second hide event must not send it again
          break;
        }
      }
      // What the browser carries now (beacons, keepalive fetches) leaves the stored outbox when
      // trusted, so the next page load does not send it again; the keepalive fetches stay in
      // memory until their answer, in case the page lives on.
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
      flushDue();
    },
  };
}
