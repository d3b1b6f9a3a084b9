// A tracking script must not cost the site its back/forward cache. A page holding a Web Lock is
// barred from it, so the outbox holds its lock only while it has messages to guard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { startStaticServer, type StaticServer } from '../helpers/static-server';
import { startTestCollector, type TestCollector } from '../helpers/test-collector';

let browser: Browser;
let site: StaticServer;
let collector: TestCollector;

beforeAll(async () => {
  collector = await startTestCollector();
  const snippet = readFileSync('dist/snippet.html', 'utf8')
    .replace('YOUR_SITE_ID', 'site-1')
    .replace('https://YOUR_CDN/cio.js', '/dist/cio.js')
    .replace('https://YOUR_ENDPOINT', collector.url);
  const html = (title: string, body = '') =>
    `<!doctype html><title>${title}</title>${snippet}<script>addEventListener('pageshow', (e) => { window.restored = e.persisted; });</script>${body}`;
  site = await startStaticServer(process.cwd(), {
    '/a.html': (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(html('A', '<a id="next" href="/b.html">next</a>')),
    '/b.html': (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html('B')),
  });
  browser = await launchChromium([], { withBackForwardCache: true });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

describe('the back/forward cache', () => {
  it('restores a page that tracked events, once they are delivered', async () => {
    const page = await browser.newPage();
    await page.goto(site.url + '/a.html');
    await page.waitForFunction(() => (window as any)._cio.__tracklet === 1);
    await page.evaluate(() => (window as any)._cio.track('clicked', { n: 1 }));
    await collector.waitFor(() => collector.messages().some((m) => m.event === 'clicked'));
    // The outbox lets go of its lock once the page has read the answer, which may be after the
    // collector recorded the request: wait for it in the page.
    await expect.poll(() => page.evaluate(async () => (await navigator.locks.query()).held?.length)).toBe(0);
    await page.click('#next');
    await page.waitForURL('**/b.html');
    // A page restored from the cache fires pageshow with persisted=true, and no load event.
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForFunction(() => (window as any).restored !== undefined);
    expect(await page.evaluate(() => (window as any).restored)).toBe(true);
    await page.close();
  });
});
