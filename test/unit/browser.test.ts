// cio.js (src/browser.ts) taking over from the snippet's stub: queued calls are replayed in
// order with the times they were made, `_cio.push` and the methods keep working afterwards,
// loading twice is harmless, and unknown methods warn. The stub here is the real src/snippet.js
// run against this window (its <script> insertion is captured, so nothing is fetched).
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { readFileSync } from 'node:fs';
import { ENDPOINT, setup, settle, T0, type Setup } from './harness';

let s: Setup;
let warn: MockInstance<typeof console.warn>;
const w = window as any;

/** Runs src/snippet.js as a page does, except that the script tag it builds is not inserted. */
function pasteSnippet() {
  const source = readFileSync('src/snippet.js', 'utf8');
  const call = '})(window, document);';
  expect(source).toContain(call);
  const captured: HTMLScriptElement[] = [];
  const doc = {
    createElement: (tag: string) => document.createElement(tag),
    head: { appendChild: (el: HTMLScriptElement) => captured.push(el) },
  };
  new Function('window', 'stubDocument', source.replace(call, '})(window, stubDocument);'))(window, doc);
  expect(captured).toHaveLength(1);
  return captured[0];
}

/** The <script id="cio-tracker"> the snippet inserts, with its options, without a src to load. */
function addScriptTag(attributes: Record<string, string> = {}) {
  const el = document.createElement('script');
  el.id = 'cio-tracker';
  el.type = 'text/plain'; // never executed nor fetched
  for (const [k, v] of Object.entries({ 'data-site-id': 'site-1', 'data-endpoint': ENDPOINT, ...attributes }))
    el.setAttribute(k, v);
  document.head.appendChild(el);
}

async function loadCioJs() {
  await import('../../src/browser');
  await settle();
}

beforeEach(() => {
  s = setup();
  vi.resetModules();
  vi.stubGlobal('fetch', s.fetch);
  vi.spyOn(navigator, 'sendBeacon').mockImplementation(s.sendBeacon as any);
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  localStorage.clear();
  for (const c of document.cookie.split('; ').filter(Boolean)) {
    document.cookie = c.split('=')[0] + '=;path=/;expires=Thu, 01 Jan 1970 00:00:00 GMT';
  }
  expect(document.cookie).toBe('');
  document.head.innerHTML = '';
  delete w._cio;
  delete w[Symbol.for('tracklet')]; // a new page: no cio.js has run in it
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  delete w._cio;
});

describe('the snippet stub', () => {
  it('queues [method, ...arguments] with the time of the call in .t, and builds the cio-tracker tag', () => {
    const tag = pasteSnippet();
    vi.advanceTimersByTime(1500);
    w._cio.track('clicked', { n: 1 });
    expect(w._cio).toHaveLength(1);
    expect([...w._cio[0]]).toEqual(['track', 'clicked', { n: 1 }]);
    expect(w._cio[0].t).toBe(T0 + 1500);
    expect(tag.id).toBe('cio-tracker');
    expect(tag.async).toBe(true);
    expect(tag.getAttribute('data-site-id')).toBe('YOUR_SITE_ID');
  });
});

