// An event a page tracks as it is left (issue 13, item 4): a page's own listener for
// `visibilitychange` (to hidden), `pagehide` or `beforeunload` calls `_cio.track()`, then the
// visitor follows a link to another site. Registered after cio.js loaded, the page's listener
// runs after the tracker's own one, which has already handed what it had to the browser. On main
// the event waited in storage for the visitor's next page load (0 arrived); it must be handed to
// the browser in that same moment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { startStaticServer, type StaticServer } from '../helpers/static-server';
import { startTestCollector, type TestCollector } from '../helpers/test-collector';

let browser: Browser;
let site: StaticServer;
let elsewhere: StaticServer;
let collector: TestCollector;

beforeAll(async () => {
  collector = await startTestCollector();
  const snippet = (siteId: string) =>
    readFileSync('dist/snippet.html', 'utf8')
      .replace('YOUR_SITE_ID', siteId)
      .replace('https://YOUR_CDN/cio.js', '/dist/cio.js')
      .replace('https://YOUR_ENDPOINT', collector.url);
  // Another origin: the visitor leaves the tracked site for good.
  elsewhere = await startStaticServer(process.cwd(), {
    '/': (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Elsewhere</title>'),
  });
  site = await startStaticServer(process.cwd(), {
    '/leave.html': (req, res) => {
      const siteId = new URL(req.url!, 'http://x').searchParams.get('site')!;
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><title>Leave</title>${snippet(siteId)}<a id="away" href="${elsewhere.url}/">away</a>`);
    },
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await elsewhere?.close();
  await collector?.close();
});

const eventsFor = (siteId: string) =>
  collector
    .messages()
    .filter((m) => m.properties?.site == siteId)
    .map((m) => m.event);

describe('an event tracked as the page is left', () => {
  // [the page's listener, where it listens, its condition]
  it.each([
    ['visibilitychange', 'document', "document.visibilityState == 'hidden'"],
    ['pagehide', 'window', 'true'],
    ['beforeunload', 'window', 'true'],
  ])("tracked in the page's own %s listener arrives without a next visit", async (event, target, condition) => {
    const siteId = `leave-${event}`;
    const page = await browser.newPage();
    await page.goto(`${site.url}/leave.html?site=${siteId}`);
    await page.waitForFunction(() => (window as any)._cio.__tracklet === 1);
    // The tracker's own listeners are in place: the page's one is registered after them.
    await page.evaluate(
      ([event, target, condition, siteId]) =>
        new Function(
          `${target}.addEventListener('${event}', function () {
            if (${condition}) _cio.track('page_left', { site: '${siteId}', via: '${event}' });
          });`,
        )(),
      [event, target, condition, siteId],
    );
    await page.click('#away');
    await page.waitForURL(elsewhere.url + '/');
    await collector.waitFor(() => eventsFor(siteId).includes('page_left'), 5000);
    expect(eventsFor(siteId)).toEqual(['page_left']);
    await page.close();
  });
});
