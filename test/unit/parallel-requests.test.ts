// A burst goes out in parallel requests, at most four at once (src/drain.ts MAX_REQUESTS_IN_FLIGHT:
// Chromium opens six connections per host and counts every keepalive body against one 64 KiB
// quota), each keepalive while that quota allows; one at a time while the collector is failing.
// Where gzip is agreed, gzip bodies of what waits are made after each task, so that a page hide
// can hand them to beacons (CompressionStream is asynchronous; `pagehide` cannot wait for it).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BATCH_URL, deferred, gunzip, heldAnswers, setup, settle, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

const pad = 'x'.repeat(1000);
describe('parallel requests', () => {
  it('sends a burst in four requests at once, never more, and the next as each is answered', async () => {
    const cio = await s.open();
    const { answerNext } = heldAnswers(s, 30);
    for (let i = 0; i < 100; i++) cio.track('e' + i, { pad });
    await settle();
    expect(s.requests).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(5000);
    expect(s.requests).toHaveLength(4);

    answerNext();
    await settle();
    expect(s.requests).toHaveLength(5);
    for (let answered = 2; answered <= 30 && s.requests.length < 7; answered++) {
      answerNext();
      await settle();
      expect(s.requests.length).toBe(Math.min(answered + 4, 7));
    }
    for (let i = 0; i < 7; i++) answerNext();
    await cio.flush();
    const ids = s.sent().map((m: any) => m.event);
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => 'e' + i)); // each once, oldest first
  });

  it('sends keepalive while the 64 KiB quota allows, the rest without', async () => {
    const cio = await s.open({ maxBatchBytes: 20_000 });
    heldAnswers(s, 4);
    for (let i = 0; i < 100; i++) cio.track('e' + i, { pad });
    await settle();
    // Three of ~20,000 bytes fit in 65,536; a fourth would not.
    expect(s.requests.map((r) => r.init.keepalive)).toEqual([true, true, true, false]);
  });

  it('counts UTF-8 bytes against the quota, not characters (a request body is sized from its messages)', async () => {
    const cio = await s.open({ maxBatchBytes: 20_000 });
    heldAnswers(s, 4);
    // ~3,550 bytes a message but ~1,550 characters: five to a request of ~18,300 bytes.
    for (let i = 0; i < 100; i++) cio.track('e' + i, { pad: '€'.repeat(1000) });
    await settle();
    const bytes = s.requests.map((r) => new TextEncoder().encode(r.init.body as string).length);
    expect(bytes.every((n) => n > 65_536 / 4 && n <= 20_000)).toBe(true); // three fit in the quota, four do not
    expect(s.requests.map((r) => r.init.keepalive)).toEqual([true, true, true, false]);
  });

  it('after a retry, sends one request at a time until the collector takes one, then four again', async () => {
    const cio = await s.open();
    s.answers.push(503, 503, 503, 503);
    for (let i = 0; i < 100; i++) cio.track('e' + i, { pad });
    await settle();
    expect(s.requests).toHaveLength(4);
    const retry = deferred();
    s.answers.push(retry.promise);
    // The four failed together: one failure, backed off 0.5 (the random) x 1 s x 2^0, not four
    // (2^3: 4 s; after a 10 s outage, up to the 60 s cap: a Jitsu outage scenario waited 40 s in vain).
    await vi.advanceTimersByTimeAsync(500);
    expect(s.requests).toHaveLength(5);
    expect(s.requests[4].at).toBe(500);
    heldAnswers(s, 10);
    retry.resolve(200);
    await settle();
    expect(s.requests).toHaveLength(9);
  });

  it('waits out a Retry-After from one of the parallel requests before sending more', async () => {
    const cio = await s.open();
    const { answerNext } = heldAnswers(s, 4);
    for (let i = 0; i < 100; i++) cio.track('e' + i, { pad });
    await settle();
    answerNext({ status: 429, headers: { 'Retry-After': '3' } });
    answerNext();
    await settle();
    expect(s.requests).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(2999);
    expect(s.requests).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.requests[4].at).toBe(3000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(new Set(s.sent().map((m: any) => m.messageId)).size).toBe(100);
  });
});

