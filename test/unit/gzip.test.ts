// Plain JSON until the collector agrees to gzip (its 2xx JSON says `acceptEncoding: "gzip"`, as
// tracklet's collector's does) or the site's `gzip` option asks for it; the agreement is kept per
// endpoint under `_cio_ep:<batch URL>`. Then, where the browser has CompressionStream, fetch
// bodies go gzipped to `/v1/batch?encoding=gzip` (a query, not Content-Encoding, so the request
// stays CORS-simple) while the outbox holds more than a full batch (`flushAt` messages, or a
// request's bytes): a trickle of events goes plain, as compressing costs main thread. Beacons stay
// plain JSON unless made ahead: a page hide cannot wait for a stream. A collector that refuses a
// gzip body gets plain JSON from then on, on this page and the next.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BATCH_URL, deferred, gunzip, heldAnswers, setup, settle, type Setup } from './harness';
import type { Tracker } from '../../src/index';

let s: Setup;
const MEMORY_KEY = '_cio_ep:' + BATCH_URL;
/** An earlier page of the site saw this collector agree to gzip. */
const agreed = () => s.win.localStorage.setItem(MEMORY_KEY, '1 0');
afterEach(() => vi.useRealTimers());
/** A batch is one message: two messages are more than a batch, and go gzipped where gzip is agreed. */
const SMALL_BATCHES = { flushAt: 1 };

/** Node's CompressionStream, as the browser default does it. */
const gzip = vi.fn((body: string) =>
  new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer(),
);

/**
 * Tracks `events` and flushes with a gzip that waits: `meanwhile` runs while the body is being
 * compressed, then the compression ends and the flush settles.
 */
async function whileCompressing(events: string[], meanwhile: (cio: Tracker) => void) {
  const gate = deferred();
  const cio = await s.open(SMALL_BATCHES, { gzip: (body: string) => gate.promise.then(() => gzip(body)) });
  for (const name of events) cio.track(name);
  const flushed = cio.flush();
  await settle();
  meanwhile(cio);
  gate.resolve(200);
  await flushed;
  await settle();
  return cio;
}

describe('gzip by agreement', () => {
  beforeEach(() => (s = setup()));

  it('sends plain JSON until a 2xx says acceptEncoding gzip, then gzip, and remembers it for the next page', async () => {
    const cio = await s.open(SMALL_BATCHES, { gzip });
    s.answers.push({ status: 200, body: { ok: true } }, { status: 200, body: { ok: true, acceptEncoding: 'gzip' } });
    for (const name of ['a', 'b', 'c']) {
      cio.track(name);
      cio.track(name + '2');
      await cio.flush();
      if (name == 'a') expect(s.win.localStorage.getItem(MEMORY_KEY)).toBeNull();
    }
    expect(s.requests.map((r) => [r.url, typeof r.init.body])).toEqual([
      [BATCH_URL, 'string'],
      [BATCH_URL, 'string'],
      [BATCH_URL + '?encoding=gzip', 'object'],
    ]);
    expect(s.win.localStorage.getItem(MEMORY_KEY)).toBe('1 0');
  });

  it('never gzips for a collector that never agreed, whatever it answers', async () => {
    const cio = await s.open({}, { gzip });
    s.answers.push({ status: 200, body: {} }, { status: 200, body: 'OK' }, 200);
    for (const name of ['a', 'b', 'c']) {
      cio.track(name);
      await cio.flush();
    }
    expect(s.requests.map((r) => [r.url, typeof r.init.body])).toEqual([
      [BATCH_URL, 'string'],
      [BATCH_URL, 'string'],
      [BATCH_URL, 'string'],
    ]);
  });

  it('gzips from the first request with the gzip option, until the collector refuses it, also on later pages', async () => {
    const cio = await s.open({ gzip: true, ...SMALL_BATCHES }, { gzip });
    s.answers.push(415);
    cio.track('a');
    cio.track('a2');
    await cio.flush();
    expect(s.requests.map((r) => r.url)).toEqual([BATCH_URL + '?encoding=gzip', BATCH_URL]);
    expect(s.win.localStorage.getItem(MEMORY_KEY)).toBe('0 0');
    const next = await s.open({ gzip: true, ...SMALL_BATCHES }, { gzip });
    next.track('b');
    next.track('b2');
    await next.flush();
    expect(s.requests.map((r) => r.url)).toEqual([BATCH_URL + '?encoding=gzip', BATCH_URL, BATCH_URL]);
  });

  it('drops a remembered agreement the moment a gzip body is refused', async () => {
    agreed();
    const cio = await s.open(SMALL_BATCHES, { gzip });
    s.answers.push({ status: 400, body: { error: 'invalid_json' } });
    cio.track('a');
    cio.track('a2');
    await cio.flush();
    expect(s.requests.map((r) => r.url)).toEqual([BATCH_URL + '?encoding=gzip', BATCH_URL]);
    expect(s.win.localStorage.getItem(MEMORY_KEY)).toBe('0 0');
  });

  it('adds encoding=gzip after a query the endpoint already has', async () => {
    const url = 'https://dp.example/beacon/v1/batch?writeKey=site-1';
    s.win.localStorage.setItem('_cio_ep:' + url, '1 0');
    const cio = await s.open({ endpoint: 'https://dp.example/beacon/v1/batch', ...SMALL_BATCHES }, { gzip });
    cio.track('a');
    cio.track('a2');
    await cio.flush();
    expect(s.requests.map((r) => r.url)).toEqual([url + '&encoding=gzip']);
  });
});

