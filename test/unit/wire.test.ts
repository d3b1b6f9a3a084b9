// The request body, headers and message fields, exactly as docs/protocol.md documents them.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { BATCH_URL, setup, settle, uuid, type Setup } from './harness';

/** The version package.json names: the build and vitest's `define` stamp it on every message. */
const PACKAGE_VERSION: string = JSON.parse(readFileSync('package.json', 'utf8')).version;

let s: Setup;
beforeEach(() => {
  s = setup();
  s.win.document.title = 'A-1';
});
afterEach(() => vi.useRealTimers());

const context = (s: Setup) => ({
  page: { url: 'https://shop.example/p/a-1?ref=mail', path: '/p/a-1', referrer: '', title: 'A-1', search: '?ref=mail' },
  userAgent: s.win.navigator.userAgent,
  locale: s.win.navigator.language,
  library: { name: 'tracklet', version: PACKAGE_VERSION },
});

/** The id of the n-th message of a page whose third randomId() is uuid(3) (anonymousId, tab key, prefix). */
const messageId = (n: number) => uuid(3).replace(/-/g, '').slice(0, 20) + n.toString(36);

describe('the wire format', () => {
  it('posts {writeKey, sentAt, context, batch} as plain JSON in text/plain to {endpoint}/v1/batch, with no query string and no credentials', async () => {
    const cio = await s.open();
    cio.track('added_to_cart', { sku: 'A-1', price: 19.5 });
    vi.advanceTimersByTime(250);
    await cio.flush();

    expect(s.requests).toHaveLength(1);
    const [r] = s.requests;
    expect(r.url).toBe(BATCH_URL);
    expect(r.init.method).toBe('POST');
    expect(r.init.headers).toEqual({ 'Content-Type': 'text/plain;charset=UTF-8' });
    expect(r.init.credentials).toBe('omit');
    expect(typeof r.init.body).toBe('string');
    expect(Object.keys(r.json)).toEqual(['writeKey', 'sentAt', 'context', 'batch']);
    expect(r.json).toStrictEqual({
      writeKey: 'site-1',
      sentAt: '2026-11-29T10:00:00.250Z',
      context: context(s),
      batch: [
        {
          type: 'track',
          messageId: messageId(1),
          timestamp: '2026-11-29T10:00:00.000Z',
          anonymousId: uuid(1),
          event: 'added_to_cart',
          properties: { sku: 'A-1', price: 19.5 },
          context: context(s),
        },
      ],
    });
  });

  it("puts one page's calls in a request, its context as the request's (Customer.io applies that to all calls)", async () => {
    const cio = await s.open();
    cio.track('on_a');
    await vi.advanceTimersByTimeAsync(0);
    s.win.history.pushState({}, '', '/b');
    cio.track('on_b');
    await vi.advanceTimersByTimeAsync(0);
    s.win.history.pushState({}, '', '/p/a-1?ref=mail');
    cio.track('on_a_again');
    await cio.flush();
    expect(
      s.requests.map((r) => [
        r.json.context.page.path,
        r.json.batch.map((m: any) => [m.event, m.context.page.path, m.context.page.url == r.json.context.page.url]),
      ]),
    ).toEqual([
      ['/p/a-1', [['on_a', '/p/a-1', true]]],
      ['/b', [['on_b', '/b', true]]],
      ['/p/a-1', [['on_a_again', '/p/a-1', true]]],
    ]);
  });

  it("takes the request's context from the message's own, whatever event data or a title hold (the sender cuts it from the message's JSON)", async () => {
    s.win.document.title = 'A "context":{"page":{}} title';
    const cio = await s.open();
    cio.track('with_context', { context: { page: { path: '/not-this' } }, nested: { context: '"context":' } });
    await cio.flush();
    const [r] = s.requests;
    const expected = context(s);
    expected.page.title = 'A "context":{"page":{}} title';
    expect(r.json.context).toStrictEqual(expected);
    expect(r.json.batch[0].context).toStrictEqual(expected);
    expect(r.json.batch[0].properties).toStrictEqual({
      context: { page: { path: '/not-this' } },
      nested: { context: '"context":' },
    });
  });

  it("gives each message its page's context at its build (a new title, URL or language, a new context), its JSON exactly JSON.stringify's", async () => {
    const cio = await s.open({ autoTrackPage: false });
    const locale = s.win.navigator.language;
    cio.track('first');
    cio.track('same_page');
    await vi.advanceTimersByTimeAsync(0);
    s.win.document.title = 'Größe €';
    cio.track('new_title');
    await vi.advanceTimersByTimeAsync(0);
    s.win.history.pushState({}, '', '/b?x=1');
    cio.track('new_url');
    await vi.advanceTimersByTimeAsync(0);
    Object.defineProperty(s.win.navigator, 'language', { value: 'de-DE', configurable: true });
    cio.track('new_language');
    await cio.flush();
    const batch = s.requests.flatMap((r) => r.json.batch);
    expect(batch.map((m: any) => [m.event, m.context.page.title, m.context.page.path, m.context.locale])).toEqual([
      ['first', 'A-1', '/p/a-1', locale],
      ['same_page', 'A-1', '/p/a-1', locale],
      ['new_title', 'Größe €', '/p/a-1', locale],
      ['new_url', 'Größe €', '/b', locale],
      ['new_language', 'Größe €', '/b', 'de-DE'],
    ]);
    // The request bodies hold each message's JSON as JSON.stringify writes it (context last).
    const bodies = s.requests.map((r) => r.init.body as string).join('');
    for (const m of batch) expect(bodies).toContain(JSON.stringify(m));
    expect(batch[4].context).toStrictEqual({ ...context(s), page: batch[4].context.page });
  });

  it("counts the context in a message's size: a page title of 33,000 UTF-8 bytes (11,000 characters) makes every message too large", async () => {
    s.win.document.title = '€'.repeat(11_000);
    const cio = await s.open({ autoTrackPage: false });
    cio.track('small');
    await cio.flush();
    expect(s.requests).toHaveLength(0);
    const bytes = Number(/is (\d+) bytes/.exec(s.warnings()[0])![1]);
    expect(bytes).toBeGreaterThan(33_000);
    expect(bytes).toBeLessThan(34_000);
  });

  it('sends identify with traits, then every later message carries the userId', async () => {
    const cio = await s.open();
    cio.identify({ id: 42, email: 'a@b.co', created_at: 1700000000 });
    cio.track('added_to_cart');
    await cio.flush();

    expect(s.sent()).toStrictEqual([
      {
        type: 'identify',
        messageId: messageId(1),
        timestamp: '2026-11-29T10:00:00.000Z',
        anonymousId: uuid(1),
        userId: '42',
        traits: { email: 'a@b.co', created_at: 1700000000 },
        context: context(s),
      },
      {
        type: 'track',
        messageId: messageId(2),
        timestamp: '2026-11-29T10:00:00.000Z',
        anonymousId: uuid(1),
        userId: '42',
        event: 'added_to_cart',
        properties: {},
        context: context(s),
      },
    ]);
  });

  it('accepts identify(id, traits) as well as identify({ id, ...traits })', async () => {
    const cio = await s.open();
    cio.identify('u-7', { email: 'u7@example.com' });
    await cio.flush();
    expect(s.sent()[0]).toMatchObject({ type: 'identify', userId: 'u-7', traits: { email: 'u7@example.com' } });
  });

  it('sends page with name and properties holding url, path, referrer, title, search and the data passed', async () => {
    const cio = await s.open();
    cio.page('Pricing', { plan: 'pro' });
    await cio.flush();

    expect(s.sent()).toStrictEqual([
      {
        type: 'page',
        messageId: messageId(1),
        timestamp: '2026-11-29T10:00:00.000Z',
        anonymousId: uuid(1),
        name: 'Pricing',
        properties: { ...context(s).page, plan: 'pro' },
        context: context(s),
      },
    ]);
  });

  it('reads a page() argument that is a path or URL as the page url, not a name', async () => {
    const cio = await s.open();
    cio.page('/virtual/step-2');
    await cio.flush();
    const [m] = s.sent();
    expect(m.name).toBeUndefined();
    expect(m.properties.url).toBe('https://shop.example/virtual/step-2');
  });

  it('sends a page view when created, unless autoTrackPage is false', async () => {
    const cio = await s.open({ autoTrackPage: true });
    await cio.flush();
    expect(s.sent().map((m: any) => m.type)).toEqual(['page']);

    const quiet = setup();
    await (await quiet.open()).flush();
    expect(quiet.requests).toHaveLength(0);
  });

  it('defaults the endpoint to the page origin', async () => {
    const cio = await s.open({ endpoint: undefined });
    cio.track('x');
    await cio.flush();
    expect(s.requests[0].url).toBe('https://shop.example/v1/batch');
  });

  it('gives every message its own id, a random page prefix and a counter, reused when the message is sent again', async () => {
    const real = setup();
    delete real.io.randomId;
    const cio = await real.open();
    real.answers.push(500);
    cio.track('a');
    cio.track('b');
    await cio.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    const [first, second] = real.requests.map((r) => r.json.batch.map((m: any) => m.messageId));
    expect(first).toHaveLength(2);
    expect(new Set(first).size).toBe(2);
    for (const id of first) expect(id).toMatch(/^[0-9a-f]{20}[0-9a-z]+$/); // 80 random bits, then the counter
    const other = setup();
    delete other.io.randomId;
    const page2 = await other.open();
    page2.track('a');
    await page2.flush();
    expect(other.requests[0].json.batch[0].messageId.slice(0, 20)).not.toBe(first[0].slice(0, 20));
    expect(second).toEqual(first);
  });

  it('keeps messages oldest first in the batch', async () => {
    const cio = await s.open();
    for (const name of ['one', 'two', 'three']) {
      cio.track(name);
      vi.advanceTimersByTime(10);
    }
    await settle();
    await cio.flush();
    expect(s.sent().map((m: any) => [m.event, m.timestamp])).toEqual([
      ['one', '2026-11-29T10:00:00.000Z'],
      ['two', '2026-11-29T10:00:00.010Z'],
      ['three', '2026-11-29T10:00:00.020Z'],
    ]);
  });

  it("is immune to a page's Array.prototype.toJSON (old Prototype.js)", async () => {
    const cio = await s.open();
    (Array.prototype as any).toJSON = function () {
      return 'broken';
    };
    try {
      cio.track('x', { list: [1, 2] });
      await cio.flush();
    } finally {
      delete (Array.prototype as any).toJSON;
    }
    expect(s.sent()[0].properties).toEqual({ list: [1, 2] });
    expect(Array.isArray(s.requests[0].json.batch)).toBe(true);
  });
});
