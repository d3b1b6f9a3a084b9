// A call does only what must happen at its moment (checks, a change of identity, a note of who
// and when); the message itself is built at the end of the task, for all the calls of the task
// at once. These specs pin down what that may and may not change.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, setup, settle, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

describe('when a call is built', () => {
  it('builds nothing during the call, and everything before the task ends', async () => {
    const stringify = vi.fn(JSON.stringify);
    const cio = await s.open({}, { stringify });
    stringify.mockClear();
    cio.track('a', { n: 1 });
    cio.track('b', { n: 2 });
    expect(stringify).not.toHaveBeenCalled();
    await Promise.resolve();
    expect(stringify.mock.calls.map(([message]) => message.event).filter(Boolean)).toEqual(['a', 'b']);
  });

  it('keeps the order of calls, each with the time and the person of its own moment', async () => {
    const cio = await s.open();
    cio.track('before_login');
    vi.setSystemTime(T0 + 5);
    cio.identify('u-1');
    cio.track('after_login');
    cio.reset();
    cio.track('after_logout');
    await cio.flush();
    const sent = s.sent();
    expect(sent.map((m: any) => [m.type, m.event, m.timestamp, m.userId])).toEqual([
      ['track', 'before_login', new Date(T0).toISOString(), undefined],
      ['identify', undefined, new Date(T0 + 5).toISOString(), 'u-1'],
      ['track', 'after_login', new Date(T0 + 5).toISOString(), 'u-1'],
      ['track', 'after_logout', new Date(T0 + 5).toISOString(), undefined],
    ]);
    expect(sent[3].anonymousId).not.toBe(sent[0].anonymousId);
    expect(new Set(sent.map((m: any) => m.messageId)).size).toBe(4);
  });

  it('builds the calls of a task before a history.pushState of that task changes the URL', async () => {
    const cio = await s.open(); // autoTrackPage: false: the hook is there all the same
    cio.track('on_a');
    s.win.history.pushState({}, '', '/b');
    cio.track('on_b');
    await cio.flush();
    expect(s.sent().map((m: any) => [m.event, m.context.page.path])).toEqual([
      ['on_a', '/p/a-1'],
      ['on_b', '/b'],
    ]);
  });

  it('reads the data at the end of the task of the call: a change later in that task is sent, a change in a later task is not', async () => {
    const cio = await s.open();
    const cart = { items: 1 };
    cio.track('cart', cart);
    cart.items = 2; // same task
    await settle();
    cart.items = 3; // a later task
    await cio.flush();
    expect(s.sent()[0].properties).toEqual({ items: 2 });
  });

  it('sends the calls of a task in the beacon when the page hides in that task', async () => {
    const cio = await s.open();
    cio.track('clicked_link');
    s.hide();
    await settle();
    const bodies = await s.beaconBodies();
    expect(bodies.flatMap((b) => JSON.parse(b).batch.map((m: any) => m.event))).toEqual(['clicked_link']);
    expect(s.requests).toHaveLength(0);
  });

  it('drops the calls of a task when consent is refused later in that task', async () => {
    const cio = await s.open();
    cio.track('before_refusal');
    cio.consent(false);
    await settle();
    await cio.flush();
    expect(s.requests).toHaveLength(0);
    expect(s.outboxes()).toEqual({});
  });

  it('drops the calls of a task made before a refusal, even when consent(true) follows in that task', async () => {
    const cio = await s.open();
    cio.track('before_refusal');
    cio.consent(false);
    cio.consent(true); // a consent manager that resets, then restores a stored choice
    cio.track('after_grant');
    await settle();
    await cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['after_grant']);
  });

  it('warns about bad data at the end of the task, once, naming the call', async () => {
    const cio = await s.open();
    cio.track('e', 'not an object' as any);
    expect(s.warnings()).toEqual([]);
    await settle();
    expect(s.warnings()).toEqual(['tracklet: track(): data must be a readable object; left out']);
  });
});
