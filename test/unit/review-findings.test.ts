// Specs from a fresh-eyes review of src/: each one failed before its fix.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup, settle, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

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
  });
});

describe('a backfilled timestamp past the end of Date range', () => {
  it.each([
    ['unix seconds of year ~318,000', 1e13],
    ['nanoseconds', 1.78e18],
  ])('(%s) falls back to the call time, with a warning, instead of losing the event', async (_, timestamp) => {
    const cio = await s.open();
    cio.track('a', {}, { timestamp });
    await cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['a']);
    expect(s.warnings().some((w) => w.includes('timestamp'))).toBe(true);
  });
});

it('sends what a closed tab left before this page’s newer messages (oldest first)', async () => {
  const at = Date.now();
  s.win.localStorage.setItem(
    '_cio_ob:old',
    JSON.stringify({
      t: at - 1000,
      q: [
        [
          at - 60_000,
          {
            type: 'track',
            messageId: 'old1',
            timestamp: new Date(at - 60_000).toISOString(),
            anonymousId: 'x',
            event: 'old',
            properties: {},
            context: {},
          },
        ],
      ],
    }),
  );
  const locks = { request: (name: string, a: any, b?: any) => Promise.resolve().then(() => (b ?? a)({ name })) } as any;
  const cio = s.tracker({}, { locks });
  cio.track('new');
  await vi.advanceTimersByTimeAsync(2000);
  expect(s.sent().map((m: any) => m.event)).toEqual(['old', 'new']);
});

it('sends data that is not an object of properties (a Date, a typed array) as {} with a warning', async () => {
  const cio = await s.open();
  cio.track('a', new Date(0) as any);
  cio.track('b', new Uint8Array(2) as any);
  await cio.flush();
  expect(s.sent().map((m: any) => m.properties)).toEqual([{}, {}]);
  expect(s.warnings()).toHaveLength(2);
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
  expect(setTimeoutSpy.mock.calls.length - before).toBeLessThanOrEqual(2);
});

describe('consent(false) then consent(true) on the same page', () => {
  it('starts as a new, anonymous visitor: the deleted ids do not come back', async () => {
    const cio = await s.open();
    cio.identify('42');
    await cio.flush();
    const anonymousId = s.sent()[0].anonymousId;
    cio.consent(false);
    cio.consent(true);
    cio.track('after');
    await cio.flush();
    const m = s.sent().at(-1);
    expect(m.userId).toBeUndefined();
    expect(m.anonymousId).not.toBe(anonymousId);
  });

  it('never writes the outbox or _cio_ok to a cookie', async () => {
    const cio = await s.open();
    s.answers.push(500); // the collector is down: the message stays in the outbox
    cio.track('a', { email: 'x@y.z' });
    await cio.flush();
    cio.consent(false);
    cio.consent(true);
    cio.track('b', { email: 'x@y.z' });
    await settle();
    expect(s.win.document.cookie).not.toMatch(/_cio_ob:|_cio_ok=/);
  });
});