describe('gzip bodies', () => {
  beforeEach(() => ((s = setup()), agreed()));

  it('sends a trickle plain (a batch sent as it fills, nothing more waiting) and gzips while more than a batch is held', async () => {
    const cio = await s.open({}, { gzip });
    const { answerNext } = heldAnswers(s, 3);
    for (let i = 0; i < 20; i++) cio.track('trickle' + i); // flushAt (20): due, and all the outbox holds
    await settle();
    answerNext();
    await settle();
    for (let i = 0; i < 60; i++) cio.track('burst' + i); // ~28 KB: two requests, the outbox over a batch
    await settle();
    await vi.waitFor(() => expect(s.requests).toHaveLength(3)); // the stream needs a few turns
    expect(s.requests.map((r) => [r.url, r.json.batch.length])).toEqual([
      [BATCH_URL, 20],
      [BATCH_URL + '?encoding=gzip', expect.any(Number)],
      [BATCH_URL + '?encoding=gzip', expect.any(Number)],
    ]);
    expect(s.requests.slice(1).reduce((n, r) => n + r.json.batch.length, 0)).toBe(60);
  });

  it('sends gzip to ?encoding=gzip as text/plain, with the same JSON inside', async () => {
    const cio = await s.open(SMALL_BATCHES, { gzip });
    cio.track('a', { n: 1 });
    cio.track('b', { n: 2 });
    await cio.flush();
    const [request] = s.requests;
    expect(request.url).toBe(BATCH_URL + '?encoding=gzip');
    expect(request.init.body).toBeInstanceOf(ArrayBuffer);
    expect(request.init.headers).toEqual({ 'Content-Type': 'text/plain;charset=UTF-8' });
    expect(await gunzip(request.init.body!)).toBe(request.body);
    expect(request.json.batch.map((m: any) => m.event)).toEqual(['a', 'b']);
    expect((request.init.body as ArrayBuffer).byteLength).toBeLessThan(request.body.length);
  });

  it.each<[string, number | { status: number; body: unknown }]>([
    ['a 415', 415],
    ['a 400 that names no message', { status: 400, body: { error: 'invalid JSON' } }],
  ])('sends the same batch again at once as plain JSON, and plain from then on, after %s', async (_, answer) => {
    const cio = await s.open(SMALL_BATCHES, { gzip });
    s.answers.push(answer);
    cio.track('a');
    cio.track('a2');
    await cio.flush();
    cio.track('b');
    cio.track('b2');
    await cio.flush();
    expect(s.requests.map((r) => r.url)).toEqual([BATCH_URL + '?encoding=gzip', BATCH_URL, BATCH_URL]);
    expect(s.requests.map((r) => r.json.batch.map((m: any) => m.event))).toEqual([
      ['a', 'a2'],
      ['a', 'a2'],
      ['b', 'b2'],
    ]);
    expect(s.requests[1].json.batch[0].messageId).toBe(s.requests[0].json.batch[0].messageId);
    expect(s.warnings()).toEqual([]);
  });

  it('keeps gzip, and drops only the named message, when a 400 to a gzip body lists what it rejected', async () => {
    const cio = await s.open(SMALL_BATCHES, { gzip });
    const answer = deferred();
    s.answers.push(answer.promise);
    cio.track('good');
    cio.track('bad');
    cio.track('also_good');
    const flushed = cio.flush();
    await vi.waitFor(() => expect(s.requests).toHaveLength(1)); // the stream needs a few turns
    answer.resolve({ status: 400, body: { rejected: [{ messageId: s.requests[0].json.batch[1].messageId }] } });
    await flushed;
    await cio.flush();
    expect(s.requests.map((r) => [r.url, r.json.batch.map((m: any) => m.event)])).toEqual([
      [BATCH_URL + '?encoding=gzip', ['good', 'bad', 'also_good']],
      [BATCH_URL + '?encoding=gzip', ['good', 'also_good']],
    ]);
    expect(s.warnings()).toEqual([
      `tracklet: flush(): HTTP 400: 1 messages dropped; the collector said: {"rejected":[{"messageId":"${s.requests[1].json.batch[0].messageId.replace(/.$/, '2')}"}]}`,
    ]);
  });

  it('sends plain JSON to /v1/batch when compressing fails', async () => {
    const broken = vi.fn(() => Promise.reject(new TypeError('stream broken')));
    const cio = await s.open(SMALL_BATCHES, { gzip: broken });
    cio.track('a');
    cio.track('b');
    await cio.flush();
    expect(broken).toHaveBeenCalled();
    expect(s.requests.map((r) => [r.url, typeof r.init.body])).toEqual([[BATCH_URL, 'string']]);
    expect(s.sent().map((m: any) => m.event)).toEqual(['a', 'b']);
  });

  it('hands a batch to a plain beacon, and never fetches it, when the page hides while it is compressed', async () => {
    await whileCompressing(['a', 'b'], () => s.hide());
    expect(s.requests).toHaveLength(0);
    const bodies = await s.beaconBodies();
    expect(bodies.map((b) => JSON.parse(b).batch.map((m: any) => m.event))).toEqual([['a', 'b']]);
  });
});

