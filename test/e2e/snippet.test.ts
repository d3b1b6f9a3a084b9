// The built snippet and dist/cio.js, loaded the way a page loads them: every event tracked before
// and after the script arrives reaches a collector on another origin, even when the page
// navigates away right after tracking.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { startStaticServer, type StaticServer } from '../helpers/static-server';
import { startTestCollector, type TestCollector } from '../helpers/test-collector';

let browser: Browser;
let site: StaticServer;
let collector: TestCollector;

const snippet = (endpoint: string) =>
  readFileSync('dist/snippet.html', 'utf8')
    .replace('YOUR_SITE_ID', 'site-1')
    .replace('https://YOUR_CDN/cio.js', '/dist/cio.js?delay=1')
    .replace('https://YOUR_ENDPOINT', endpoint);

beforeAll(async () => {
  collector = await startTestCollector();
  site = await startStaticServer(process.cwd(), {
    // cio.js arrives 300 ms late, so the page's first calls land on the stub.
    '/dist/cio.js': async (_req, res) => {
      await new Promise((r) => setTimeout(r, 300));
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync('dist/cio.js'));
    },
    '/page.html': (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><title>Shop</title>${snippet(collector.url)}
<script>_cio.identify({ id: 'u-1', email: 'u1@example.com' }); _cio.track('before_load', { n: 0 });</script>`),
    // The page keeps a reference to the queue and to a stub method before cio.js arrives.
    '/refs.html': (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><title>Refs</title>${snippet(collector.url)}
<script>window.cio = window._cio; window.track = _cio.track;</script>`),
    '/next.html': (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Next</title>'),
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

describe('the pasted snippet', () => {
  it('delivers calls made before and after cio.js loads, when the page navigates away at once', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(site.url + '/page.html');
    await page.waitForFunction(() => (window as any)._cio.__tracklet === 1);
    await page.evaluate(() => {
      for (let i = 1; i <= 20; i++) (window as any)._cio.track('after_load', { n: i });
      location.href = '/next.html';
    });
    await page.waitForURL('**/next.html');
    await collector.waitFor(() => collector.messages().filter((m) => m.type === 'track').length >= 21);

    const tracks = collector.messages().filter((m) => m.type === 'track');
    expect(tracks.map((m) => m.properties.n).sort((a, b) => a - b)).toEqual([...Array(21).keys()]);
    expect(tracks.every((m) => m.userId === 'u-1')).toBe(true);
    const identify = collector.messages().find((m) => m.type === 'identify');
    expect(identify.traits).toEqual({ email: 'u1@example.com' });
    expect(collector.messages().some((m) => m.type === 'page')).toBe(true);
    // The stub's calls keep the time they were made, before the script arrived.
    const before = tracks.find((m) => m.event === 'before_load');
    const firstAfter = tracks.find((m) => m.event === 'after_load');
    expect(Date.parse(before.timestamp)).toBeLessThan(Date.parse(firstAfter.timestamp) - 200);
    expect(collector.requests.every((r) => r.contentType.startsWith('text/plain'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('delivers all of a 2,000-call burst (twice the outbox limit) in at most 100 requests', async () => {
    const page = await browser.newPage();
    await page.goto(site.url + '/page.html');
    await page.waitForFunction(() => (window as any)._cio.__tracklet === 1);
    await page.evaluate(() => {
      for (let i = 0; i < 2000; i++) (window as any)._cio.track('burst', { i });
    });
    await collector.waitFor(() => collector.messages().filter((m) => m.event === 'burst').length >= 2000, 30_000);
    const burst = collector.messages().filter((m) => m.event === 'burst');
    expect(new Set(burst.map((m) => m.properties.i)).size).toBe(2000);
    const requests = collector.requests.filter((r) => r.body?.batch?.some((m: any) => m.event === 'burst'));
    expect(requests.length).toBeLessThanOrEqual(100);
    await page.close();
  });

  it('keeps calls made through a reference to the queue or a stub method saved before cio.js loaded', async () => {
    const page = await browser.newPage();
    await page.goto(site.url + '/refs.html');
    await page.waitForFunction(() => (window as any)._cio.__tracklet === 1);
    await page.evaluate(() => {
      const w = window as any;
      w.cio.track('after_ref_method');
      w.cio.push(['track', 'after_ref_push']);
      w.track('after_saved_stub');
      w._cio.track('after_global');
    });
    const names = ['after_ref_method', 'after_ref_push', 'after_saved_stub', 'after_global'];
    await collector.waitFor(() => names.every((n) => collector.messages().some((m) => m.event === n)));
    expect(
      collector
        .messages()
        .filter((m) => names.includes(m.event))
        .map((m) => m.event),
    ).toEqual(names);
    await page.close();
  });
});
