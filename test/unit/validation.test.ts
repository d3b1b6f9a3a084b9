// Bad input never throws and never reaches the collector: each bad call is one console.warn
// that names the call; good input in its accepted forms is sent as documented.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup, settle, storedIds, T0, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

describe('event names', () => {
  it.each<[string, unknown]>([
    ['empty', ''],
    ['blank', '   '],
    ['a number', 42],
    ['undefined', undefined],
    ['an object', { name: 'x' }],
  ])('warns once and sends nothing for a name that is %s', async (_, name) => {
    const cio = await s.open();
    expect(() => (cio.track as any)(name)).not.toThrow();
    await settle();
    expect(s.warnings()).toEqual(['tracklet: track(): the event name must be a non-empty string']);
    expect(s.outboxes()).toEqual({});
  });

  it('warns once and sends nothing for a name over 100 bytes', async () => {
    const cio = await s.open();
    cio.track('é'.repeat(51)); // 102 bytes in UTF-8, 51 characters
    await settle();
    expect(s.warnings()).toEqual(['tracklet: track(): the event name is over 100 bytes']);
    expect(s.outboxes()).toEqual({});
  });

  it('accepts a name of exactly 100 bytes', async () => {
    const cio = await s.open();
    cio.track('x'.repeat(100));
    await cio.flush();
    expect(s.sent()).toHaveLength(1);
    expect(s.warnings()).toEqual([]);
  });

  it('sends a name with spaces, warning about spaces only once', async () => {
    const cio = await s.open();
    cio.track('Added to cart');
    cio.track('Added to cart');
    await cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['Added to cart', 'Added to cart']);
    expect(s.warnings()).toEqual(['tracklet: track(): "Added to cart" has spaces; your_event_name is recommended']);
  });
});

describe('ids', () => {
  it.each<[string, unknown]>([
    ['empty', ''],
    ['blank', ' '],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['null', null],
    ['a boolean', true],
    ['an object without id', { email: 'a@b.co' }],
  ])('identify warns once and sends nothing for an id that is %s', async (_, id) => {
    const cio = await s.open();
    (cio.identify as any)(id);
    await settle();
    expect(s.warnings()).toEqual(['tracklet: identify(): id must be a non-empty string or a number']);
    expect(s.outboxes()).toEqual({});
  });

  it('identify warns once for an id over 150 bytes', async () => {
    const cio = await s.open();
    cio.identify('x'.repeat(151));
    await settle();
    expect(s.warnings()).toEqual(['tracklet: identify(): id is over 150 bytes']);
    expect(s.outboxes()).toEqual({});
  });

  it('identify sends a number id as a string', async () => {
    const cio = await s.open();
    cio.identify(7);
    await cio.flush();
    expect(s.sent()[0].userId).toBe('7');
  });
});

describe('timestamps', () => {
  const at = (m: any) => m.timestamp;

  it.each<[string, unknown]>([
    ['unix seconds', 1700000000],
    ['a Date', new Date('2023-11-14T22:13:20.000Z')],
    ['an ISO string', '2023-11-14T22:13:20.000Z'],
    ['an ISO string with an offset', '2023-11-14T23:13:20+01:00'],
  ])('accepts %s without a warning', async (_, timestamp) => {
    const cio = await s.open();
    cio.track('backfilled', {}, { timestamp: timestamp as any });
    await cio.flush();
    expect(s.sent().map(at)).toEqual(['2023-11-14T22:13:20.000Z']);
    expect(s.warnings()).toEqual([]);
  });

  it('reads milliseconds as milliseconds and warns once', async () => {
    const cio = await s.open();
    cio.track('backfilled', {}, { timestamp: 1700000000000 });
    await cio.flush();
    expect(s.sent().map(at)).toEqual(['2023-11-14T22:13:20.000Z']);
    expect(s.warnings()).toEqual([
      'tracklet: track(): timestamp looks like milliseconds; it was read as such (pass unix seconds)',
    ]);
  });

  it('keeps the last millisecond of the year 9999', async () => {
    const cio = await s.open();
    cio.track('backfilled', {}, { timestamp: new Date('9999-12-31T23:59:59.999Z') });
    await cio.flush();
    expect(s.sent().map(at)).toEqual(['9999-12-31T23:59:59.999Z']);
    expect(s.warnings()).toEqual([]);
  });

  it.each<[string, unknown]>([
    ['an unparsable string', 'yesterday'],
    ['a negative number', -5],
    ['an invalid Date', new Date('nope')],
    ['microseconds (the year 55,000: past 9999, which an ISO string and the collector cannot carry)', 1700000000000000],
    ['a Date after the year 9999', new Date(Date.UTC(10000, 0, 1))],
    ['an ISO string with a six-digit year', '+010000-01-01T00:00:00.000Z'],
  ])('uses the time of the call for %s and warns once', async (_, timestamp) => {
    const cio = await s.open();
    cio.track('backfilled', {}, { timestamp: timestamp as any });
    await cio.flush();
    expect(s.sent().map(at)).toEqual(['2026-11-29T10:00:00.000Z']);
    expect(s.warnings()).toEqual([
      'tracklet: track(): timestamp must be unix seconds, a Date or an ISO string; the time of the call is used',
    ]);
  });
});

