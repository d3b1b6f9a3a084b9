// Who the browser is across page loads: the anonymous id and the userId survive a reload (a
// second tracker on the same storage), either copy (cookie or localStorage) alone is enough,
// reset() starts over, and a `_cio_id` link identifies.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup, uuid, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

const who = (m: any) => ({ anonymousId: m.anonymousId, userId: m.userId });

describe('identity', () => {
  it('keeps userId and anonymousId across a reload', async () => {
    const before = await s.open();
    before.identify('42');
    await before.flush();
    const first = who(s.sent()[0]);
    expect(first).toEqual({ anonymousId: uuid(1), userId: '42' });

    const after = await s.open(); // the next page load, on the same storage
    after.track('back');
    await after.flush();
    expect(who(s.sent()[1])).toEqual(first);
  });

  it('reset() clears userId and rotates anonymousId, also for the next page load', async () => {
    const cio = await s.open();
    cio.identify('42');
    cio.reset();
    cio.track('after_logout');
    await cio.flush();
    const [identified, loggedOut] = s.sent();
    expect(loggedOut.userId).toBeUndefined();
    expect(loggedOut.anonymousId).not.toBe(identified.anonymousId);

    const next = await s.open();
    next.track('next_load');
    await next.flush();
    expect(who(s.sent()[2])).toEqual({ anonymousId: loggedOut.anonymousId, userId: undefined });
  });

  it('keeps the ids in both a cookie and localStorage', async () => {
    const cio = await s.open();
    cio.identify('42');
    expect(s.win.localStorage.getItem('_cioanonid')).toBe(uuid(1));
    expect(s.win.localStorage.getItem('_cioid')).toBe('42');
    expect(s.win.document.cookie).toBe(`_cioanonid=${uuid(1)}; _cioid=42`);
  });

  it('reuses the anonymous id and userId from the cookie alone, and writes them back to localStorage', async () => {
    s.win.document.cookie = '_cioanonid=from-cookie;path=/';
    s.win.document.cookie = '_cioid=u-9;path=/';
    const cio = await s.open();
    cio.track('x');
    await cio.flush();
    expect(who(s.sent()[0])).toEqual({ anonymousId: 'from-cookie', userId: 'u-9' });
    expect(s.win.localStorage.getItem('_cioanonid')).toBe('from-cookie');
    expect(s.win.localStorage.getItem('_cioid')).toBe('u-9');
  });

  it("takes the ids from the site's cookies over this origin's localStorage: a logout on another subdomain stays a logout", async () => {
    // This subdomain's copy from before; the shared cookies were since rotated by reset() on another one.
    s.win.localStorage.setItem('_cioanonid', 'before-logout');
    s.win.localStorage.setItem('_cioid', 'alice');
    s.win.document.cookie = '_cioanonid=after-logout;path=/';
    const cio = await s.open();
    cio.track('x');
    await cio.flush();
    expect(who(s.sent()[0])).toEqual({ anonymousId: 'after-logout', userId: undefined });
    expect(s.win.localStorage.getItem('_cioanonid')).toBe('after-logout');
    expect(s.win.localStorage.getItem('_cioid')).toBeNull();
  });

  it('reuses the anonymous id from localStorage alone, and writes it back to the cookie', async () => {
    s.win.localStorage.setItem('_cioanonid', 'from-storage');
    const cio = await s.open();
    cio.track('x');
    await cio.flush();
    expect(s.sent()[0].anonymousId).toBe('from-storage');
    expect(s.win.document.cookie).toBe('_cioanonid=from-storage');
  });

  it('identifies from a _cio_id link parameter', async () => {
    const linked = setup('https://shop.example/landing?_cio_id=abc123');
    const cio = await linked.open();
    await cio.flush();
    expect(linked.sent().map((m: any) => [m.type, m.userId])).toEqual([['identify', 'abc123']]);
  });

  it('sends one identify for a _cio_id link and then the page view, both with the userId', async () => {
    const linked = setup('https://shop.example/landing?_cio_id=abc123');
    const cio = await linked.open({ autoTrackPage: true });
    await cio.flush();
    expect(linked.sent().map((m: any) => [m.type, m.userId])).toEqual([
      ['identify', 'abc123'],
      ['page', 'abc123'],
    ]);
  });
});

describe('an id with a lone surrogate (a string cut in the middle of an emoji)', () => {
  it('is sent and stored with U+FFFD in its place, the same in the cookie and localStorage', async () => {
    const cio = await s.open();
    cio.identify('alice');
    cio.identify('bob-😀'.slice(0, 5));
    cio.track('x');
    await cio.flush();
    expect(s.sent().map((m: any) => m.userId)).toEqual(['alice', 'bob-\ufffd', 'bob-\ufffd']);
    expect(s.win.localStorage.getItem('_cioid')).toBe('bob-\ufffd');
    expect(s.win.document.cookie).toContain(`_cioid=${encodeURIComponent('bob-\ufffd')}`);
    expect(s.warnings()).toEqual([]);
  });
});
