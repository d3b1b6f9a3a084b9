// @vitest-environment node
// Server-side rendering: importing the library touches no browser global, and createTracker
// returns a tracker whose calls are ignored with one warning.
import { afterEach, describe, expect, it, vi } from 'vitest';

const BROWSER_GLOBALS = ['window', 'document', 'navigator', 'localStorage', 'location', 'history'];

afterEach(() => vi.restoreAllMocks());

describe('in Node (SSR)', () => {
  it('importing the library reads no browser global', async () => {
    const touched: string[] = [];
    const saved = BROWSER_GLOBALS.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const);
    for (const name of BROWSER_GLOBALS) {
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get: () => {
          touched.push(name);
          return undefined;
        },
      });
    }
    try {
      vi.resetModules();
      const lib = await import('../../src/index');
      expect(typeof lib.createTracker).toBe('function');
    } finally {
      for (const [name, d] of saved) {
        delete (globalThis as any)[name];
        if (d) Object.defineProperty(globalThis, name, d);
      }
    }
    expect(touched).toEqual([]);
  });

  it('returns a tracker that ignores every call with one warning and never throws', async () => {
    expect(typeof window).toBe('undefined');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const fetch = vi.fn();
    const { createTracker } = await import('../../src/index');
    const cio = createTracker({ siteId: 'site-1' }, { fetch });
    cio.identify('42', { email: 'a@b.co' });
    cio.track('x', { n: 1 });
    cio.page();
    cio.reset();
    cio.consent(true);
    cio.on('sent', () => {});
    cio.off('sent', () => {});
    await expect(cio.flush()).resolves.toBeUndefined();
    expect(fetch).not.toHaveBeenCalled();
    expect(warn.mock.calls).toEqual([['tracklet: createTracker(): ignored outside a browser']]);
  });
});
