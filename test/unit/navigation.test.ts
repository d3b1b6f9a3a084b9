// SPA page views: one on load, then one per history.pushState or popstate that changes the URL
// (without its #hash, unless trackHashRoutes), and per replaceState only when the path changes.
// A navigation's view is sent in a later task (settle()), unless the page sent its own view.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setup, settle, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup('https://shop.example/a')));
afterEach(() => vi.useRealTimers());

const pages = (s: Setup) =>
  s
    .sent()
    .filter((m: any) => m.type == 'page')
    .map((m: any) => m.properties.path + m.properties.search);

/** A back/forward navigation: the browser changes the URL, then fires popstate. */
const goBackTo = (s: Setup, url: string) => {
  (s.win as any).happyDOM.setURL(url);
  s.win.dispatchEvent(new s.win.PopStateEvent('popstate', { state: null }));
};

describe('SPA page views', () => {
  it('sends a page view on load and on each pushState to a new URL', async () => {
    const cio = await s.open({ autoTrackPage: true });
    s.win.history.pushState({}, '', '/b');
    s.win.history.pushState({}, '', '/b?tab=2');
    await settle();
    await cio.flush();
    expect(pages(s)).toEqual(['/a', '/b', '/b?tab=2']);
  });

  it('sends no page view for a pushState to the same URL or to a new #hash only', async () => {
    const cio = await s.open({ autoTrackPage: true });
    s.win.history.pushState({}, '', '/a');
    s.win.history.pushState({}, '', '/a#section');
    await cio.flush();
    expect(pages(s)).toEqual(['/a']);
  });

  it('sends a page view for replaceState only when the path changes', async () => {
    const cio = await s.open({ autoTrackPage: true });
    s.win.history.replaceState({}, '', '/a?sort=price'); // syncing a query string: same page
    s.win.history.replaceState({}, '', '/c');
    await settle();
    await cio.flush();
    expect(pages(s)).toEqual(['/a', '/c']);
  });

  it('sends a page view on popstate to another URL', async () => {
    const cio = await s.open({ autoTrackPage: true });
    s.win.history.pushState({}, '', '/b');
    await settle(); // a browser fires popstate in a later task
    goBackTo(s, 'https://shop.example/a');
    await settle(); // the page view waits for the task after popstate (test/e2e/demo.test.ts says why)
    await cio.flush();
    expect(pages(s)).toEqual(['/a', '/b', '/a']);
  });

  it('gives Back then Forward in one task each the title the app set for its own page', async () => {
    const cio = await s.open({ autoTrackPage: true });
    // The app renders in its own popstate listener, added after the tracker's (examples/spa/app.js).
    s.win.addEventListener('popstate', () => (s.win.document.title = s.win.location.pathname));
    s.win.history.pushState({}, '', '/b');
    await settle();
    // A busy machine: Forward's popstate comes before the task that follows Back's.
    goBackTo(s, 'https://shop.example/a');
    goBackTo(s, 'https://shop.example/b');
    await settle();
    await cio.flush();
    const views = s.sent().filter((m: any) => m.type == 'page');
    expect(views.slice(2).map((m: any) => [m.properties.path, m.properties.title])).toEqual([
      ['/a', '/a'],
      ['/b', '/b'],
    ]);
  });

  it("records the new URL, title and the app's own history result", async () => {
    const cio = await s.open({ autoTrackPage: true });
    s.win.document.title = 'B';
    expect(s.win.history.pushState({ n: 1 }, '', '/b')).toBeUndefined();
    expect(s.win.history.state).toEqual({ n: 1 });
    await settle();
    await cio.flush();
    expect(s.sent()[1].properties).toEqual({
      url: 'https://shop.example/b',
      path: '/b',
      referrer: '',
      title: 'B',
      search: '',
    });
    expect(s.sent()[1].context.page.url).toBe('https://shop.example/b');
  });

  it("keeps the page's own page() call after a navigation instead of sending a second view", async () => {
    const cio = await s.open({ autoTrackPage: true });
    s.win.history.pushState({}, '', '/b');
    cio.page('B', { plan: 'pro' });
    s.win.history.pushState({}, '', '/c'); // not claimed: its view is sent
    await settle();
    goBackTo(s, 'https://shop.example/b');
    cio.page('Back to B'); // in the app's own popstate listener
    await settle();
    await cio.flush();
    expect(s.sent().map((m: any) => [m.name, m.properties.path, m.properties.plan])).toEqual([
      [undefined, '/a', undefined],
      ['B', '/b', 'pro'],
      [undefined, '/c', undefined],
      ['Back to B', '/b', undefined],
    ]);
  });

  it('with trackHashRoutes, sends a view per change of the #hash (pushState, replaceState, popstate)', async () => {
    const cio = await s.open({ autoTrackPage: true, trackHashRoutes: true });
    s.win.history.pushState({}, '', '#/settings');
    s.win.history.replaceState({}, '', '#/billing');
    goBackTo(s, 'https://shop.example/a#/');
    await settle();
    await cio.flush();
    expect(s.sent().map((m: any) => m.properties.url)).toEqual([
      'https://shop.example/a',
      'https://shop.example/a#/settings',
      'https://shop.example/a#/billing',
      'https://shop.example/a#/',
    ]);
  });

  it('sends a view when the page is restored from the back/forward cache', async () => {
    const cio = await s.open({ autoTrackPage: true });
    const restored = new s.win.Event('pageshow') as PageTransitionEvent;
    Object.defineProperty(restored, 'persisted', { value: true });
    s.win.dispatchEvent(restored);
    await cio.flush();
    expect(s.sent().map((m: any) => m.type)).toEqual(['page', 'page']);
  });

  it('sends no page views at all with autoTrackPage: false', async () => {
    const cio = await s.open({ autoTrackPage: false });
    s.win.history.pushState({}, '', '/b');
    goBackTo(s, 'https://shop.example/a');
    await settle();
    await cio.flush();
    expect(s.requests).toHaveLength(0);
  });
});
