// A change of identity in real Chromium, through the built snippet and dist/cio.js: the person's
// id lives in a cookie and in localStorage, and a later page load must never find the previous
// person in one of them after identify() named a new one. An id that a cookie cannot encode (a
// lone surrogate, as cutting a string mid-emoji makes) is normalised: each lone surrogate becomes
// U+FFFD, in the messages and in both copies. A copy that cannot take the new id (localStorage
// full) is deleted rather than left holding the previous one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { startStaticServer, type Route, type StaticServer } from '../helpers/static-server';
import { startTestCollector, type TestCollector } from '../helpers/test-collector';

let browser: Browser;
let site: StaticServer;
let collector: TestCollector;
const routes: Record<string, Route> = {};

const messagesFor = (siteId: string) =>
  collector.requests.filter((r) => r.status === 200 && r.body?.writeKey === siteId).flatMap((r) => r.body.batch);

/** Serves a page with the built snippet for `siteId`; returns its URL. */
function page(siteId: string) {
  const html = readFileSync('dist/snippet.html', 'utf8')
    .replace('YOUR_SITE_ID', siteId)
    .replace('https://YOUR_CDN/cio.js', '/dist/cio.js')
    .replace('https://YOUR_ENDPOINT', collector.url);
  routes[`/${siteId}.html`] = (_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Identity</title>${html}`);
  return `${site.url}/${siteId}.html`;
}

/** One page load in `context`: runs `calls` on the loaded `_cio`, flushes, and returns what was stored. */
async function load(context: BrowserContext, url: string, calls: string, init?: () => void) {
  const p = await context.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  if (init) await p.addInitScript(init);
  await p.goto(url);
  await p.waitForFunction(() => (window as any)._cio?.__tracklet === 1);
  await p.evaluate(`${calls}; _cio.flush()`);
  const cookie = (await context.cookies()).find((c) => c.name == '_cioid');
  const storage = await p.evaluate(() => localStorage.getItem('_cioid'));
  await p.close();
  return { cookie: cookie && decodeURIComponent(cookie.value), storage, errors };
}

beforeAll(async () => {
  collector = await startTestCollector();
  site = await startStaticServer(process.cwd(), routes);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

describe('a change of identity', () => {
  it('to an id with a lone surrogate: normalised, in both copies and the messages; the next load is that person, not the previous one', async () => {
    const context = await browser.newContext();
    const url = page('identity-surrogate');
    const cut = 'bob-😀'.slice(0, 5); // 'bob-\ud83d'
    const first = await load(context, url, "_cio.identify('alice')");
    expect(first).toMatchObject({ cookie: 'alice', storage: 'alice' });
    const second = await load(context, url, `_cio.identify(${JSON.stringify(cut)}); _cio.track('as_bob')`);
    expect(second).toMatchObject({ cookie: 'bob-\ufffd', storage: 'bob-\ufffd' });
    const third = await load(context, url, "_cio.track('next_load')");
    await collector.waitFor(() => messagesFor('identity-surrogate').some((m) => m.event == 'next_load'));
    const userOf = (event: string) => messagesFor('identity-surrogate').find((m) => m.event == event).userId;
    expect([userOf('as_bob'), userOf('next_load')]).toEqual(['bob-\ufffd', 'bob-\ufffd']);
    expect([...first.errors, ...second.errors, ...third.errors]).toEqual([]);
    await context.close();
  });

  it('while localStorage is full: its copy of the previous id is deleted, so a load without the cookies is anonymous, not the previous person', async () => {
    const context = await browser.newContext();
    const url = page('identity-quota');
    await load(context, url, "_cio.identify('alice')");
    const full = () => {
      Storage.prototype.setItem = () => {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      };
    };
    const second = await load(context, url, "_cio.identify('bob'); _cio.track('as_bob')", full);
    expect(second).toMatchObject({ cookie: 'bob', storage: null });
    await context.clearCookies(); // as Safari does to script-written cookies after 7 days
    await load(context, url, "_cio.track('cookies_gone')");
    await collector.waitFor(() => messagesFor('identity-quota').some((m) => m.event == 'cookies_gone'));
    const userOf = (event: string) => messagesFor('identity-quota').find((m) => m.event == event).userId;
    expect([userOf('as_bob'), userOf('cookies_gone')]).toEqual(['bob', undefined]);
    expect(second.errors).toEqual([]);
    await context.close();
  });
});
