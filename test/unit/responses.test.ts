// What each collector answer does to the outbox: 2xx removes, retryable statuses back off with
// full jitter and Retry-After, permanent 4xx drop (all, or only the messages the body names).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deferred, setup, settle, storedIds, type Answer, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

const ids = (r: { json: any }) => r.json.batch.map((m: any) => m.messageId);

describe.each([200, 202, 204])('a %i', (status) => {
  it('removes the batch from the outbox and emits sent', async () => {
    const cio = await s.open();
    const sent = vi.fn();
    cio.on('sent', sent);
    s.answers.push(status);
    cio.track('a');
    cio.track('b');
    await settle();
    expect(storedIds(s.outboxes())).toHaveLength(2);

    await cio.flush();
    expect(s.outboxes()).toEqual({});
    expect(sent).toHaveBeenCalledWith({ count: 2, status });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(s.requests).toHaveLength(1);
    expect(s.warnings()).toEqual([]);
  });
});

it('keeps messages in the outbox while their request is in flight', async () => {
  const cio = await s.open();
  const answer = deferred();
  s.answers.push(answer.promise);
  cio.track('a');
  const flushed = cio.flush();
  await settle();
  expect(s.requests).toHaveLength(1);
  expect(storedIds(s.outboxes())).toEqual(ids(s.requests[0]));

  answer.resolve(200);
  await flushed;
  await settle();
  expect(s.outboxes()).toEqual({});
});

describe.each<[string, Answer]>([
  ['408', 408],
  ['429', 429],
  ['500', 500],
  ['503', 503],
  ['network error', 'network-error'],
])('a retryable answer: %s', (_, answer) => {
  it('keeps the messages and sends them again after a full-jitter delay', async () => {
    const cio = await s.open({}, { random: () => 0.25 });
    const retry = vi.fn();
    cio.on('retry', retry);
    s.answers.push(answer);
    cio.track('a');
    await vi.advanceTimersByTimeAsync(1000); // sent by the 1 s timer
    expect(s.requests).toHaveLength(1);
    expect(storedIds(s.outboxes())).toEqual(ids(s.requests[0]));
    // random() * retryBaseMs: 0.25 * 1000
    expect(retry).toHaveBeenCalledWith({ status: typeof answer == 'number' ? answer : 0, delayMs: 250 });

    await vi.advanceTimersByTimeAsync(249);
    expect(s.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.requests).toHaveLength(2);
    expect(ids(s.requests[1])).toEqual(ids(s.requests[0]));
    await settle();
    expect(s.outboxes()).toEqual({});
    expect(s.warnings()).toEqual([]);
  });
});

