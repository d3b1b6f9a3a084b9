// When the page hides (visibilitychange to hidden, or pagehide), everything unsent is handed to
// the browser in beacons of at most 64 KiB in all; a refused beacon is halved and tried again.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BATCH_URL, bytes, deferred, setup, settle, storedIds, T0, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

const QUOTA = 65_536;
/** Options that keep every message queued until the page hides. */
const queued = { flushAt: 10_000, maxBatchBytes: 1e6, flushIntervalMs: 3_600_000 };

/** A sendBeacon that refuses what would pass `quota` bytes in all (or `perBeacon` in one), as browsers do. */
function quotaBeacon(s: Setup, quota = QUOTA, perBeacon = quota) {
  let used = 0;
  s.sendBeacon.mockImplementation((url: string, blob: any) => {
    if (used + blob.size > quota || blob.size > perBeacon) return false;
    used += blob.size;
    s.beacons.push({ url, blob });
    return true;
  });
}

/**
 * A tracker whose collector has answered 2xx once: beacons are trusted (removed from the stored
 * outbox) only on that evidence. The warm-up request is then forgotten by the fake collector.
 */
async function openAnswered(options: object) {
  const cio = await s.open(options);
  cio.track('warmup');
  await cio.flush();
  s.requests.length = 0;
  return cio;
}

const hideBy = {
  'visibilitychange to hidden': (s: Setup) => s.hide(),
  pagehide: (s: Setup) => s.win.dispatchEvent(new s.win.Event('pagehide')),
};

describe.each(Object.entries(hideBy))('on %s', (_, hide) => {
  it('sends everything unsent in one text/plain beacon and empties the outbox', async () => {
    const cio = await openAnswered(queued);
    cio.track('a');
    cio.track('b');
    await settle();
    hide(s);
    await settle();

    expect(s.beacons).toHaveLength(1);
    expect(s.beacons[0].url).toBe(BATCH_URL);
    expect(s.beacons[0].blob.type).toBe('text/plain;charset=utf-8'); // Blob lowercases its type
    const body = JSON.parse((await s.beaconBodies())[0]);
    expect(Object.keys(body)).toEqual(['writeKey', 'sentAt', 'context', 'batch']);
    expect(body.batch.map((m: any) => m.event)).toEqual(['a', 'b']);
    expect(s.outboxes()).toEqual({});
    expect(s.requests).toHaveLength(0);
  });

  it('hands a call made after the hide (a later listener, a timer) to the browser in the same task', async () => {
    const cio = await openAnswered(queued);
    hide(s);
    cio.track('page_hidden');
    await Promise.resolve(); // the end of the task: its microtasks, no timer
    const bodies = await s.beaconBodies();
    expect(bodies.map((b) => JSON.parse(b).batch.map((m: any) => m.event))).toEqual([['page_hidden']]);
    expect(s.requests).toHaveLength(0);
  });

  it('schedules as usual again once the page is visible', async () => {
    const cio = await openAnswered(queued);
    hide(s);
    s.show();
    cio.track('back');
    await settle();
    expect(s.beacons).toHaveLength(0);
  });

  it('splits a large outbox into beacons of at most 64 KiB in all, and keeps the rest', async () => {
    quotaBeacon(s);
    const cio = await openAnswered(queued);
    const blob = 'x'.repeat(3000);
    for (let i = 0; i < 40; i++) cio.track('e' + i, { blob }); // ~130 KB
    await settle();
    const all = storedIds(s.outboxes());
    hide(s);
    await settle();

    // One beacon takes the oldest messages that fit in the quota; the next one is the last try.
    const bodies = await s.beaconBodies();
    expect(bodies).toHaveLength(1);
    expect(bytes(bodies[0])).toBeLessThanOrEqual(QUOTA);
    const beaconed = JSON.parse(bodies[0]).batch.map((m: any) => m.messageId);
    const next = JSON.stringify(s.requests[0].json.batch[0]);
    expect(bytes(bodies[0]) + 1 + bytes(next)).toBeGreaterThan(QUOTA);
    expect(s.requests.map((r) => r.json.batch.map((m: any) => m.messageId))).toEqual([[all[beaconed.length]]]);
    // Nothing lost, nothing twice: beaconed, in the one last-try fetch, or kept for the next load.
    const fetched = s.sent().map((m: any) => m.messageId);
    await vi.advanceTimersByTimeAsync(1000); // what was acknowledged leaves storage within a second
    const kept = storedIds(s.outboxes());
    expect([...beaconed, ...fetched, ...kept].sort()).toEqual([...all].sort());
    expect(beaconed).toEqual(all.slice(0, beaconed.length)); // oldest first
  });
});

