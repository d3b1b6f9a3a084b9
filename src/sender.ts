// Moves messages from the outbox to the collector: batches them, keeps one request in flight
// per tab, backs off after failures, and empties the outbox with beacons when the page hides.
import type { Entry, Outbox } from './outbox';
import type { Transport, Response } from './transport';
import type { Log } from './log';
import { utf8Bytes } from './outbox';

/** Browsers share one 64 KiB budget for keepalive fetches and beacons across the whole page. */
export const KEEPALIVE_QUOTA_BYTES = 65_536;

export interface SenderOptions {
  outbox: Outbox;
  transport: Transport;
  writeKey: string;
  flushAt: number;
  flushIntervalMs: number;
  maxBatchBytes: number;
  retryBaseMs: number;
  retryMaxMs: number;
  now: () => number;
  random: () => number;
  setTimeout: (fn: () => void, ms: number) => any;
  clearTimeout: (id: any) => void;
  isOnline: () => boolean;
  /** False while consent is pending or refused. */
  canSend: () => boolean;
  log: Log;
  emit: (event: 'sent' | 'retry' | 'dropped', detail: object) => void;
  stringify: (v: unknown) => string;
}

export interface Sender {
  /** A message was added: send now if a batch is full, else make sure a timer will. */
  schedule(): void;
  /** Send everything unsent, one request at a time; resolves when done or blocked. Never rejects. */
  flush(): Promise<void>;
  /** The page is hiding: hand everything unsent to the browser with beacons. */
  flushOnHide(): void;
  /** The page is visible again: beacons it could not trust may be sent again. */
  onVisible(): void;
}