describe('backoff', () => {
  it('doubles the delay ceiling after each failure, up to retryMaxMs', async () => {
    const cio = await s.open({ retryBaseMs: 1000, retryMaxMs: 5000 }, { random: () => 1 });
    s.answers.push(500, 500, 500, 500, 500, 500);
    cio.track('a');
    await cio.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    const gaps = s.requests.slice(1).map((r, i) => r.at - s.requests[i].at);
    expect(gaps).toEqual([1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('starts again from retryBaseMs after a success', async () => {
    const cio = await s.open({}, { random: () => 1 });
    s.answers.push(500, 500, 200, 500);
    cio.track('a');
    await cio.flush();
    await vi.advanceTimersByTimeAsync(3000); // retries at +1 s (500) and +3 s (200)
    expect(s.requests).toHaveLength(3);
    cio.track('b');
    await cio.flush();
    const failedAt = s.requests[3].at;
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.requests).toHaveLength(5);
    expect(s.requests[4].at - failedAt).toBe(1000);
  });

  it('holds back flush() while backing off', async () => {
    const cio = await s.open({}, { random: () => 1 });
    s.answers.push(503);
    cio.track('a');
    await cio.flush();
    await cio.flush();
    cio.track('b');
    await cio.flush();
    expect(s.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.requests).toHaveLength(2);
    expect(s.requests[1].json.batch.map((m: any) => m.event)).toEqual(['a', 'b']);
  });

  it('waits out a backoff with one timer, not a polling loop, when flush() is called meanwhile', async () => {
    let timers = 0;
    const cio = await s.open({}, { setTimeout: (fn, ms) => (timers++, setTimeout(fn, ms)) });
    s.answers.push({ status: 429, headers: { 'Retry-After': '30' } });
    cio.track('a');
    await vi.advanceTimersByTimeAsync(1000); // sent, refused: 30 s to wait
    await cio.flush();
    const before = timers;
    await vi.advanceTimersByTimeAsync(29_000);
    expect(s.requests).toHaveLength(1);
    expect(timers - before).toBe(0); // the backoff's own timer was armed before
  });

  it('retries after the delay it announced, even for a batch flushed at once', async () => {
    const cio = await s.open({}, { random: () => 0.25 });
    const retry = vi.fn();
    cio.on('retry', retry);
    s.answers.push(503);
    cio.track('a');
    await cio.flush();
    expect(retry).toHaveBeenCalledWith({ status: 503, delayMs: 250 });
    await vi.advanceTimersByTimeAsync(250);
    expect(s.requests).toHaveLength(2);
  });

  it('sends nothing before Retry-After in seconds has passed, whatever the jitter says', async () => {
    const cio = await s.open({}, { random: () => 0 });
    s.answers.push({ status: 429, headers: { 'Retry-After': '30' } });
    cio.track('a');
    await cio.flush();
    await vi.advanceTimersByTimeAsync(29_999);
    await cio.flush();
    expect(s.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.requests).toHaveLength(2);
  });

  it('sends nothing before a Retry-After HTTP date', async () => {
    const cio = await s.open({}, { random: () => 0 });
    const at = new Date(Date.now() + 45_000).toUTCString();
    s.answers.push({ status: 503, headers: { 'Retry-After': at } });
    cio.track('a');
    await cio.flush();
    await vi.advanceTimersByTimeAsync(44_999);
    expect(s.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.requests).toHaveLength(2);
  });
});

describe.each([400, 401, 403, 404, 422])('a permanent %i', (status) => {
  it('drops the batch, warns once and emits dropped', async () => {
    const cio = await s.open();
    const dropped = vi.fn();
    cio.on('dropped', dropped);
    s.answers.push(status);
    cio.track('a');
    cio.track('b');
    await cio.flush();
    await settle();
    expect(s.outboxes()).toEqual({});
    expect(s.warnings()).toEqual([`tracklet: flush(): HTTP ${status}: 2 messages dropped`]);
    expect(dropped).toHaveBeenCalledWith({ count: 2, status });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(s.requests).toHaveLength(1);
  });
});

describe('partial answers', () => {
  it('drops only the messages a 400 body lists as rejected and re-sends the rest', async () => {
    const cio = await s.open();
    cio.track('a');
    cio.track('bad');
    cio.track('c');
    await settle();
    const [a, bad, c] = storedIds(s.outboxes());
    s.answers.push({
      status: 400,
      body: { error: 'invalid_message', rejected: [{ index: 1, messageId: bad, error: 'x' }] },
    });
    await cio.flush();
    expect(s.requests.map(ids)).toEqual([
      [a, bad, c],
      [a, c],
    ]);
    expect(s.warnings()).toEqual([
      `tracklet: flush(): HTTP 400: 1 messages dropped; the collector said: {"error":"invalid_message","rejected":[{"index":1,"messageId":"${bad}","error":"x"}]}`,
    ]);
    await settle();
    expect(s.outboxes()).toEqual({});
  });

  it('removes the batch on a 207 and warns once naming the rejected messages', async () => {
    const cio = await s.open();
    cio.track('a');
    cio.track('bad');
    await settle();
    const [, bad] = storedIds(s.outboxes());
    s.answers.push({ status: 207, body: { accepted: 1, rejected: [{ index: 1, messageId: bad, error: 'x' }] } });
    await cio.flush();
    await settle();
    expect(s.requests).toHaveLength(1);
    expect(s.outboxes()).toEqual({});
    expect(s.warnings()).toEqual([`tracklet: flush(): the collector rejected messages ${bad}`]);
  });
});

describe('offline', () => {
  it('sends nothing while navigator.onLine is false, then sends on the online event', async () => {
    const cio = await s.open();
    const retry = vi.fn();
    cio.on('retry', retry);
    s.setOnline(false);
    cio.track('a');
    await cio.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.requests).toHaveLength(0);

    s.setOnline(true);
    await settle();
    expect(s.sent().map((m: any) => m.event)).toEqual(['a']);
    expect(retry).not.toHaveBeenCalled();
  });

  it('spends no retry on a network error while offline', async () => {
    const cio = await s.open({}, { random: () => 1 });
    const retry = vi.fn();
    cio.on('retry', retry);
    const answer = deferred();
    s.answers.push(answer.promise, 500);
    cio.track('a');
    const flushed = cio.flush();
    await settle();
    s.setOnline(false); // the connection drops while the request is out
    answer.resolve('network-error');
    await flushed;
    expect(retry).not.toHaveBeenCalled();

    s.setOnline(true);
    await settle();
    expect(s.requests).toHaveLength(2); // at once, no backoff
    expect(retry).toHaveBeenCalledWith({ status: 500, delayMs: 1000 }); // first failure: the base delay
  });
});

describe('a 400 whose rejected list names none of the batch', () => {
  it.each([
    ['by index only', [{ index: 0, messageId: null }]],
    ['empty', []],
  ])('(%s) drops the batch instead of re-sending it in a loop', async (_, rejected) => {
    const cio = await s.open();
    for (let i = 0; i < 50; i++) s.answers.push({ status: 400, body: { error: 'invalid_message', rejected } });
    cio.track('a');
    await cio.flush();
    await settle();
    expect(s.requests).toHaveLength(1);
    expect(s.outboxes()).toEqual({});
    expect(s.warnings()).toEqual([
      `tracklet: flush(): HTTP 400: 1 messages dropped; the collector said: ${JSON.stringify({ error: 'invalid_message', rejected })}`,
    ]);
  });
});

describe("the collector's own words in warnings", () => {
  it('carries the error a refusal names (tracklet: unknown_write_key) into the warning', async () => {
    const cio = await s.open();
    s.answers.push({ status: 401, body: { error: 'unknown_write_key', detail: 'no site site-1' } });
    cio.track('a');
    await cio.flush();
    expect(s.warnings()).toEqual([
      'tracklet: flush(): HTTP 401: 1 messages dropped; the collector said: {"error":"unknown_write_key","detail":"no site site-1"}',
    ]);
  });

  it('warns once when a 200 says ok:false (Jitsu), and removes the batch', async () => {
    const cio = await s.open();
    const notOk = { status: 200, body: { ok: false, errors: ['event name is required'] } };
    s.answers.push(notOk, notOk);
    cio.track('a');
    await cio.flush();
    cio.track('b');
    await cio.flush();
    await settle();
    expect(s.warnings()).toEqual([
      'tracklet: flush(): the collector said: {"ok":false,"errors":["event name is required"]}',
    ]);
    expect(s.outboxes()).toEqual({});
  });
});

it('does not re-arm the retry timer on every track() during a backoff', async () => {
  const setTimeoutSpy = vi.fn((fn: () => void, ms: number) => setTimeout(fn, ms));
  const cio = await s.open({}, { setTimeout: setTimeoutSpy });
  s.answers.push(500);
  for (let i = 0; i < 20; i++) cio.track('a' + i);
  await settle();
  const before = setTimeoutSpy.mock.calls.length;
  for (let i = 0; i < 100; i++) cio.track('b' + i);
  await settle();
  expect(setTimeoutSpy.mock.calls.length - before).toBe(0);
});
