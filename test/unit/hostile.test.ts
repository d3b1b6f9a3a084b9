// Hostile input through the public API (createTracker): event data that is not plain JSON,
// prototype-pollution keys, wrong arguments to every method, and a page that breaks the globals
// the library depends on after the tracker was created. Each case: nothing thrown, the bad part
// dropped or converted, the rest of the data sent intact, and a warning only where one helps.
// docs/security.md lists every case with its outcome and the name of the spec that proves it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_DEPTH } from '../../src/sanitize';
import { MAX_MESSAGE_BYTES } from '../../src/limits';
import { bytes, setup, settle, T0, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

/** Tracks `data` as event "hostile", flushes, and returns the one message that went out. */
async function trackOne(data: unknown): Promise<any> {
  const cio = await s.open();
  expect(() => cio.track('hostile', data as any)).not.toThrow();
  await cio.flush();
  const sent = s.sent();
  expect(sent).toHaveLength(1);
  return sent[0];
}

/** A fetch body's message as the collector sees it: its JSON text, parsed again. */
const sentProperties = async (data: unknown) => (await trackOne(data)).properties;

describe('event data that is not plain JSON', () => {
  it('replaces a cycle with "[Circular]" and sends the rest, without a warning', async () => {
    const data: any = { keep: 'me', list: [1, 2] };
    data.self = data;
    data.list.push(data.list);
    expect(await sentProperties(data)).toStrictEqual({ keep: 'me', list: [1, 2, '[Circular]'], self: '[Circular]' });
    expect(s.warnings()).toEqual([]);
  });

  it('sends a BigInt as its decimal string', async () => {
    expect(await sentProperties({ big: 2n ** 70n, keep: 1 })).toStrictEqual({ big: '1180591620717411303424', keep: 1 });
    expect(s.warnings()).toEqual([]);
  });

  it('drops functions, symbols and undefined values (null in arrays), as JSON.stringify does', async () => {
    const data = {
      f() {},
      s: Symbol('x'),
      u: undefined,
      [Symbol('key')]: 1,
      list: [() => 1, Symbol('y'), undefined, 2],
      keep: true,
    };
    expect(await sentProperties(data)).toStrictEqual({ list: [null, null, null, 2], keep: true });
    expect(s.warnings()).toEqual([]);
  });

  it('sends a Date as its ISO string and an invalid Date as null', async () => {
    expect(await sentProperties({ at: new Date(0), bad: new Date('nope'), keep: 1 })).toStrictEqual({
      at: '1970-01-01T00:00:00.000Z',
      bad: null,
      keep: 1,
    });
  });

  it('sends NaN, Infinity and -Infinity as null', async () => {
    expect(await sentProperties({ a: NaN, b: Infinity, c: -Infinity, list: [NaN], keep: 0 })).toStrictEqual({
      a: null,
      b: null,
      c: null,
      list: [null],
      keep: 0,
    });
  });

  it('drops DOM nodes, the document and the window, keeping the other keys', async () => {
    const el = s.win.document.createElement('div');
    const data = {
      el,
      text: s.win.document.createTextNode('x'),
      doc: s.win.document,
      win: s.win,
      list: [el],
      keep: 'yes',
    };
    expect(await sentProperties(data)).toStrictEqual({ list: [null], keep: 'yes' });
    expect(s.warnings()).toEqual([]);
  });

  it('sends typed arrays as arrays of numbers (BigInt64Array as strings)', async () => {
    const data = {
      u8: new Uint8Array([1, 255]),
      f64: new Float64Array([0.5, NaN]),
      big: new BigInt64Array([3n]),
      keep: 1,
    };
    expect(await sentProperties(data)).toStrictEqual({ u8: [1, 255], f64: [0.5, null], big: ['3'], keep: 1 });
  });

  it('drops a key whose getter throws, and keeps the others', async () => {
    const data: any = { keep: 1 };
    Object.defineProperty(data, 'bad', {
      enumerable: true,
      get: () => {
        throw new Error('getter');
      },
    });
    data.nested = { ok: 2 };
    Object.defineProperty(data.nested, 'bad', {
      enumerable: true,
      get: () => {
        throw Symbol('thrown symbol');
      },
    });
    expect(await sentProperties(data)).toStrictEqual({ keep: 1, nested: { ok: 2 } });
  });

  it("drops an identify trait whose getter throws and keeps the call and the other traits; track's options alike", async () => {
    // Only the names the library reads (identify's `id`, track's `timestamp` and `messageId`) are read
    // from the caller's object itself: a getter elsewhere on it is the data's cleaning's business.
    const cio = await s.open();
    const throwing = (o: any) =>
      Object.defineProperty(o, 'bad', {
        enumerable: true,
        get: () => {
          throw new Error('getter');
        },
      });
    cio.identify(throwing({ id: 'u1', email: 'u1@example.com' }));
    cio.track('backfilled', {}, throwing({ timestamp: 1_700_000_000 }));
    await cio.flush();
    const [identify, track] = s.sent();
    expect([identify.type, identify.userId, identify.traits]).toEqual(['identify', 'u1', { email: 'u1@example.com' }]);
    expect([track.event, track.timestamp]).toEqual(['backfilled', '2023-11-14T22:13:20.000Z']);
    expect(s.warnings()).toEqual([]);
  });

  it('drops a nested Proxy whose traps throw, and keeps the others', async () => {
    const trap = () => {
      throw new Error('trap');
    };
    const hostile = new Proxy({}, { get: trap, ownKeys: trap, getPrototypeOf: trap, has: trap });
    const revocable = Proxy.revocable({}, {});
    revocable.revoke();
    expect(await sentProperties({ hostile, revoked: revocable.proxy, keep: 1 })).toStrictEqual({ keep: 1 });
  });

  it('leaves out top-level data that is a throwing Proxy with one warning, and still sends the event', async () => {
    const trap = () => {
      throw new Error('trap');
    };
    const message = await trackOne(new Proxy({}, { get: trap, ownKeys: trap, getPrototypeOf: trap }));
    expect(message.event).toBe('hostile');
    expect(message.properties).toStrictEqual({});
    expect(s.warnings()).toEqual(['tracklet: track(): data must be a readable object; left out']);
  });

  it('never calls a toJSON the data carries', async () => {
    const toJSON = vi.fn(() => {
      throw new Error('toJSON');
    });
    expect(await sentProperties({ toJSON, nested: { toJSON, v: 1 } })).toStrictEqual({ nested: { v: 1 } });
    expect(toJSON).not.toHaveBeenCalled();
  });

  it(`cuts nesting 1,000 deep at MAX_DEPTH (${MAX_DEPTH}) with "[Truncated]", and sends the message`, async () => {
    let deep: any = 'bottom';
    for (let i = 0; i < 1000; i++) deep = i % 2 ? { d: deep } : [deep];
    let out = (await sentProperties({ deep, keep: 1 })).deep;
    let levels = 1; // properties itself is level 0
    while (typeof out == 'object') {
      out = Array.isArray(out) ? out[0] : out.d;
      levels++;
    }
    expect(out).toBe('[Truncated]');
    expect(levels).toBe(MAX_DEPTH + 1);
    expect(s.warnings()).toEqual([]);
  });

  it('drops an object with 1,000,000 keys with one warning naming the event', async () => {
    const huge: Record<string, number> = {};
    for (let i = 0; i < 1_000_000; i++) huge['k' + i] = i;
    const cio = await s.open();
    expect(() => cio.track('million_keys', huge)).not.toThrow();
    cio.track('after', { ok: 1 });
    await cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['after']);
    expect(s.warnings()).toEqual(['tracklet: track(): million_keys: data is over the 32 KB message limit; dropped']);
  }, 30_000); // building a million keys takes seconds on a loaded 2-core machine

  it('drops a message over 32 KB (a 2 MB string) with one warning naming the event, and keeps tracking', async () => {
    const cio = await s.open();
    cio.track('big_upload', { blob: 'x'.repeat(2_000_000) });
    cio.identify('u1', { bio: 'é'.repeat(1_000_000) });
    cio.track('after', { ok: 1 });
    await cio.flush();
    expect(s.sent().map((m: any) => m.event ?? m.type)).toEqual(['after']);
    expect(s.warnings()).toHaveLength(2);
    expect(s.warnings()[0]).toMatch(
      /^tracklet: track\(\): big_upload is \d+ bytes, over the 32 KB message limit; dropped$/,
    );
    expect(s.warnings()[1]).toMatch(
      /^tracklet: identify\(\): identify is \d+ bytes, over the 32 KB message limit; dropped$/,
    );
  });

  it('sends a message just under 32 KB whole', async () => {
    const cio = await s.open();
    cio.track('near_limit', { blob: 'x'.repeat(MAX_MESSAGE_BYTES - 1200) });
    await cio.flush();
    const [request] = s.requests;
    expect(request.json.batch[0].properties.blob).toHaveLength(MAX_MESSAGE_BYTES - 1200);
    expect(bytes(JSON.stringify(request.json.batch[0]))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
  });
});

describe('prototype pollution', () => {
  const payload =
    '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1},"keep":1}';
  /** The keys as the collector parses them: JSON.parse keeps "__proto__" as an own key. */
  const asSent = (body: string) => JSON.parse(body);

  afterEach(() => {
    expect(({} as any).polluted).toBeUndefined();
    expect((Object.prototype as any).polluted).toBeUndefined();
  });

  it('carries __proto__, constructor and prototype in track data as plain keys', async () => {
    const cio = await s.open();
    cio.track('proto', JSON.parse(payload));
    cio.page('Home', JSON.parse(payload));
    await cio.flush();
    const [track, page] = asSent(s.requests[0].body).batch;
    expect(Object.keys(track.properties)).toEqual(['__proto__', 'constructor', 'prototype', 'keep']);
    expect(JSON.stringify(track.properties)).toBe(payload);
    expect(Object.getPrototypeOf(track.properties)).toBe(Object.prototype);
    expect(page.properties.keep).toBe(1);
    expect(Object.keys(page.properties)).toEqual([
      'url',
      'path',
      'referrer',
      'title',
      'search',
      '__proto__',
      'constructor',
      'prototype',
      'keep',
    ]);
    expect(s.requests[0].body).toContain('"__proto__":{"polluted":1}');
  });

  it('carries them in identify attributes (both call shapes) without merging them into a prototype', async () => {
    const cio = await s.open();
    cio.identify('u1', JSON.parse(payload));
    cio.identify(JSON.parse('{"id":"u2","__proto__":{"polluted":1},"email":"u2@example.com"}'));
    await cio.flush();
    const [first, second] = asSent(s.requests[0].body).batch;
    expect(first.userId).toBe('u1');
    expect(Object.keys(first.traits)).toEqual(['__proto__', 'constructor', 'prototype', 'keep']);
    expect(second.userId).toBe('u2');
    expect(Object.keys(second.traits)).toEqual(['__proto__', 'email']);
  });

  it('reads no option from a polluted-looking options object', async () => {
    const cio = await s.open();
    cio.track('opts', {}, JSON.parse('{"__proto__":{"timestamp":0}}'));
    await cio.flush();
    expect(s.sent()[0].timestamp).toBe(new Date(Date.now()).toISOString());
  });

  it.each(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'])(
    'on/off with the event name %s warn at most, and pollute nothing',
    async (name) => {
      const cio = await s.open();
      const handler = () => {};
      expect(() => cio.on(name as any, handler)).not.toThrow();
      expect(() => cio.off(name as any, handler)).not.toThrow();
      cio.track('still_works');
      await cio.flush();
      expect(s.sent().map((m: any) => m.event)).toEqual(['still_works']);
      expect((Object.prototype as any).push).toBeUndefined();
      expect(typeof Object.prototype.hasOwnProperty).toBe('function');
    },
  );

  // An outbox entry's state is in its own fields `f` (where it is) and `k` (carried by the browser
  // with our trust): read through the prototype, an `f` kept what another tab left from ever
  // being sent, and a `k` kept this tab's messages out of storage.
  it.each(['f', 'k'])(
    'stores, and sends, what this tab and another left with Object.prototype.%s set',
    async (name) => {
      const message = { type: 'track', messageId: 'left-1', event: 'left', properties: {}, context: {} };
      s.win.localStorage.setItem(`_cio_ob:${'0'.repeat(36)}`, JSON.stringify({ q: [[T0 - 1000, message]] }));
      (Object.prototype as any)[name] = 1;
      try {
        const cio = await s.open({ flushAt: 100, flushIntervalMs: 60_000 });
        cio.track('stored');
        await settle();
        const stored = Object.values(s.outboxes()).flatMap((o: any) => o.q.map(([, m]: [number, any]) => m.event));
        expect(stored).toContain('stored');
        await cio.flush();
      } finally {
        delete (Object.prototype as any)[name];
      }
      expect(s.sent().map((m: any) => m.event)).toEqual(['left', 'stored']);
    },
  );
});

describe('wrong arguments to every method', () => {
  // [call, arguments, warnings expected, whether a message is sent]
  const cases: [string, unknown[], number, boolean][] = [
    ['identify', [], 1, false],
    ['identify', [null], 1, false],
    ['identify', [{}], 1, false],
    ['identify', [NaN], 1, false],
    ['identify', [''], 1, false],
    ['identify', ['x'.repeat(151)], 1, false],
    ['identify', [['u1']], 1, false],
    ['identify', [Symbol('id')], 1, false],
    ['identify', ['u1', 'not an object'], 1, true],
    ['identify', ['u1', [1, 2]], 1, true],
    ['identify', ['u1', {}, 'extra', 4, null], 0, true],
    ['track', [], 1, false],
    ['track', [42], 1, false],
    ['track', [{ name: 'x' }], 1, false],
    ['track', ['   '], 1, false],
    ['track', ['x'.repeat(101)], 1, false],
    ['track', ['e', 'not an object'], 1, true],
    ['track', ['e', 7], 1, true],
    ['track', ['e', {}, 'not options'], 0, true],
    ['track', ['e', {}, { timestamp: 'not a date' }], 1, true],
    ['track', ['e', {}, { timestamp: {} }], 1, true],
    ['track', ['e', {}, { timestamp: -5 }], 1, true],
    ['track', ['e', {}, {}, 'extra', () => 1], 0, true],
    ['page', [42], 1, false],
    ['page', [{ title: 'x' }], 1, false],
    ['page', ['Home', 'not an object'], 1, true],
    ['page', ['http://['], 1, false],
    ['page', ['Home', {}, 'extra'], 0, true],
    ['reset', ['extra', 1], 0, false],
    ['flush', ['extra', {}], 0, false],
    ['consent', [], 1, false],
    ['consent', ['yes'], 1, false],
    ['consent', [1], 1, false],
    ['on', [], 1, false],
    ['on', ['sent', 'not a function'], 1, false],
    ['off', [], 1, false], // "undefined" is not a delivery event
    ['off', [42, 42, 42], 1, false],
  ];
  it.each(cases)('%s(%j) throws nothing and warns %i time(s)', async (method, args, warnings, isSent) => {
    const cio: any = await s.open();
    let result: unknown;
    expect(() => (result = cio[method](...args))).not.toThrow();
    if (method == 'flush') await expect(result).resolves.toBeUndefined();
    cio.track('after');
    await cio.flush();
    expect(s.warnings()).toHaveLength(warnings);
    const events = s.sent().map((m: any) => m.event ?? m.type);
    expect(events).toEqual(isSent ? [method == 'track' ? 'e' : method, 'after'] : ['after']);
  });

  it('flush() resolves, never rejects, when fetch throws synchronously', async () => {
    const cio = await s.open(
      {},
      {
        fetch: (() => {
          throw new Error('sync');
        }) as any,
      },
    );
    cio.track('e');
    await expect(cio.flush()).resolves.toBeUndefined();
  });
});

describe('a page that breaks globals after the tracker was created (npm entry, default io)', () => {
  /**
   * A tracker on this window using the library's own defaults for fetch, sendBeacon and
   * JSON.stringify (taken from the window when the tracker is created), not the harness's fakes.
   */
  async function openWithBrowserDefaults() {
    const w = s.win as any;
    w.fetch = s.fetch;
    Object.defineProperty(w.navigator, 'sendBeacon', { value: s.sendBeacon, configurable: true, writable: true });
    const { fetch: _f, sendBeacon: _b, ...io } = s.io;
    const { createTracker } = await import('../../src/index');
    const cio = createTracker({ siteId: 'site-1', endpoint: 'https://collect.example', autoTrackPage: false }, io);
    await settle();
    return cio;
  }

  const broken = () => {
    throw new Error('broken by the page');
  };
  const saved = { stringify: JSON.stringify, Promise: globalThis.Promise };
  afterEach(() => {
    JSON.stringify = saved.stringify;
    globalThis.Promise = saved.Promise;
    delete (Array.prototype as any).toJSON;
    delete (Object.prototype as any).toJSON;
  });

  it('keeps its own fetch when the page replaces window.fetch', async () => {
    const cio = await openWithBrowserDefaults();
    (s.win as any).fetch = vi.fn(broken);
    cio.track('e', { n: 1 });
    await cio.flush();
    expect(s.sent().map((m: any) => m.properties)).toEqual([{ n: 1 }]);
    expect((s.win as any).fetch).not.toHaveBeenCalled();
  });

  it('keeps its own sendBeacon when the page replaces navigator.sendBeacon', async () => {
    const cio = await openWithBrowserDefaults();
    const replaced = vi.fn(broken);
    Object.defineProperty(s.win.navigator, 'sendBeacon', { value: replaced, configurable: true });
    cio.track('e', { n: 1 });
    s.hide();
    expect(replaced).not.toHaveBeenCalled();
    const [body] = await s.beaconBodies();
    expect(JSON.parse(body).batch[0].properties).toEqual({ n: 1 });
  });

  it('keeps its own JSON.stringify when the page replaces it with a broken one', async () => {
    const cio = await openWithBrowserDefaults();
    JSON.stringify = (() => '{broken') as any;
    cio.track('e', { list: [1, 2] });
    JSON.stringify = saved.stringify;
    await cio.flush();
    expect(s.sent()[0].properties).toEqual({ list: [1, 2] });
    expect(s.warnings()).toEqual([]);
  });

  it('ignores a toJSON the page puts on Array.prototype and Object.prototype, and restores them', async () => {
    const cio = await openWithBrowserDefaults();
    const arrayToJSON = function (this: unknown[]) {
      return 'array as string';
    };
    const objectToJSON = broken;
    (Array.prototype as any).toJSON = arrayToJSON;
    (Object.prototype as any).toJSON = objectToJSON;
    cio.track('e', { list: [1, [2]], o: { a: 1 } });
    await cio.flush();
    expect((Array.prototype as any).toJSON).toBe(arrayToJSON);
    expect((Object.prototype as any).toJSON).toBe(objectToJSON);
    delete (Array.prototype as any).toJSON;
    delete (Object.prototype as any).toJSON;
    expect(s.sent()[0].properties).toEqual({ list: [1, [2]], o: { a: 1 } });
  });

  it('does not depend on the global Promise once created', async () => {
    const cio = await openWithBrowserDefaults();
    (globalThis as any).Promise = function BrokenPromise() {
      throw new Error('broken Promise');
    };
    let flushed: unknown;
    try {
      expect(() => cio.track('e', { n: 1 })).not.toThrow();
      expect(() => (flushed = cio.flush())).not.toThrow();
    } finally {
      globalThis.Promise = saved.Promise;
    }
    await flushed;
    await settle();
    expect(s.sent().map((m: any) => m.event)).toEqual(['e']);
  });

  it('keeps the localStorage it already read when the page later replaces the getter with a throwing one', async () => {
    const cio = await openWithBrowserDefaults();
    const area = s.win.localStorage;
    Object.defineProperty(s.win, 'localStorage', { get: broken, configurable: true });
    cio.identify('u1');
    expect(area.getItem('_cioid')).toBe('u1'); // written where it was, not to memory only
    cio.track('e');
    await cio.flush();
    expect(s.sent().map((m: any) => [m.type, m.userId])).toEqual([
      ['identify', 'u1'],
      ['track', 'u1'],
    ]);
    expect(s.warnings()).toEqual([]);
  });

  it('falls back to memory when localStorage methods throw (quota, policy)', async () => {
    const cio = await openWithBrowserDefaults();
    const ls = s.win.localStorage as any;
    for (const m of ['getItem', 'setItem', 'removeItem', 'key'])
      Object.defineProperty(ls, m, { value: broken, configurable: true });
    cio.track('e');
    await cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['e']);
  });

  it('never lets a broken console.warn throw into the page', async () => {
    const cio = await s.open({}, { console: { warn: broken, log: broken } });
    expect(() => cio.track(undefined as any)).not.toThrow();
    expect(() => (cio as any).consent('maybe')).not.toThrow();
  });
});