describe('cio.js', () => {
  it('replays queued calls in order, each with the time it was made, then sends the page view', async () => {
    pasteSnippet();
    addScriptTag();
    w._cio.identify({ id: 'u-1', email: 'u1@example.com' });
    vi.advanceTimersByTime(1500);
    w._cio.track('before_load', { n: 0 });
    vi.advanceTimersByTime(250);
    w._cio.page('Pricing');
    vi.advanceTimersByTime(2000);
    await loadCioJs();
    await w._cio.flush();

    // This window has CompressionStream (Node's), as browsers do, yet no collector agreed to gzip: plain JSON.
    expect(s.requests[0].url).toBe(ENDPOINT + '/v1/batch');
    expect(typeof s.requests[0].init.body).toBe('string');
    expect(s.requests[0].json.writeKey).toBe('site-1');
    expect(s.sent().map((m: any) => [m.type, m.event ?? m.name, m.timestamp, m.userId])).toEqual([
      ['identify', undefined, '2026-11-29T10:00:00.000Z', 'u-1'],
      ['track', 'before_load', '2026-11-29T10:00:01.500Z', 'u-1'],
      ['page', 'Pricing', '2026-11-29T10:00:01.750Z', 'u-1'],
      ['page', undefined, '2026-11-29T10:00:03.750Z', 'u-1'], // the automatic one, at load
    ]);
  });

  it('puts the live API in place of the stub: _cio.push([...]) and _cio.track() work afterwards', async () => {
    pasteSnippet();
    addScriptTag({ 'data-auto-track-page': 'false' });
    await loadCioJs();
    expect(w._cio.__tracklet).toBe(1);
    vi.advanceTimersByTime(100);
    w._cio.push(['track', 'pushed', { a: 1 }], ['identify', 'u-2']);
    w._cio.track('direct');
    w._cio.sidentify('u-3'); // Customer.io's classic alias
    w._cio.load(); // a no-op in the classic snippet
    await w._cio.flush();
    expect(s.sent().map((m: any) => [m.type, m.event, m.userId, m.timestamp])).toEqual([
      ['track', 'pushed', undefined, '2026-11-29T10:00:00.100Z'],
      ['identify', undefined, 'u-2', '2026-11-29T10:00:00.100Z'],
      ['track', 'direct', 'u-2', '2026-11-29T10:00:00.100Z'],
      ['identify', undefined, 'u-3', '2026-11-29T10:00:00.100Z'],
    ]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('keeps calls made through a reference to the stub saved before cio.js loaded', async () => {
    pasteSnippet();
    addScriptTag({ 'data-auto-track-page': 'false' });
    const cio = w._cio; // as in `window.cio = window._cio`
    const track = w._cio.track; // as in `window.track = _cio.track`
    track('before_load');
    await loadCioJs();
    vi.advanceTimersByTime(100);
    cio.track('after_ref_method');
    cio.push(['track', 'after_ref_push']);
    track('after_saved_stub');
    w._cio.track('after_global');
    await w._cio.flush();
    expect(s.sent().map((m: any) => [m.event, m.timestamp])).toEqual([
      ['before_load', '2026-11-29T10:00:00.000Z'],
      ['after_ref_method', '2026-11-29T10:00:00.100Z'],
      ['after_ref_push', '2026-11-29T10:00:00.100Z'],
      ['after_saved_stub', '2026-11-29T10:00:00.100Z'],
      ['after_global', '2026-11-29T10:00:00.100Z'],
    ]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('still takes over when the old queue cannot be changed (a frozen array)', async () => {
    addScriptTag({ 'data-auto-track-page': 'false' });
    w._cio = Object.freeze([['track', 'queued']]);
    await loadCioJs();
    expect(w._cio.__tracklet).toBe(1);
    w._cio.track('after');
    await w._cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['queued', 'after']);
  });

  it('is harmless when loaded twice: one API, one page view', async () => {
    pasteSnippet();
    addScriptTag();
    await loadCioJs();
    const api = w._cio;
    vi.resetModules();
    await loadCioJs();
    expect(w._cio).toBe(api);
    await w._cio.flush();
    expect(s.sent().map((m: any) => m.type)).toEqual(['page']);
  });

  it('works without the snippet (the script tag alone)', async () => {
    addScriptTag();
    await loadCioJs();
    w._cio.track('x');
    await w._cio.flush();
    expect(s.sent().map((m: any) => m.type)).toEqual(['page', 'track']);
  });

  it('warns once per unknown method or malformed item, and replays the rest', async () => {
    pasteSnippet();
    addScriptTag({ 'data-auto-track-page': 'false' });
    w._cio.push(['nope', 1]);
    w._cio.push('track');
    w._cio.track('kept');
    await loadCioJs();
    w._cio.push(['push', ['track', 'x']]);
    await w._cio.flush();
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      'tracklet: push(): unknown method "nope"',
      'tracklet: push(): expects [method, ...arguments]',
      'tracklet: push(): unknown method "push"',
    ]);
    expect(s.sent().map((m: any) => m.event)).toEqual(['kept']);
  });

  it('treats its own marker (__tracklet) as an unknown method, queued or pushed after load', async () => {
    pasteSnippet();
    addScriptTag({ 'data-auto-track-page': 'false' });
    w._cio.push(['__tracklet']);
    w._cio.track('after_marker');
    await loadCioJs();
    expect(Array.isArray(w._cio)).toBe(false); // the replay went on and the live API is in place
    expect(() => w._cio.push(['__tracklet'])).not.toThrow();
    await w._cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['after_marker']);
  });

  it('reads consent="pending" from the tag: nothing stored or sent until _cio.consent(true)', async () => {
    pasteSnippet();
    addScriptTag({ 'data-consent': 'pending' });
    w._cio.track('early');
    await loadCioJs();
    await w._cio.flush();
    expect(s.requests).toHaveLength(0);
    expect(localStorage.length).toBe(0);
    w._cio.consent(true);
    await settle();
    await w._cio.flush();
    expect(s.sent().map((m: any) => m.event ?? m.type)).toEqual(['early', 'page']);
  });

  it('ignores calls with one warning when the tag has no site id', async () => {
    pasteSnippet();
    addScriptTag({ 'data-site-id': '' });
    w._cio.track('x');
    await loadCioJs();
    await w._cio.flush();
    expect(s.requests).toHaveLength(0);
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      'tracklet: createTracker(): siteId is required; calls are ignored',
    ]);
  });

  it.each([
    ['data-debug="true"', { 'data-debug': 'true' }, ''],
    ['?cio_debug=1 in the page URL', {}, '?cio_debug=1'],
  ])('logs debug lines with %s', async (_, attributes, search) => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    if (search) w.happyDOM.setURL('http://localhost:3000/' + search);
    try {
      addScriptTag({ 'data-auto-track-page': 'false', ...attributes });
      await loadCioJs();
      w._cio.track('x');
      await w._cio.flush(); // its request ends within this test, not in the next one's spy
    } finally {
      w.happyDOM.setURL('http://localhost:3000/');
    }
    expect(log).toHaveBeenCalledWith('tracklet:', 'track', 'x');
  });

  it('logs nothing without data-debug or ?cio_debug=1', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    addScriptTag({ 'data-auto-track-page': 'false' });
    await loadCioJs();
    w._cio.track('x');
    await w._cio.flush();
    expect(log.mock.calls).toEqual([]);
  });
});