describe('page hide', () => {
  const hide = hideBy.pagehide;
  it('halves a refused beacon until the browser takes it', async () => {
    quotaBeacon(s, QUOTA, 10_000); // a browser that refuses bodies over 10,000 bytes
    const cio = await s.open(queued);
    const blob = 'x'.repeat(2000);
    for (let i = 0; i < 8; i++) cio.track('e' + i, { blob }); // ~20 KB
    await settle();
    hide(s);
    await settle();

    const tried = s.sendBeacon.mock.calls.map(([, b]) => (b as Blob).size);
    const taken = s.sendBeacon.mock.results.map((r) => r.value);
    expect(taken[0]).toBe(false);
    expect(tried[1]).toBeLessThanOrEqual(tried[0] / 2);
    expect(taken[1]).toBe(true);
    const bodies = await s.beaconBodies();
    for (const b of bodies) expect(bytes(b)).toBeLessThanOrEqual(10_000);
    const beaconed = bodies.flatMap((b) => JSON.parse(b).batch.map((m: any) => m.event));
    expect([...beaconed, ...s.sent().map((m: any) => m.event)]).toEqual([
      'e0',
      'e1',
      'e2',
      'e3',
      'e4',
      'e5',
      'e6',
      'e7',
    ]);
  });

  it('uses a keepalive fetch when there is no sendBeacon', async () => {
    const cio = await s.open(queued, { sendBeacon: undefined });
    cio.track('a');
    await settle();
    hide(s);
    await settle();
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0].init.keepalive).toBe(true);
    expect(s.requests[0].init.headers).toEqual({ 'Content-Type': 'text/plain;charset=UTF-8' });
    expect(s.requests[0].json.batch.map((m: any) => m.event)).toEqual(['a']);
  });

  it('sends nothing twice when visibilitychange and pagehide both fire', async () => {
    const cio = await s.open(queued);
    cio.track('a');
    await settle();
    s.hide();
    s.win.dispatchEvent(new s.win.Event('pagehide'));
    await settle();
    expect(s.beacons).toHaveLength(1);
  });

  it('keeps beaconed messages in the outbox while the collector is failing, and re-sends them when visible', async () => {
    const cio = await s.open({}, { random: () => 1 });
    s.answers.push(500);
    cio.track('a');
    await cio.flush(); // failed: the collector is not answering
    s.hide();
    await settle();
    expect(s.beacons).toHaveLength(1);
    expect(storedIds(s.outboxes())).toHaveLength(1); // the next page load would send it again

    s.show();
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.requests).toHaveLength(2);
    await settle();
    expect(s.outboxes()).toEqual({});
  });

  it('keeps beaconed messages in the outbox after a 429 with Retry-After', async () => {
    const cio = await s.open();
    s.answers.push({ status: 429, headers: { 'Retry-After': '30' } });
    cio.track('a');
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.requests).toHaveLength(1);
    s.hide();
    await settle();
    expect(s.beacons).toHaveLength(1);
    expect(storedIds(s.outboxes())).toHaveLength(1);
  });

  it('does not beacon what a keepalive fetch carries, and sends it again when visible if the unload rejected it', async () => {
    const cio = await openAnswered({});
    const inFlight = deferred();
    s.answers.push(inFlight.promise);
    cio.track('a');
    const flushed = cio.flush();
    await settle();
    expect(s.requests[0].init.keepalive).toBe(true);
    s.hide();
    await settle();
    expect(s.beacons).toHaveLength(0); // the browser already carries it

    inFlight.resolve('network-error'); // Chrome rejects keepalive fetches at unload, yet delivers them
    await flushed;
    // Trusted to the browser (the collector was answering): not stored for the next load, which
    // would send it again, and not re-sent while hidden.
    expect(storedIds(s.outboxes())).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.requests).toHaveLength(1);

    s.show(); // the page came back (bfcache): nothing proves it arrived, so it goes again
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1].json.batch[0].messageId).toBe(s.requests[0].json.batch[0].messageId);
  });

  it('hands over nothing while consent is pending', async () => {
    const cio = await s.open({ ...queued, consent: 'pending' });
    cio.track('a');
    s.hide();
    await settle();
    expect(s.sendBeacon).not.toHaveBeenCalled();
  });

  it('once visible again, sends as a visible page does, though consent was pending at the hide (a failed request is retried)', async () => {
    const cio = await s.open({ consent: 'pending' });
    s.hide();
    await settle();
    s.show();
    await settle();
    cio.consent(true);
    s.answers.push('network-error');
    cio.track('a');
    await cio.flush();
    expect(s.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5000); // the backoff of a network error while online
    expect(s.requests.map((r) => r.json.batch.map((m: any) => m.event))).toEqual([['a'], ['a']]);
    expect(s.beacons).toHaveLength(0);
  });

  it('on a first visit, keeps its beacons stored until its first message is answered, then trusts them', async () => {
    s.firstVisit();
    const cio = await s.open(queued);
    const answer = deferred();
    s.answers.push(answer.promise);
    cio.track('first'); // goes at once: no page of the site has seen the collector answer
    await settle();
    cio.track('before_answer');
    await settle();
    s.hide();
    await settle();
    expect(storedIds(s.outboxes())).toHaveLength(2); // untrusted: the next load sends both again

    s.show();
    answer.resolve(200);
    await settle();
    cio.track('after_answer');
    await settle();
    s.hide();
    await settle();
    const beaconed = (await s.beaconBodies()).map((b) => JSON.parse(b).batch.map((m: any) => m.event));
    expect(beaconed).toEqual([['before_answer'], ['before_answer', 'after_answer']]);
    expect(storedIds(s.outboxes())).toHaveLength(0); // trusted now
  });

  it('trusts its beacons from the start when another page of the site saw a 2xx under 5 minutes ago', async () => {
    const first = await openAnswered({}); // stores when the collector last answered 2xx
    void first;
    vi.advanceTimersByTime(60_000);
    const next = await s.open(queued);
    next.track('quick_exit');
    await settle();
    s.win.dispatchEvent(new s.win.Event('pagehide'));
    await settle();
    expect(s.beacons).toHaveLength(1);
    expect(storedIds(s.outboxes())).toHaveLength(0); // trusted: the next load will not send it again
  });

  it('trusts nothing from a 2xx over 5 minutes old, or after a failure', async () => {
    await openAnswered({});
    vi.advanceTimersByTime(5 * 60_000 + 1);
    const next = await s.open(queued);
    const unanswered = deferred(); // stale evidence: the first message goes at once, unanswered yet
    s.answers.push(unanswered.promise);
    next.track('stale_evidence');
    await settle();
    s.win.dispatchEvent(new s.win.Event('pagehide'));
    await settle();
    expect(s.requests).toHaveLength(1);
    expect(storedIds(s.outboxes())).toHaveLength(1);
    expect(s.win.localStorage.getItem('_cio_ok')).toBe(String(T0)); // stale, and still there

    s.show(); // the page lives on: until it is visible again, each call would go in a beacon
    unanswered.resolve(200);
    await settle();
    s.answers.push(503);
    next.track('during_outage');
    await next.flush();
    expect(s.requests.at(-1)!.json.batch.map((m: any) => m.event)).toEqual(['during_outage']);
    expect(s.win.localStorage.getItem('_cio_ok')).toBeNull(); // a failure withdraws the evidence
  });
});
