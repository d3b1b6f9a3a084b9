// Storage that the browser refuses: the tracker keeps working in memory and no exception reaches
// the page. createStorage on its own: memory first, localStorage, then the cookie.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStorage } from '../../src/storage';
import { setup, settle, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

describe('when localStorage throws on every access', () => {
  beforeEach(() => {
    Object.defineProperty(s.win, 'localStorage', {
      configurable: true,
      get: () => {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    });
  });

  it('tracks, identifies and delivers from memory without throwing or warning', async () => {
    const cio = await s.open({ autoTrackPage: true });
    expect(() => {
      cio.identify('42');
      cio.track('x');
      cio.reset();
      cio.consent(true);
    }).not.toThrow();
    await cio.flush();
    expect(s.sent().map((m: any) => m.type)).toEqual(['page', 'identify', 'track']);
    expect(s.sent()[2].userId).toBe('42');
    expect(s.warnings()).toEqual([]);
  });

  it('still reads the anonymous id from the cookie', async () => {
    s.win.document.cookie = '_cioanonid=cookie-only;path=/';
    const cio = await s.open();
    cio.track('x');
    await cio.flush();
    expect(s.sent()[0].anonymousId).toBe('cookie-only');
  });

  it('refuses consent without throwing', async () => {
    const cio = await s.open();
    expect(() => cio.consent(false)).not.toThrow();
    expect(s.warnings()).toEqual([]);
  });
});

describe('when writes fail (quota, private mode)', () => {
  it('keeps the messages in memory and still sends them', async () => {
    vi.spyOn(s.win.localStorage, 'setItem').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    const cio = await s.open();
    cio.track('x');
    await settle();
    await cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['x']);
  });
});

describe('when cookies throw', () => {
  it('keeps ids in localStorage', async () => {
    Object.defineProperty(s.win.document, 'cookie', {
      configurable: true,
      get: () => {
        throw new DOMException('sandboxed', 'SecurityError');
      },
      set: () => {
        throw new DOMException('sandboxed', 'SecurityError');
      },
    });
    const cio = await s.open();
    cio.identify('42');
    await cio.flush();
    expect(s.sent()[0].userId).toBe('42');
    expect(s.win.localStorage.getItem('_cioid')).toBe('42');
  });
});

describe('createStorage', () => {
  it('keeps writes in memory until persist(true), then writes them to the browser', () => {
    const store = createStorage(s.win, false);
    store.set('k', 'v', true);
    expect(store.get('k')).toBe('v');
    expect(s.win.localStorage.getItem('k')).toBeNull();
    expect(s.win.document.cookie).toBe('');

    store.persist(true);
    expect(s.win.localStorage.getItem('k')).toBe('v');
    expect(s.win.document.cookie).toBe('k=v');
  });

  it('deletes from localStorage and the cookie when set to null', () => {
    const store = createStorage(s.win, true);
    store.set('k', 'v', true);
    store.set('k', null, true);
    vi.advanceTimersByTime(1); // happy-dom expires a max-age=0 cookie once its clock has moved on
    expect(store.get('k', true)).toBeNull();
    expect(s.win.localStorage.getItem('k')).toBeNull();
    expect(s.win.document.cookie).toBe('');
  });

  it('lists localStorage keys by prefix', () => {
    const store = createStorage(s.win, true);
    store.set('_cio_ob:1', 'a');
    store.set('_cio_ob:2', 'b');
    store.set('other', 'c');
    expect(store.keys('_cio_ob:').sort()).toEqual(['_cio_ob:1', '_cio_ob:2']);
  });

  it('encodes cookie values', () => {
    const store = createStorage(s.win, true);
    store.set('k', 'a b;c', true);
    s.win.localStorage.clear();
    expect(createStorage(s.win, true).get('k', true)).toBe('a b;c');
  });
});

describe('createStorage, on a page that extended Object.prototype', () => {
  it('writes no inherited name to localStorage or a cookie', () => {
    const proto = Object.prototype as any;
    // (happy-dom's own localStorage.getItem finds inherited names, Chromium's does not: the
    // lookups are specified in test/e2e/prototype-pollution.test.ts, in Chromium.)
    proto.extend = function () {};
    proto._cio_optout = '1';
    try {
      const store = createStorage(s.win, false);
      store.set('_cioid', 'u-1', true);
      store.persist(true); // writes what memory holds, and nothing else
      expect(Object.keys(s.win.localStorage).sort()).toEqual(['_cio_ok', '_cioid']); // _cio_ok: the harness's
      expect(s.win.document.cookie).toBe('_cioid=u-1');
    } finally {
      delete proto.extend;
      delete proto._cio_optout;
    }
  });
});

describe('createStorage, when localStorage refuses a new value of a cookie-mirrored key', () => {
  it("deletes that key's older copy (the cookie holds the new value); other keys keep theirs", () => {
    const store = createStorage(s.win, true);
    store.set('_cioid', 'alice', true);
    store.set('_cio_ob:1', 'older messages');
    vi.spyOn(s.win.localStorage, 'setItem').mockImplementation(() => {
      throw new DOMException('quota', 'QuotaExceededError');
    });
    store.set('_cioid', 'bob', true);
    store.set('_cio_ob:1', 'newer messages');
    expect(s.win.localStorage.getItem('_cioid')).toBeNull();
    expect(s.win.document.cookie).toBe('_cioid=bob');
    expect(s.win.localStorage.getItem('_cio_ob:1')).toBe('older messages'); // a stale outbox only risks a duplicate
    expect(store.get('_cioid')).toBe('bob'); // this page goes on with it, from memory
  });
});