describe('gzip and what happens while a body is compressed', () => {
  beforeEach(() => ((s = setup()), agreed()));

  it('sends nothing when consent is refused while the body is compressed', async () => {
    await whileCompressing(['a', 'b'], (cio) => cio.consent(false));
    expect(s.requests).toHaveLength(0);
    expect(s.outboxes()).toEqual({});
  });

  it('puts back to waiting, and sends when visible, what a refused beacon left of a batch being compressed', async () => {
    // The browser refuses the first beacon, takes the second, refuses the rest (a quota that
    // other scripts of the page spent): e0..e2 refused, e0 alone taken, e1 refused and sent by
    // the last-try fetch; e2 was left over.
    let calls = 0;
    s.sendBeacon.mockImplementation((url: string, blob: any) => ++calls == 2 && (s.beacons.push({ url, blob }), true));
    const cio = await whileCompressing(['e0', 'e1', 'e2'], () => s.hide());
    s.show();
    await cio.flush();
    const sentBy = (await s.beaconBodies()).flatMap((b) => JSON.parse(b).batch.map((m: any) => m.event));
    const fetched = s.sent().map((m: any) => m.event);
    expect(sentBy).toEqual(['e0']);
    expect(fetched).toEqual(['e1', 'e2']); // e2 is not stuck: it went once the page was visible again
  });

  it('sends the refused batch again at once, plain, also when a timer sent it', async () => {
    s.firstVisit();
    const cio = await s.open(SMALL_BATCHES, { gzip });
    s.answers.push(415);
    cio.track('first');
    cio.track('second');
    // Each check moves the fake clock 10 ms: the plain one must come well before the 1 s batch.
    await vi.waitFor(() => expect(s.requests).toHaveLength(2), { interval: 10, timeout: 500 });
    expect(s.requests.map((r) => r.url)).toEqual([BATCH_URL + '?encoding=gzip', BATCH_URL]);
  });
});