describe('event data', () => {
  it('leaves out data that is not an object, warns once, and still sends the event', async () => {
    const cio = await s.open();
    (cio.track as any)('x', 'not an object');
    await cio.flush();
    expect(s.sent()[0].properties).toEqual({});
    expect(s.warnings()).toEqual(['tracklet: track(): data must be a readable object; left out']);
  });

  it('drops a message over 32 KB with one warning', async () => {
    const cio = await s.open();
    const dropped = vi.fn();
    cio.on('dropped', dropped);
    cio.track('huge', { blob: 'x'.repeat(33_000) });
    await settle();
    expect(s.outboxes()).toEqual({});
    expect(s.warnings()).toHaveLength(1);
    expect(s.warnings()[0]).toMatch(/^tracklet: track\(\): huge is \d+ bytes, over the 32 KB message limit; dropped$/);
    expect(dropped).toHaveBeenCalledWith({ count: 1 });
  });

  it('drops data with too many values to ever fit, with one warning, without walking it all', async () => {
    const cio = await s.open();
    cio.track('huge', { list: new Array(100_000).fill(0) });
    await settle();
    expect(s.outboxes()).toEqual({});
    expect(s.warnings()).toEqual(['tracklet: track(): huge: data is over the 32 KB message limit; dropped']);
  });

  it('cleans hostile data instead of throwing', async () => {
    const cio = await s.open();
    const data: any = { n: 1, big: 10n, nan: NaN, when: new Date(0), fn: () => 1, node: s.win.document.body };
    data.self = data;
    Object.defineProperty(data, 'boom', {
      enumerable: true,
      get: () => {
        throw new Error('getter');
      },
    });
    cio.track('x', data);
    await cio.flush();
    expect(s.sent()[0].properties).toStrictEqual({
      n: 1,
      big: '10',
      nan: null,
      when: '1970-01-01T00:00:00.000Z',
      self: '[Circular]',
    });
    expect(s.warnings()).toEqual([]);
  });
});

describe('other calls', () => {
  it.each<[string, (cio: any) => void, string]>([
    ['page', (cio) => cio.page(42), 'tracklet: page(): the name or URL must be a string'],
    ['consent', (cio) => cio.consent('yes'), 'tracklet: consent(): pass true or false'],
    ['on', (cio) => cio.on('sent', 'not a function'), 'tracklet: on(): the handler must be a function'],
  ])('%s with a bad argument warns once, naming the call', async (_, call, warning) => {
    const cio = await s.open();
    call(cio);
    await settle();
    expect(s.warnings()).toEqual([warning]);
    expect(storedIds(s.outboxes())).toEqual([]);
  });

  it('ignores every call, with one warning, when siteId is missing', async () => {
    const cio = s.tracker({ siteId: '' });
    cio.track('a');
    cio.identify('1');
    cio.page();
    await expect(cio.flush()).resolves.toBeUndefined();
    await settle();
    expect(s.warnings()).toEqual(['tracklet: createTracker(): siteId is required; calls are ignored']);
    expect(s.requests).toEqual([]);
  });
});

describe('a backfilled timestamp past the end of Date range', () => {
  it('(unix seconds of year ~318,000) is read as milliseconds, with a warning, instead of losing the event', async () => {
    const cio = await s.open();
    cio.track('a', {}, { timestamp: 1e13 });
    await cio.flush();
    expect(s.sent().map((m: any) => [m.event, m.timestamp])).toEqual([['a', new Date(1e13).toISOString()]]);
    expect(s.warnings()).toEqual([
      'tracklet: track(): timestamp looks like milliseconds; it was read as such (pass unix seconds)',
    ]);
  });

  it('(nanoseconds) falls back to the call time, with a warning, instead of losing the event', async () => {
    const cio = await s.open();
    cio.track('a', {}, { timestamp: 1.78e18 });
    await cio.flush();
    expect(s.sent().map((m: any) => [m.event, m.timestamp])).toEqual([['a', new Date(T0).toISOString()]]);
    expect(s.warnings()).toEqual([
      'tracklet: track(): timestamp must be unix seconds, a Date or an ISO string; the time of the call is used',
    ]);
  });
});

it('sends data that is not an object of properties (a Date, a typed array) as {} with a warning', async () => {
  const cio = await s.open();
  cio.track('a', new Date(0) as any);
  cio.track('b', new Uint8Array(2) as any);
  await cio.flush();
  expect(s.sent().map((m: any) => m.properties)).toEqual([{}, {}]);
  expect(s.warnings()).toEqual([
    'tracklet: track(): data must be a readable object; left out',
    'tracklet: track(): data must be a readable object; left out',
  ]);
});