describe('gzip bodies made ahead for the page hide', () => {
  const gzip = (body: string) =>
    new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer();

  it('hands what waits to beacons as gzip bodies to ?encoding=gzip, where the collector agreed', async () => {
    s.win.localStorage.setItem('_cio_ep:' + BATCH_URL, '1 0');
    const cio = await s.open({}, { gzip });
    heldAnswers(s, 4);
    for (let i = 0; i < 100; i++) cio.track('e' + i, { pad });
    await vi.waitFor(() => expect(s.requests).toHaveLength(4), { interval: 1, timeout: 500 });
    await vi.advanceTimersByTimeAsync(10); // the bodies made ahead are ready
    s.hide();
    const gzipBeacons = s.beacons.filter((b) => b.url == BATCH_URL + '?encoding=gzip');
    expect(s.beacons.map((b) => b.url)).toEqual(gzipBeacons.map((b) => b.url)); // none plain
    const inBeacons = await Promise.all(gzipBeacons.map(async (b) => JSON.parse(await gunzip(b.blob)).batch));
    const fetched = s.sent().map((m: any) => m.event);
    const beaconed = inBeacons.flat().map((m: any) => m.event);
    expect([...fetched, ...beaconed].sort()).toEqual(Array.from({ length: 100 }, (_, i) => 'e' + i).sort());
  });

  it('hands plain beacons over when the collector has not agreed to gzip', async () => {
    const cio = await s.open({}, { gzip });
    heldAnswers(s, 4);
    for (let i = 0; i < 100; i++) cio.track('e' + i, { pad });
    await vi.advanceTimersByTimeAsync(10);
    s.hide();
    expect(s.beacons.length).toBeGreaterThan(0);
    expect(s.beacons.every((b) => b.url == BATCH_URL)).toBe(true);
  });

  it('makes no body ahead while what waits is a batch or less: a click compresses nothing', async () => {
    s.win.localStorage.setItem('_cio_ep:' + BATCH_URL, '1 0');
    const made: string[] = [];
    const cio = await s.open({}, { gzip: (body: string) => (made.push(body), gzip(body)) });
    heldAnswers(s, 1);
    cio.track('added_to_cart', { sku: 'A-1' });
    cio.track('view', { pad });
    await vi.advanceTimersByTimeAsync(10);
    expect(made).toEqual([]);
    s.hide(); // what waits goes plain, in the quota
    const bodies = await s.beaconBodies();
    expect(bodies.flatMap((b) => JSON.parse(b).batch.map((m: any) => m.event))).toEqual(['added_to_cart', 'view']);
    expect(s.beacons.map((b) => b.url)).toEqual([BATCH_URL]);
  });

  it('does not use a body made ahead once its entries changed: a message sent meanwhile goes once', async () => {
    s.win.localStorage.setItem('_cio_ep:' + BATCH_URL, '1 0');
    const cio = await s.open({ maxBatchBytes: 8_000 }, { gzip });
    heldAnswers(s, 4);
    for (let i = 0; i < 40; i++) cio.track('a' + i, { pad });
    await vi.waitFor(() => expect(s.requests).toHaveLength(4), { interval: 1, timeout: 500 });
    await vi.advanceTimersByTimeAsync(10); // four requests in flight; bodies made ahead for what waits
    cio.track('b'); // now one more waits: its chunk changed, made again only after this task
    s.hide(); // in the same task: the body of the chunk that now holds b is stale, not used
    const bodies = await Promise.all(
      s.beacons.map(async (b) => (b.url.includes('gzip') ? gunzip(b.blob) : b.blob.text())),
    );
    const beaconed = bodies.flatMap((b) => JSON.parse(b).batch.map((m: any) => m.event));
    const fetched = s.sent().map((m: any) => m.event);
    const all = [...fetched, ...beaconed];
    expect(all.sort()).toEqual([...Array.from({ length: 40 }, (_, i) => 'a' + i), 'b'].sort()); // each once
    expect(s.beacons.some((b) => b.url.includes('gzip'))).toBe(true); // unchanged chunks went as made ahead
  });

  it('hands plain beacons over, and lets nothing reach the page, when CompressionStream throws', async () => {
    s.win.localStorage.setItem('_cio_ep:' + BATCH_URL, '1 0');
    const broken = () => {
      throw new TypeError('CompressionStream broken');
    };
    const made = vi.fn(broken);
    const cio = await s.open({}, { gzip: made });
    const error = vi.fn();
    cio.on('error', error);
    heldAnswers(s, 4);
    for (let i = 0; i < 100; i++) cio.track('a' + i, { pad }); // more than the requests in flight carry
    await vi.waitFor(() => expect(s.requests).toHaveLength(4), { interval: 1, timeout: 500 });
    await vi.advanceTimersByTimeAsync(10);
    expect(made).toHaveBeenCalled(); // the bodies made ahead tried, and broke
    cio.track('b');
    s.hide();
    const bodies = await s.beaconBodies();
    const all = [...s.sent(), ...bodies.flatMap((b) => JSON.parse(b).batch)].map((m: any) => m.event);
    expect(all.sort()).toEqual([...Array.from({ length: 100 }, (_, i) => 'a' + i), 'b'].sort());
    expect(new Set(s.beacons.map((b) => b.url))).toEqual(new Set([BATCH_URL]));
    expect(error).not.toHaveBeenCalled();
  });

  it('makes them as soon as the collector agrees, for a burst tracked before its answer', async () => {
    s.firstVisit(); // the page view goes at once; its answer brings the agreement
    const cio = await s.open({}, { gzip });
    const agreement = deferred();
    s.answers.push(agreement.promise);
    cio.track('view');
    await settle();
    heldAnswers(s, 3);
    for (let i = 0; i < 100; i++) cio.track('e' + i, { pad });
    await settle();
    expect(s.requests).toHaveLength(4); // plain: nothing agreed yet
    agreement.resolve({ status: 200, body: { ok: true, acceptEncoding: 'gzip' } });
    await vi.waitFor(() => expect(s.requests).toHaveLength(5), { interval: 1, timeout: 500 });
    await vi.advanceTimersByTimeAsync(10); // the bodies made ahead are ready
    s.hide();
    expect(s.beacons.length).toBeGreaterThan(0);
    expect(s.beacons.map((b) => b.url)).toEqual(s.beacons.map(() => BATCH_URL + '?encoding=gzip'));
    const inBeacons = await Promise.all(s.beacons.map(async (b) => JSON.parse(await gunzip(b.blob)).batch));
    const all = [...s.sent(), ...inBeacons.flat()].map((m: any) => m.event);
    expect(all.sort()).toEqual(['view', ...Array.from({ length: 100 }, (_, i) => 'e' + i)].sort());
  });

  it('makes them at once, then at most once per 500 ms while tasks keep adding (no body made again each task)', async () => {
    s.win.localStorage.setItem('_cio_ep:' + BATCH_URL, '1 0');
    const bodies: string[] = [];
    const cio = await s.open({}, { gzip: (body: string) => (bodies.push(body), gzip(body)) });
    heldAnswers(s, 4);
    for (let task = 0; task < 40; task++) {
      for (let i = 0; i < 10; i++) cio.track(`e${task * 10 + i}-`, { pad });
      await vi.advanceTimersByTimeAsync(5);
    }
    await vi.advanceTimersByTimeAsync(1000);
    // e100 waits behind the four requests in flight from the first task on: its body is made
    // when it is first told of, at most once more in each 500 ms, and reused while fresh.
    const timesMade = bodies.filter((b) => b.includes('"event":"e100-"')).length;
    expect(timesMade).toBeGreaterThan(0);
    expect(timesMade).toBeLessThanOrEqual(3);
  });
});
