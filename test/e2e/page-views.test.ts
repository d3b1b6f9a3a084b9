// Page views as sites count them (issue 13, item 3), through the built snippet and dist/cio.js in
// Chromium: (a) a site that calls `_cio.page()` itself after history.pushState (Customer.io's
// usual setup: their snippet sends no view on SPA navigations) or in its popstate listener gets
// one view per navigation, its own; (b) a page restored from the back/forward cache is a view
// (plausible/analytics#3144); (c) with `data-track-hash-routes="true"`, each new #hash is a view
// (posthog-js#2011). Each spec failed on main: (a) two views, (b) and (c) none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { startStaticServer, type StaticServer } from '../helpers/static-server';
import { byMadeOrder, startTestCollector, type TestCollector } from '../helpers/test-collector';

let browser: Browser;
let site: StaticServer;
let collector: TestCollector;

beforeAll(async () => {
  collector = await startTestCollector();
  const snippet = (siteId: string, isHashRouted: boolean) =>
    readFileSync('dist/snippet.html', 'utf8')
      .replace('YOUR_SITE_ID', siteId)
      .replace('https://YOUR_CDN/cio.js', '/dist/cio.js')
      .replace('https://YOUR_ENDPOINT', collector.url)
      .replace(
        /(\w+)(\.setAttribute\("data-endpoint","[^"]*"\))/,
        (_, v, call) => v + call + (isHashRouted ? `,${v}.setAttribute("data-track-hash-routes","true")` : ''),
      );
  const html = (req: { url?: string }, title: string, body = '') => {
    const params = new URL(req.url!, 'http://x').searchParams;
    return `<!doctype html><title>${title}</title>${snippet(params.get('site')!, params.has('hash'))}${body}`;
  };
  site = await startStaticServer(process.cwd(), {
    '/a.html': (req, res) =>
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(html(req, 'A', `<a id="next" href="/b.html${new URL(req.url!, 'http://x').search}">next</a>`)),
    '/b.html': (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html(req, 'B')),
  });
  browser = await launchChromium([], { withBackForwardCache: true });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

const viewsOf = (siteId: string) =>
  collector.requests
    .filter((r) => r.body?.writeKey === siteId)
    .flatMap((r) => r.body.batch)
    .filter((m: any) => m.type == 'page')
    .sort(byMadeOrder)
    .map((m: any) => [m.name, m.properties.url.replace(site.url, ''), m.properties.plan]);

/** Opens /a.html for `siteId` with the tracker loaded. */
async function open(siteId: string, query = ''): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${site.url}/a.html?site=${siteId}${query}`);
  await page.waitForFunction(() => (window as any)._cio.__tracklet === 1);
  return page;
}

/** Tracks `marker` in a later task and waits for it: every view made before it was sent before it. */
async function settle(page: Page, siteId: string, marker: string) {
  await page.evaluate(
    (m) => new Promise((resolve) => setTimeout(() => resolve((window as any)._cio.track(m)), 50)),
    marker,
  );
  await page.evaluate(() => (window as any)._cio.flush());
  await collector.waitFor(() => collector.messages().some((m) => m.event == marker), 5000);
}

describe('page views', () => {
  it("keeps the site's own page() call after pushState and in its popstate listener: one view per navigation", async () => {
    const siteId = 'views-own-call';
    const page = await open(siteId);
    await page.evaluate(() => {
      const cio = (window as any)._cio;
      addEventListener('popstate', () => cio.page('Back to settings', { plan: 'back' }));
      history.pushState({}, '', '/settings?site=views-own-call');
      cio.page('Settings', { plan: 'pro' });
    });
    await page.evaluate(() => history.pushState({}, '', '/billing?site=views-own-call')); // no call of its own
    await page.goBack({ waitUntil: 'commit' });
    await settle(page, siteId, 'own-call-done');
    expect(viewsOf(siteId)).toEqual([
      [undefined, `/a.html?site=${siteId}`, undefined],
      ['Settings', `/settings?site=${siteId}`, 'pro'],
      [undefined, `/billing?site=${siteId}`, undefined],
      ['Back to settings', `/settings?site=${siteId}`, 'back'],
    ]);
    await page.close();
  });

  it('sends a view when the page is restored from the back/forward cache', async () => {
    const siteId = 'views-bfcache';
    const page = await open(siteId);
    await collector.waitFor(() => viewsOf(siteId).length == 1, 5000);
    // The outbox lets go of its Web Lock (which bars the cache) once the answer was read.
    await expect.poll(() => page.evaluate(async () => (await navigator.locks.query()).held?.length)).toBe(0);
    await page.evaluate(() => addEventListener('pageshow', (e) => ((window as any).restored = e.persisted)));
    await page.click('#next');
    await page.waitForURL('**/b.html*');
    await collector.waitFor(() => viewsOf(siteId).length == 2, 5000);
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForFunction(() => (window as any).restored !== undefined);
    expect(await page.evaluate(() => (window as any).restored)).toBe(true);
    await collector.waitFor(() => viewsOf(siteId).length == 3, 5000);
    expect(viewsOf(siteId).map((v) => v[1])).toEqual([
      `/a.html?site=${siteId}`,
      `/b.html?site=${siteId}`,
      `/a.html?site=${siteId}`,
    ]);
    await page.close();
  });

  it('with data-track-hash-routes="true", sends a view per new #hash (links, location.hash, back)', async () => {
    const siteId = 'views-hash';
    const page = await open(siteId, '&hash');
    await page.evaluate(() => {
      const link = document.body.appendChild(document.createElement('a'));
      link.href = '#/settings';
      link.id = 'settings';
      link.textContent = 'Settings';
    });
    await page.click('#settings');
    await page.evaluate(() => (location.hash = '#/billing'));
    await page.goBack({ waitUntil: 'commit' });
    await settle(page, siteId, 'hash-done');
    const base = `/a.html?site=${siteId}&hash`;
    expect(viewsOf(siteId).map((v) => v[1])).toEqual([
      base,
      base + '#/settings',
      base + '#/billing',
      base + '#/settings',
    ]);
    await page.close();
  });

  it('without it, a new #hash is no view', async () => {
    const siteId = 'views-no-hash';
    const page = await open(siteId);
    await page.evaluate(() => (location.hash = '#/billing'));
    await settle(page, siteId, 'no-hash-done');
    expect(viewsOf(siteId).map((v) => v[1])).toEqual([`/a.html?site=${siteId}`]);
    await page.close();
  });
});
