// The demo end to end: the shop (with the built snippet pasted in by the collector) sends to the
// reference collector, and the live view shows the event, the person it was merged into, and an
// event named like HTML as plain text, under a CSP that no page of the demo violates, with no
// error in the live view's console.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { byMadeOrder } from '../helpers/test-collector';
import { createCollector, type Collector } from '../../examples/collector/index.mjs';

const XSS_NAME = '<img src=x onerror=alert(1)>';
const CUSTOMER = 'customer-42';

let browser: Browser;
let collector: Collector;
let dataDir: string;
let shopContext: BrowserContext;
let liveContext: BrowserContext;
let liveView: Page;
const dialogs: string[] = [];
const consoleErrors = new WeakMap<Page, string[]>();

/** A page that records CSP violations (in window.__violations), console errors and any dialog it opens. */
async function openPage(context: BrowserContext, url: string) {
  const page = await context.newPage();
  const errors: string[] = [];
  consoleErrors.set(page, errors);
  page.on('console', (message) => {
    if (message.type() == 'error') errors.push(`${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(url);
  return page;
}
const violations = (page: Page) => page.evaluate(() => (window as any).__violations as string[]);
/** The demo site's API key: reads need it (the tests run with keyless reads off). */
const READ = { Authorization: 'Bearer demo-secret' };
const apiEvents = async () =>
  (await (await fetch(`${collector.url}/api/events?limit=1000`, { headers: READ })).json()).events as any[];
async function waitForEvent(match: (event: any) => boolean) {
  await expect.poll(async () => (await apiEvents()).some(match), { timeout: 15_000, interval: 200 }).toBe(true);
}

beforeAll(async () => {
  if (!existsSync('dist/snippet.html')) throw new Error('dist/ is missing: run "npm run build" first');
  dataDir = mkdtempSync(join(tmpdir(), 'tracklet-demo-'));
  collector = await createCollector({ port: 0, host: '127.0.0.1', dbPath: join(dataDir, 'demo.db'), log: () => {} });
  browser = await launchChromium();
  shopContext = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  // A zone far from UTC (+5:45), so a chart drawn in the browser's local time would show it.
  liveContext = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'Asia/Kathmandu' });
  // Signed in as the site's owner (the context's request shares its cookies with its pages).
  const session = await liveContext.request.post(`${collector.url}/api/session`, {
    data: { site: 'demo', key: 'demo-secret' },
  });
  expect(session.status()).toBe(200);
  liveView = await openPage(liveContext, `${collector.url}/`);
  await liveView.waitForSelector('#connection.live');
});

afterAll(async () => {
  await browser?.close();
  await collector?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the live view without a key', () => {
  it('shows only the sign-in form, and the live view once signed in with the API key', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${collector.url}/`);
    await page.waitForSelector('#sign-in-view:not([hidden])');
    expect(await page.locator('#live-view').isHidden()).toBe(true);
    await page.fill('#sign-in input[name=site]', 'demo');
    await page.fill('#sign-in input[name=key]', 'wrong-key');
    await page.click('#sign-in button');
    await expect
      .poll(() => page.locator('#sign-in-problem').textContent(), { timeout: 10_000 })
      .toBe('the site id, API key or password is wrong');
    await page.fill('#sign-in input[name=key]', 'demo-secret');
    await page.click('#sign-in button');
    await page.waitForSelector('#connection.live');
    expect(await page.locator('#sign-in-view').isHidden()).toBe(true);
    await context.close();
  });
});

