// When a batch leaves: at 20 messages, 1 s after the oldest, or at ~32 KB; a burst in parallel
// requests, at most four at once (test/unit/parallel-requests.test.ts).
// (The harness's site saw the collector answer a moment ago; a first visit is set up apart.)
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bytes, deferred, setup, settle, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

describe('the first message of a page', () => {
  it('goes at once on a first visit, and the rest are batched as configured', async () => {
    s.firstVisit();
    const cio = await s.open();
    cio.track('first');
    await settle();
    expect(s.requests.map((r) => r.json.batch.map((m: any) => m.event))).toEqual([['first']]);
    cio.track('second');
    cio.track('third');
    await vi.advanceTimersByTimeAsync(999);
    expect(s.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.requests.map((r) => r.json.batch.map((m: any) => m.event))).toEqual([['first'], ['second', 'third']]);
  });

  it('goes at once when the last answer a page of the site saw is over 5 minutes old', async () => {
    s.win.localStorage.setItem('_cio_ok', String(Date.now() - 5 * 60_000 - 1));
    const cio = await s.open();
    cio.track('first');
    await settle();
    expect(s.requests).toHaveLength(1);
  });

  it('waits for its batch like the rest when a page of the site saw a 2xx in the last 5 minutes', async () => {
    const cio = await s.open();
    cio.track('first');
    await vi.advanceTimersByTimeAsync(999);
    expect(s.requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.requests).toHaveLength(1);
  });
});

describe('flush triggers', () => {
  it('sends a batch as soon as 20 messages are queued, without waiting for the timer', async () => {
    const cio = await s.open();
    for (let i = 0; i < 19; i++) cio.track('e' + i);
    await settle();
    expect(s.requests).toHaveLength(0);

    cio.track('e19');
    await settle();
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0].json.batch.map((m: any) => m.event)).toEqual(Array.from({ length: 20 }, (_, i) => 'e' + i));
  });

  it('sends 1 s after the oldest queued message, not 1 s after the newest', async () => {
    const cio = await s.open();
    cio.track('first');
    await vi.advanceTimersByTimeAsync(600);
    cio.track('second');
    await vi.advanceTimersByTimeAsync(399);
    expect(s.requests).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(1);
    expect(s.requests).toHaveLength(1);
    expect(s.sent().map((m: any) => m.event)).toEqual(['first', 'second']);
  });

  it('sends batches of at most 32,000 bytes (maxBatchBytes), oldest first', async () => {
    const cio = await s.open({ maxBatchBytes: 32_000 });
    const blob = 'x'.repeat(5000);
    for (let i = 0; i < 7; i++) cio.track('big' + i, { blob });
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.requests.length).toBe(2);
    for (const r of s.requests) expect(bytes(r.body)).toBeLessThanOrEqual(32_000);
    expect(s.sent().map((m: any) => m.event)).toEqual(['big0', 'big1', 'big2', 'big3', 'big4', 'big5', 'big6']);
  });

  it('sends requests of at most 16,000 bytes by default (four fill the 64 KiB keepalive quota)', async () => {
    const cio = await s.open();
    const blob = 'x'.repeat(5000);
    for (let i = 0; i < 7; i++) cio.track('big' + i, { blob });
    await vi.advanceTimersByTimeAsync(1000);
    for (const r of s.requests) expect(bytes(r.body)).toBeLessThanOrEqual(16_000);
    expect(s.requests.map((r) => r.json.batch.length)).toEqual([2, 2, 2, 1]);
    expect(s.sent().map((m: any) => m.event)).toEqual(['big0', 'big1', 'big2', 'big3', 'big4', 'big5', 'big6']);
  });

  it('sends as soon as the queue reaches ~32 KB, without waiting for the timer', async () => {
    const cio = await s.open({ maxBatchBytes: 32_000 });
    const blob = 'x'.repeat(4000);
    for (let i = 0; i < 7; i++) cio.track('big' + i, { blob });
    await settle();
    expect(s.requests).toHaveLength(0); // 7 messages of ~4.3 KB: ~30 KB, not yet

    cio.track('big7', { blob });
    await settle();
    expect(s.requests.map((r) => r.json.batch.map((m: any) => m.event))).toEqual([
      ['big0', 'big1', 'big2', 'big3', 'big4', 'big5', 'big6'], // what fits in 32,000 bytes; big7 waits
    ]);
  });

  it('sends what is due alongside a request in flight, and the rest when an answer comes', async () => {
    const cio = await s.open();
    const first = deferred();
    s.answers.push(first.promise);
    for (let i = 0; i < 20; i++) cio.track('e' + i);
    await settle();
    for (let i = 20; i < 45; i++) cio.track('e' + i);
    await settle();
    // flushAt is when to send, not a cap: what queued meanwhile goes in the next body, at once.
    expect(s.requests.map((r) => r.json.batch.length)).toEqual([20, 25]);

    first.resolve(200);
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.requests).toHaveLength(2);
    expect(new Set(s.sent().map((m: any) => m.messageId)).size).toBe(45);
  });

  it('flush() while a request is in flight sends what waits alongside it, and settles when both are answered', async () => {
    const cio = await s.open();
    const first = deferred();
    const second = deferred();
    s.answers.push(first.promise, second.promise);
    cio.track('a');
    const flushes = [cio.flush()];
    await settle();
    cio.track('b');
    for (let i = 0; i < 5; i++) flushes.push(cio.flush());
    await settle();
    expect(s.requests.map((r) => r.json.batch.map((m: any) => m.event))).toEqual([['a'], ['b']]);

    let isSettled = false;
    void Promise.all(flushes).then(() => (isSettled = true));
    first.resolve(200);
    await settle();
    expect(isSettled).toBe(false);
    second.resolve(200);
    await Promise.all(flushes);
    expect(s.requests).toHaveLength(2);
    expect(s.outboxes()).toEqual({});
  });

  it('flush() resolves without sending while consent is pending', async () => {
    const cio = await s.open({ consent: 'pending' });
    cio.track('a');
    await expect(cio.flush()).resolves.toBeUndefined();
    expect(s.requests).toHaveLength(0);
  });

  it('flush() sends what is queued at once and resolves after the collector answered', async () => {
    const cio = await s.open();
    cio.track('now');
    await cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['now']);
  });

  it('flush() never rejects, even when the collector cannot be reached', async () => {
    const cio = await s.open();
    s.answers.push('network-error');
    cio.track('lost?');
    await expect(cio.flush()).resolves.toBeUndefined();
  });

  it('flush() in the same task as createTracker sends what was tracked before it resolves', async () => {
    const cio = s.tracker();
    cio.track('right_away');
    await cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['right_away']);
  });
});