export function createSender(o: SenderOptions): Sender {
  let timer: any;
  let draining: Promise<void> | undefined;
  let isDrainingAll = false;
  let failures = 0;
  let blockedUntil = 0;
  let keepaliveBytes = 0;
  let beaconBytes = 0;
  let inFlight: Entry[] = [];
  let isInFlightKeepalive = false;
  let unacknowledgedBeacons: Entry[] = [];
  let isHidden = false;

  const envelope = (batch: Entry[]) =>
    `{"writeKey":${o.stringify(o.writeKey)},"sentAt":"${new Date(o.now()).toISOString()}","batch":[${batch.map((e) => e.s).join(',')}]}`;
  const envelopeBytes = () => utf8Bytes(envelope([]));
  const unsent = () => o.outbox.entries().filter((e) => !e.f);

  /** The oldest unsent entries that fit in `limitBytes` of body (at least one if it fits). */
  const pick = (from: Entry[], limitBytes: number) => {
    let size = envelopeBytes();
    let n = 0;
    while (n < from.length && (size += from[n].b + 1) <= limitBytes) n++;
    return from.slice(0, n);
  };

  const isDue = (list: Entry[]) =>
    list.length >= o.flushAt ||
    list.reduce((n, e) => n + e.b, 0) >= o.maxBatchBytes ||
    (list.length > 0 && o.now() - list[0].t >= o.flushIntervalMs);

  const handle = (res: Response, batch: Entry[]): boolean => {
    const status = res.status;
    o.log.debug('response', status, batch.length, 'messages');
    if (status >= 200 && status < 300) {
      failures = 0;
      o.outbox.remove(batch);
      o.emit('sent', { count: batch.length, status });
      if (res.rejected?.length) o.log.warn('flush', `the collector rejected ${res.rejected.length} invalid messages: ${res.rejected.join(', ')}`);
      return true;
    }
    if (!status || status == 408 || status == 429 || status >= 500) {
      if (!status && !o.isOnline()) return false; // offline: the `online` event resumes, no retry spent
      // Exponential backoff with full jitter, unless the collector said how long to wait.
      const delay = res.retryAfterMs ?? o.random() * Math.min(o.retryMaxMs, o.retryBaseMs * 2 ** failures);
      failures++;
      blockedUntil = o.now() + delay;
      o.clearTimeout(timer);
      timer = o.setTimeout(flushDue, delay);
      o.log.debug('retry', failures, 'in', Math.round(delay), 'ms');
      o.emit('retry', { attempt: failures, delayMs: delay, status });
      return false;
    }
    // A permanent refusal: drop what the collector named as invalid, or the whole batch.
    const bad = res.rejected ? batch.filter((e) => res.rejected!.indexOf(e.m.messageId) >= 0) : batch;
    o.outbox.remove(bad);
    o.log.warn('flush', `the collector refused ${bad.length} messages with HTTP ${status}; they are dropped`);
    o.emit('dropped', { count: bad.length, reason: 'http ' + status });
    return true;
  };

  const sendOne = (batch: Entry[]): Promise<boolean> => {
    const body = envelope(batch);
    const size = utf8Bytes(body);
    // keepalive lets the request outlive the page, within the page-wide quota.
    const keepalive = keepaliveBytes + size <= KEEPALIVE_QUOTA_BYTES;
    if (keepalive) keepaliveBytes += size;
    inFlight = batch;
    isInFlightKeepalive = keepalive;
    batch.forEach((e) => (e.f = true));
    o.log.debug('flush', batch.length, 'messages,', size, 'bytes');
    return o.transport.post(body, keepalive).then((res) => {
      if (keepalive) keepaliveBytes -= size;
      inFlight = [];
      // Chrome rejects a keepalive fetch's promise when the page unloads, yet still delivers the
      // request: while hidden, treat it like a beacon instead of sending it all over again.
      if (!res.status && keepalive && isHidden) return void unacknowledgedBeacons.push(...batch), false;
      batch.forEach((e) => (e.f = false));
      return handle(res, batch);
    });
  };

  const drain = async () => {
    for (;;) {
      const list = unsent();
      if (!list.length || !o.canSend() || !o.isOnline() || o.now() < blockedUntil) break;
      if (!isDrainingAll && !isDue(list)) break;
      const batch = pick(list, o.maxBatchBytes);
      if (!(await sendOne(batch.length ? batch : list.slice(0, 1)))) break;
    }
  };

  const start = (all: boolean): Promise<void> => {
    isDrainingAll ||= all;
    o.clearTimeout(timer);
    timer = undefined;
    return (draining ||= drain()
      .catch((e) => o.log.warn('flush', String(e)))
      .then(() => {
        draining = undefined;
        isDrainingAll = false;
        const left = unsent();
        if (left.length && !timer && o.now() >= blockedUntil) {
          timer = o.setTimeout(flushDue, Math.max(0, o.flushIntervalMs - (o.now() - left[0].t)));
        }
      }));
  };
  const flushDue = () => void start(false);

  return {
    schedule() {
      if (draining) return; // the drain in progress picks new messages up
      if (o.outbox.entries().length >= o.flushAt) flushDue();
      else if (!timer) timer = o.setTimeout(flushDue, o.flushIntervalMs);
    },
    flush: () => start(true),
    flushOnHide() {
      isHidden = true;
      if (!o.canSend()) return;
      // What a keepalive fetch already carries survives the page; everything else goes now.
      let list = o.outbox.entries().filter((e) => !e.f || (inFlight.indexOf(e) >= 0 && !isInFlightKeepalive));
      let limit = KEEPALIVE_QUOTA_BYTES - keepaliveBytes - beaconBytes;
      // Trust the browser with a beacon only while the collector has been answering and the
      // browser is online; otherwise the messages stay in the outbox for the next page load.
      const isTrusted = !failures && o.isOnline();
      while (list.length) {
        let chunk = pick(list, limit);
        if (!chunk.length) chunk = list.slice(0, 1);
        const body = envelope(chunk);
        const size = utf8Bytes(body);
        if (o.transport.beacon(body)) {
          beaconBytes += size;
          limit -= size;
          o.log.debug('beacon', chunk.length, 'messages,', size, 'bytes');
          chunk.forEach((e) => (e.f = true));
          if (isTrusted) o.outbox.remove(chunk);
          else unacknowledgedBeacons.push(...chunk);
        } else if (chunk.length > 1) {
          limit = size >> 1; // refused: halve the chunk and try again
          continue;
        } else {
          // Not even one message fits: the quota is spent. One keepalive fetch is the last try;
          // the rest stays in the outbox, and the next page load sends it.
          void sendOne(chunk);
          break;
        }
        list = list.slice(chunk.length);
      }
    },
    onVisible() {
      isHidden = false;
      beaconBytes = 0; // beacons sent while hidden have long finished
      unacknowledgedBeacons.forEach((e) => (e.f = false));
      unacknowledgedBeacons = [];
      flushDue();
    },
  };
}