describe('the shop and the live view', () => {
  it('shows an anonymous add-to-cart, then the person it belongs to once they log in', async () => {
    const shop = await openPage(shopContext, `${collector.url}/shop/`);
    await shop.waitForFunction(() => (window as any)._cio?.__tracklet === 1);
    await shop.click('button[data-sku="TEA-SEN"]');
    await waitForEvent((e) => e.name == 'added_to_cart' && e.person.userId == null);
    const row = liveView.locator('#events tbody tr', { hasText: 'added_to_cart' });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await row.first().locator('.person-link').textContent()).toMatch(/^anonymous /);

    await shop.click('a[href="login.html"]');
    await shop.waitForFunction(() => (window as any)._cio?.__tracklet === 1);
    await shop.click('#login button[type=submit]');
    await waitForEvent((e) => e.type == 'identify' && e.person.userId == CUSTOMER);

    // The earlier anonymous row is now attributed to the customer, in the list and the timeline.
    await expect.poll(() => row.first().locator('.person-link').textContent(), { timeout: 10_000 }).toBe(CUSTOMER);
    await liveView.goto(`${collector.url}/#people/${CUSTOMER}`);
    const timeline = liveView.locator('#timeline li');
    await expect
      .poll(() => timeline.allTextContents(), { timeout: 10_000 })
      .toEqual(expect.arrayContaining([expect.stringContaining('added_to_cart'), expect.stringContaining('identify')]));
    expect(await liveView.locator('#person-title').textContent()).toBe(`Timeline of ${CUSTOMER}`);

    expect(await violations(shop)).toEqual([]);
    await shop.close();
  });

  it('shows an event named like an <img> tag as text, and runs no script from it', async () => {
    const shop = await openPage(shopContext, `${collector.url}/shop/`);
    await shop.waitForFunction(() => (window as any)._cio?.__tracklet === 1);
    await shop.evaluate((name) => (window as any)._cio.track(name, { label: name }), XSS_NAME);
    await waitForEvent((e) => e.name == XSS_NAME);

    await liveView.goto(`${collector.url}/#live`);
    const cell = liveView.locator('#events td.name', { hasText: XSS_NAME });
    await expect.poll(() => cell.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await cell.first().textContent()).toBe(XSS_NAME);
    await cell.first().click();
    expect(await liveView.locator('#raw').textContent()).toContain(JSON.stringify(XSS_NAME).slice(1, -1));
    // Also where the person's timeline and the segments list render it.
    await liveView.goto(`${collector.url}/#people/${CUSTOMER}`);
    await expect
      .poll(() => liveView.locator('#timeline li', { hasText: XSS_NAME }).count(), { timeout: 10_000 })
      .toBe(1);
    await liveView.goto(`${collector.url}/#live`);
    const listed = liveView.locator('#event-names td.name', { hasText: XSS_NAME });
    await expect.poll(() => listed.count(), { timeout: 10_000 }).toBe(1);
    expect(await listed.textContent()).toBe(XSS_NAME);
    await liveView.goto(`${collector.url}/#segments`);
    await liveView.fill('#segment-form input[name=event]', XSS_NAME);
    await liveView.click('#segment-form button[type=submit]');
    await expect
      .poll(() => liveView.locator('#segment-summary').textContent(), { timeout: 10_000 })
      .toBe('1 person in this segment');

    for (const page of [liveView, shop]) {
      expect(await page.locator('img[src="x"]').count()).toBe(0);
    }
    expect(dialogs).toEqual([]);
    await shop.close();
  });

  it('heads the People count "messages": the number the person’s timeline gives', async () => {
    await liveView.goto(`${collector.url}/#people/${CUSTOMER}`);
    await expect
      .poll(() => liveView.locator('#person-ids').textContent(), { timeout: 10_000 })
      .toMatch(/ · \d+ messages$/);
    const stated = (await liveView.locator('#person-ids').textContent())!.match(/ · (\d+) messages$/)![1];
    const headings = await liveView.locator('#people thead th').allTextContents();
    const row = liveView.locator('#people tbody tr', { hasText: CUSTOMER });
    expect(headings[2]).toBe('messages');
    expect(await row.locator('td').nth(2).textContent()).toBe(stated);
  });

  it('says "person" for one and "people" for any other number in the segment summary', async () => {
    await liveView.goto(`${collector.url}/#segments`);
    const summary = liveView.locator('#segment-summary');
    const find = async (event: string, kind: string) => {
      await liveView.selectOption('#segment-form select[name=kind]', kind);
      await liveView.fill('#segment-form input[name=event]', event);
      await liveView.click('#segment-form button[type=submit]');
      await expect.poll(() => summary.textContent(), { timeout: 10_000 }).toMatch(/in this segment$/);
      return summary.textContent();
    };
    expect(await find('added_to_cart', 'performed')).toBe('1 person in this segment');
    expect(await find('never_sent', 'performed')).toBe('0 people in this segment');
    expect(await find('never_sent_either', 'not-performed')).toBe('1 person in this segment');
  });

  it('sends scrolled_to_bottom once when the reader reaches the end of the article', async () => {
    const article = await openPage(shopContext, `${collector.url}/shop/article.html`);
    await article.waitForFunction(() => (window as any)._cio?.__tracklet === 1);
    await article.locator('#article-end').scrollIntoViewIfNeeded();
    await article.mouse.wheel(0, -2000);
    await article.locator('#article-end').scrollIntoViewIfNeeded();
    await waitForEvent((e) => e.name == 'scrolled_to_bottom');
    await article.evaluate(() => (window as any)._cio.flush());
    expect((await apiEvents()).filter((e) => e.name == 'scrolled_to_bottom')).toHaveLength(1);
    expect(await violations(article)).toEqual([]);
    await article.close();
  });

  it('sends a page view for each history.pushState navigation of the SPA', async () => {
    const spa = await openPage(shopContext, `${collector.url}/spa/`);
    await spa.click('a[href="/spa/pricing"]');
    await waitForEvent((e) => e.type == 'page' && e.raw.properties?.path == '/spa/pricing');
    expect(await violations(spa)).toEqual([]);
    await spa.close();
  });

  it('records Back and Forward in the SPA as page views with the title of the page they land on', async () => {
    // The app renders (and sets document.title) in its own popstate listener, which runs after the
    // tracker's; Chromium runs microtasks between the two, so the view waits for the next task.
    const context = await browser.newContext();
    const spa = await openPage(context, `${collector.url}/spa/`);
    await spa.click('a[href="/spa/pricing"]');
    await spa.click('a[href="/spa/docs"]');
    await spa.goBack();
    await spa.waitForURL('**/spa/pricing');
    await spa.goForward();
    await spa.waitForURL('**/spa/docs');
    const anonymousId = await spa.evaluate(() => localStorage.getItem('_cioanonid'));
    // In the order the page made them: its requests go in parallel and may be stored in any order.
    const raws = async () =>
      (await apiEvents())
        .filter((e) => e.type == 'page' && e.raw.anonymousId == anonymousId)
        .map((e) => e.raw)
        .sort(byMadeOrder);
    const views = async () => (await raws()).map((raw) => `${raw.properties.path} | ${raw.properties.title}`);
    await expect.poll(async () => (await views()).length, { timeout: 15_000, interval: 200 }).toBe(5);
    const made = (await raws()).map((raw) => `${raw.timestamp} ${raw.messageId} ${raw.properties.path}`);
    expect(await views(), made.join('\n')).toEqual([
      '/spa/ | Home · Tracklet SPA demo',
      '/spa/pricing | Pricing · Tracklet SPA demo',
      '/spa/docs | Docs · Tracklet SPA demo',
      '/spa/pricing | Pricing · Tracklet SPA demo',
      '/spa/docs | Docs · Tracklet SPA demo',
    ]);
    expect(consoleErrors.get(spa)).toEqual([]);
    await context.close();
  });

  it('draws the chart in UTC, like the table, whatever the browser’s time zone', async () => {
    await liveView.goto(`${collector.url}/#live`);
    await liveView.waitForSelector('#chart canvas');
    await liveView.hover('#chart .u-over'); // the legend then shows the minute under the cursor
    const shown = liveView.locator('#chart .u-legend .u-series').first().locator('.u-value');
    await expect.poll(() => shown.textContent(), { timeout: 10_000 }).toMatch(/^\d{4}-\d\d-\d\d \d{1,2}:\d\d[ap]m$/);
    const [, date, hour, minute, half] = (await shown.textContent())!.match(/^(\S+) (\d+):(\d+)([ap]m)$/)!;
    const asUtc = Date.parse(
      `${date}T${String((Number(hour) % 12) + (half == 'pm' ? 12 : 0)).padStart(2, '0')}:${minute}:00Z`,
    );
    // The chart spans the last 30 minutes; read as local (+5:45) time the label would be hours off.
    expect(asUtc).toBeGreaterThan(Date.now() - 32 * 60_000);
    expect(asUtc).toBeLessThanOrEqual(Date.now());
    await liveView.mouse.move(0, 0);
  });

  it('keeps the live view free of CSP violations and console errors (/favicon.ico answers 204), and saves its screenshot for the README', async () => {
    await liveView.goto(`${collector.url}/#live`);
    await liveView.locator('#events td.name', { hasText: 'added_to_cart' }).first().click();
    await liveView.waitForSelector('#chart canvas');
    expect(await violations(liveView)).toEqual([]);
    expect(consoleErrors.get(liveView)).toEqual([]);
    expect(dialogs).toEqual([]);
    await liveView.evaluate(() => window.scrollTo(0, 0));
    // Every run leaves one in test-results/; the README's copy changes only when asked, so a
    // test run does not dirty the working tree.
    await liveView.screenshot({ path: 'test-results/live-view.png' });
    if (process.env.UPDATE_SCREENSHOTS || !existsSync('docs/live-view.png'))
      await liveView.screenshot({ path: 'docs/live-view.png' });
  });
});

describe("Customer.io's Track API example", () => {
  // The example of Customer.io's "Events" page, run as printed with the host and credentials changed.
  it('answers 2xx to the curl example and shows the event on person 5 and in the live view', async () => {
    const { stdout } = await promisify(execFile)('curl', [
      '-i',
      `${collector.url}/api/v1/customers/5/events`,
      '-u',
      'demo:demo-secret',
      '-d',
      'name=purchased',
      '-d',
      'data[price]=23.45',
      '-d',
      'timestamp=1359389415',
    ]);
    expect(stdout).toMatch(/^HTTP\/1\.1 200 /);
    const person = await (await fetch(`${collector.url}/api/people/5`, { headers: READ })).json();
    expect(person.timeline.map((e: any) => [e.name, e.timestamp, e.raw.properties])).toEqual([
      ['purchased', '2013-01-28T16:10:15.000Z', { price: '23.45' }],
    ]);
    await liveView.goto(`${collector.url}/#live`);
    const row = liveView.locator('#events tbody tr', { hasText: 'purchased' });
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.locator('.person-link').textContent()).toBe('5');
  });
});
