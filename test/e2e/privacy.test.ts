// Privacy in real Chromium, through the built snippet and dist/cio.js: consent pending keeps
// calls in memory (no request, no cookie, no storage) until _cio.consent(true); consent(false)
// deletes what the library stored, keeps only the _cio_optout marker, and later page loads track
// nothing; Global Privacy Control and Do Not Track, when the tag asks to respect them, turn
// tracking off entirely. Each test has its own browser context (own cookies and storage) and its
// own site id, so the shared collector's requests can be told apart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { startStaticServer, type Route, type StaticServer } from '../helpers/static-server';
import { startTestCollector, type TestCollector } from '../helpers/test-collector';

let browser: Browser;
let site: StaticServer;
let collector: TestCollector;
const routes: Record<string, Route> = {};

/** The built snippet, pointing at this site's cio.js and the collector, with extra data-* attributes. */
function snippet(siteId: string, attributes: Record<string, string> = {}) {
  const extra = Object.entries(attributes).map(([k, v]) => `.setAttribute("data-${k}","${v}")`);
  const html = readFileSync('dist/snippet.html', 'utf8')
    .replace('YOUR_SITE_ID', siteId)
    .replace('https://YOUR_CDN/cio.js', '/dist/cio.js')
    .replace('https://YOUR_ENDPOINT', collector.url);
  const withAttributes = html.replace(
    /(\w+)(\.setAttribute\("data-endpoint","[^"]*"\))/,
    (_, v, call) => v + call + extra.map((e) => ',' + v + e).join(''),
  );
  if (extra.length && withAttributes == html) throw new Error('the snippet no longer sets data-endpoint');
  return withAttributes;
}

/** Serves `path` as a page with the snippet and then `script`. */
function page(path: string, siteId: string, attributes: Record<string, string> = {}, script = '') {
  routes[path] = (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(`<!doctype html><title>Privacy</title>${snippet(siteId, attributes)}<script>${script}</script>`);
  return site.url + path;
}

/** Every request the collector received for this site id (acknowledged or not). */
const requestsFor = (siteId: string) => collector.requests.filter((r) => r.body?.writeKey === siteId);
const messagesFor = (siteId: string) =>
  requestsFor(siteId)
    .filter((r) => r.status === 200)
    .flatMap((r) => r.body.batch);

/** What this origin holds: cookie names and localStorage keys, each sorted. */
async function stored(context: BrowserContext, p: Page) {
  const keys = await p.evaluate(() => Object.keys(localStorage).sort());
  const cookies = (await context.cookies()).map((c) => c.name).sort();
  const documentCookies = await p.evaluate(() =>
    document.cookie
      .split('; ')
      .filter(Boolean)
      .map((c) => c.split('=')[0])
      .sort(),
  );
  expect(documentCookies).toEqual(cookies);
  return { keys, cookies };
}

const loaded = (p: Page) => p.waitForFunction(() => (window as any)._cio?.__tracklet === 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function open(context: BrowserContext, url: string) {
  const p = await context.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  await p.goto(url);
  await loaded(p);
  return { p, errors };
}

beforeAll(async () => {
  collector = await startTestCollector();
  site = await startStaticServer(process.cwd(), routes);
  routes['/blank.html'] = (_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Blank</title>');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

describe('data-consent="pending"', () => {
  it('keeps calls in memory, with no request, cookie or storage, until _cio.consent(true) sends them', async () => {
    const context = await browser.newContext();
    const { p, errors } = await open(
      context,
      page(
        '/pending.html',
        'pending-1',
        { consent: 'pending' },
        "_cio.identify('u-1', { email: 'u1@example.com' }); _cio.track('before_load', { n: 0 });",
      ),
    );
    await p.evaluate(() => {
      (window as any)._cio.track('after_load', { n: 1 });
      return (window as any)._cio.flush();
    });
    await sleep(2500); // past the 1 s batching interval and a retry
    expect(requestsFor('pending-1')).toEqual([]);
    expect(await stored(context, p)).toEqual({ keys: [], cookies: [] });

    await p.evaluate(() => (window as any)._cio.consent(true));
    await collector.waitFor(() => messagesFor('pending-1').length >= 4);
    expect(messagesFor('pending-1').map((m) => m.event ?? m.type)).toEqual([
      'identify',
      'before_load',
      'page',
      'after_load',
    ]);
    expect((await stored(context, p)).cookies).toEqual(['_cioanonid', '_cioid']);
    // _cio_ok: when the collector last answered 2xx; _cio_ep:<batch URL>: that it agreed to gzip
    // (no personal data in either; see the README's storage table). The page writes them once the
    // answer reaches it, which may be after the collector recorded the request: wait in the page.
    await expect
      .poll(async () => (await stored(context, p)).keys.filter((k) => !k.startsWith('_cio_ob:')))
      .toEqual([`_cio_ep:${collector.url}/v1/batch`, '_cio_ok', '_cioanonid', '_cioid']);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('_cio.consent(false) through the stub, before cio.js loads: nothing sent, only _cio_optout stored', async () => {
    const context = await browser.newContext();
    const { p, errors } = await open(
      context,
      page(
        '/pending-refused.html',
        'pending-2',
        { consent: 'pending' },
        "_cio.track('queued'); _cio.consent(false); _cio.track('after_refusal');",
      ),
    );
    await p.evaluate(() => (window as any)._cio.flush());
    await sleep(1500);
    expect(requestsFor('pending-2')).toEqual([]);
    expect(await stored(context, p)).toEqual({ keys: ['_cio_optout'], cookies: ['_cio_optout'] });
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('consent(false)', () => {
  it('drops the queue and the outbox, deletes cookies and storage but _cio_optout, and later loads track nothing', async () => {
    const context = await browser.newContext();
    // Requests the page has made to the collector and not yet heard back from (a retry may be
    // on its way when consent is refused: it left before, and is no request made after).
    let inFlight = 0;
    const isToCollector = (r: Request) => r.url().startsWith(collector.url);
    context.on('request', (r) => isToCollector(r) && inFlight++);
    context.on('requestfinished', (r) => isToCollector(r) && inFlight--);
    context.on('requestfailed', (r) => isToCollector(r) && inFlight--);
    collector.behave({ kind: 'status', status: 503 }); // keep messages in the outbox
    try {
      const { p, errors } = await open(
        context,
        page(
          '/refuse.html',
          'refuse-1',
          {},
          "_cio.identify('u-2', { email: 'u2@example.com' }); _cio.track('kept_back');",
        ),
      );
      await collector.waitFor(() => requestsFor('refuse-1').length >= 1);
      const before = await stored(context, p);
      expect(before.cookies).toEqual(['_cioanonid', '_cioid']);
      expect(before.keys.some((k) => k.startsWith('_cio_ob:'))).toBe(true);

      await p.evaluate(() => (window as any)._cio.consent(false));
      expect(await stored(context, p)).toEqual({ keys: ['_cio_optout'], cookies: ['_cio_optout'] });
      await expect.poll(() => inFlight).toBe(0);
      collector.behave({ kind: 'ok' });
      const tried = requestsFor('refuse-1').length;
      await p.evaluate(() => {
        (window as any)._cio.track('after_refusal');
        return (window as any)._cio.flush();
      });
      await sleep(3000); // longer than any backoff that was pending
      expect(requestsFor('refuse-1')).toHaveLength(tried);

      // The next page load, and a navigation away (page-hide beacons), send nothing.
      await p.reload();
      await loaded(p);
      await p.evaluate(() => {
        (window as any)._cio.identify('u-2');
        (window as any)._cio.track('next_load');
        location.href = '/blank.html';
      });
      await p.waitForURL('**/blank.html');
      await sleep(1500);
      expect(requestsFor('refuse-1')).toHaveLength(tried);
      expect(messagesFor('refuse-1')).toEqual([]);
      expect(await stored(context, p)).toEqual({ keys: ['_cio_optout'], cookies: ['_cio_optout'] });
      expect(errors).toEqual([]);
    } finally {
      collector.behave({ kind: 'ok' });
      await context.close();
    }
  });
});

describe('consent(false) with two tabs open', () => {
  it('stops the other tab of the origin at once: nothing it tracks afterwards is sent', async () => {
    const context = await browser.newContext();
    const url = page('/two-tabs.html', 'two-tabs-1');
    const a = await open(context, url + '?tab=a');
    const b = await open(context, url + '?tab=b');
    // Listens after cio.js (loaded by now): when it hears of the refusal, the library has too.
    await b.p.evaluate(() => addEventListener('storage', (e) => ((window as any).__heard ||= e.key == '_cio_optout')));
    await a.p.evaluate(() => (window as any)._cio.consent(false));
    await b.p.waitForFunction(() => (window as any).__heard);
    await b.p.evaluate(
      () => (
        (window as any)._cio.identify('bob'),
        (window as any)._cio.track('after_refusal'),
        (window as any)._cio.flush()
      ),
    );
    await b.p.close({ runBeforeUnload: true }); // a page hide, which would beacon anything left
    await sleep(1500);
    expect(messagesFor('two-tabs-1').filter((m) => m.event == 'after_refusal' || m.type == 'identify')).toEqual([]);
    expect((await context.cookies()).map((c) => c.name)).toEqual(['_cio_optout']);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await context.close();
  });
});

describe('logout', () => {
  // On 127.0.0.1 (as on "co.uk"), the first candidate cookie domain ("0.1") is refused. A second
  // page load used to read the cookie the first had left, take "0.1" for the domain, and send
  // every later write and deletion there, where the browser drops them: reset() deleted nothing.
  it('sticks across page loads: after reset() on a later load, the next load sends no userId', async () => {
    const context = await browser.newContext();
    const url = page('/logout.html', 'logout-1', {}, '');
    const first = await open(context, url + '?_cio_id=alice'); // Customer.io's link auto-identify
    await first.p.evaluate(() => (window as any)._cio.flush());
    const second = await open(context, url);
    await second.p.evaluate(() => ((window as any)._cio.reset(), (window as any)._cio.flush()));
    const third = await open(context, url);
    await third.p.evaluate(() => ((window as any)._cio.track('after_logout'), (window as any)._cio.flush()));
    await collector.waitFor(() => messagesFor('logout-1').some((m) => m.event === 'after_logout'));
    const afterLogout = messagesFor('logout-1').find((m) => m.event === 'after_logout');
    expect(afterLogout.userId).toBeUndefined();
    expect((await context.cookies()).map((c) => c.name)).not.toContain('_cioid');
    expect([...first.errors, ...second.errors, ...third.errors]).toEqual([]);
    await context.close();
  });
});

describe('privacy signals', () => {
  const gpc = () =>
    Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });
  const dnt = () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1', configurable: true });

  it.each([
    ['data-respect-gpc="true" with navigator.globalPrivacyControl', 'gpc-1', { 'respect-gpc': 'true' }, gpc],
    ['data-respect-dnt="true" with Do Not Track on', 'dnt-1', { 'respect-dnt': 'true' }, dnt],
  ])(
    '%s: nothing sent, nothing stored, even after consent(true) and a page-hide',
    async (_, siteId, attributes, signal) => {
      const context = await browser.newContext();
      await context.addInitScript(signal);
      const { p, errors } = await open(
        context,
        page(
          `/${siteId}.html`,
          siteId,
          attributes,
          "_cio.identify('u-3', { email: 'u3@example.com' }); _cio.track('signalled');",
        ),
      );
      await p.evaluate(() => {
        const cio = (window as any)._cio;
        cio.consent(true);
        cio.track('after_consent');
        return cio.flush();
      });
      await sleep(1500);
      expect(await stored(context, p)).toEqual({ keys: [], cookies: [] });
      await p.evaluate(() => (location.href = '/blank.html'));
      await p.waitForURL('**/blank.html');
      await sleep(1000);
      expect(requestsFor(siteId)).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    },
  );

  it('tracks as usual with the signal on but the tag not asking to respect it', async () => {
    const context = await browser.newContext();
    await context.addInitScript(gpc);
    const { p } = await open(context, page('/gpc-ignored.html', 'gpc-2', {}, "_cio.track('tracked');"));
    expect(await p.evaluate(() => (navigator as any).globalPrivacyControl)).toBe(true);
    await collector.waitFor(() => messagesFor('gpc-2').some((m) => m.event === 'tracked'));
    await context.close();
  });
});
