// Delivery scenarios that run in Chromium against any target test collector (test/targets/):
// navigate away right after 20 calls, close the tab, a 10 s outage, and the target's own 429.
// The page is the real snippet loading dist/cio.js, configured by its attributes; what a
// scenario counts is what the target STORED (a 200 that keeps nothing delivers nothing), by
// messageId and by the probe's own number, as test/e2e/fixtures/reliability-kit.ts does for
// tracklet's test collector.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStaticServer, type Route, type StaticServer } from '../helpers/static-server';
import { EVENT, sleep } from '../e2e/fixtures/reliability-kit';
import type { TargetCollector } from './target-kit';

export const FIGURES_DIR = 'test-results/issue-12';

/** How the page's snippet is set up: what a site writes in `data-*` attributes. */
export interface SnippetSetup {
  /** `data-site-id`: the target's write key. */
  siteId: string;
  /** `data-endpoint`. */
  endpoint: string;
  /** Any other `data-*` attribute, name without the `data-` prefix. */
  attributes?: Record<string, string>;
  /** A name from the site's `heads`: HTML put before the snippet (a script that wraps fetch, say). */
  head?: string;
}

/**
 * The site: `/shop.html?setup=<JSON of SnippetSetup>` has the built snippet, cio.js from this
 * origin and the collector on another, as in production; `/plain.html` has no tracking at all.
 * `heads` are named pieces of HTML a page can put before its snippet; `routes` serve more files.
 */
export async function startTargetSite(
  heads: Record<string, string> = {},
  routes: Record<string, Route> = {},
): Promise<StaticServer> {
  const snippet = readFileSync('dist/snippet.html', 'utf8');
  const html = (body: string) => (_req: unknown, res: any) =>
    res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' }).end(body);
  return startStaticServer(process.cwd(), {
    ...routes,
    '/shop.html': (req, res) => {
      const setup: SnippetSetup = JSON.parse(new URL(req.url ?? '/', 'http://x').searchParams.get('setup') ?? '{}');
      // Extra attributes go in next to data-site-id, as the README says to add them.
      const attributes = Object.entries(setup.attributes ?? {})
        .map(([name, value]) => `,a.setAttribute(${JSON.stringify('data-' + name)},${JSON.stringify(value)})`)
        .join('');
      const page = snippet
        .replace('"YOUR_SITE_ID")', JSON.stringify(setup.siteId) + ')' + attributes)
        .replace('https://YOUR_CDN/cio.js', '/dist/cio.js')
        .replace('https://YOUR_ENDPOINT', setup.endpoint);
      // The page keeps the library's events (`on()`, queued on the stub like any call).
      const listen = `<script>['retry', 'sent', 'dropped'].forEach(function (e) { _cio.on(e, function (d) { (window['cio_' + e] = window['cio_' + e] || []).push(d); }); });</script>`;
      html(`<!doctype html><title>Shop</title>${heads[setup.head ?? ''] ?? ''}${page}${listen}`)(req, res);
    },
    '/plain.html': html('<!doctype html><title>No tracking here</title>'),
  });
}

export const shopUrl = (site: StaticServer, setup: SnippetSetup) =>
  `${site.url}/shop.html?setup=${encodeURIComponent(JSON.stringify(setup))}`;

export interface OpenPage {
  page: Page;
  /** Uncaught errors of the page. */
  errors: string[];
  /** The library's console warnings. */
  warnings: string[];
}

/** Opens the shop in `context` and waits for cio.js to take over from the stub. */
export async function openShop(context: BrowserContext, url: string): Promise<OpenPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => (window as any)._cio?.__tracklet === 1);
  return { page, errors, warnings };
}

/**
 * Tracks `count` probe events in one task (`properties.n` numbers them, `tab` names the tab),
 * then, with `thenGo`, navigates in that same task. `padBytes` adds a `pad` property of that many
 * characters: pseudo-random ones with `isIncompressible` (gzip cannot shrink them much), else 'x'.
 */
export function trackEvents(
  page: Page,
  {
    count = 20,
    tab = 'a',
    padBytes = 0,
    isIncompressible = false,
    thenGo,
  }: { count?: number; tab?: string; padBytes?: number; isIncompressible?: boolean; thenGo?: string } = {},
) {
  return page.evaluate(
    ({ count, tab, padBytes, isIncompressible, thenGo, event }) => {
      const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      let seed = 12345;
      const pad = () => {
        if (!isIncompressible) return 'x'.repeat(padBytes);
        let s = '';
        for (let i = 0; i < padBytes; i++) {
          seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff; // imul: a plain * loses the low bits past 2^53
          s += letters[seed >> 25];
        }
        return s;
      };
      for (let n = 1; n <= count; n++)
        (window as any)._cio.track(event, padBytes ? { n, tab, pad: pad() } : { n, tab });
      if (thenGo) location.href = thenGo;
    },
    { count, tab, padBytes, isIncompressible, thenGo, event: EVENT },
  );
}

export interface TargetTally {
  /** Distinct probe events the target stored. */
  delivered: number;
  /** Stored copies of probe events beyond the first, by messageId. */
  duplicates: number;
  /** Stored probe events without `context.page.url` (the page they were tracked on is lost). */
  withoutPage: number;
  /** Requests whose body a Segment-JSON collector could not read (see Received.isReadable). */
  unreadable: number;
  /** When the last request that stored a probe event arrived (ms). */
  lastAt: number;
}

export function tallyTarget(target: TargetCollector): TargetTally {
  const copies = new Map<string, number>();
  const events = new Set<string>();
  let withoutPage = 0;
  for (const m of target.stored) {
    if (m?.event !== EVENT) continue;
    copies.set(m.messageId, (copies.get(m.messageId) ?? 0) + 1);
    if (copies.get(m.messageId) === 1 && !m.context?.page?.url) withoutPage++;
    events.add(`${m.properties?.tab}:${m.properties?.n}`);
  }
  let lastAt = 0;
  const probeIds = new Set(copies.keys());
  for (const r of target.requests) if (r.storedIds.some((id) => probeIds.has(id))) lastAt = Math.max(lastAt, r.at);
  let duplicates = 0;
  for (const c of copies.values()) duplicates += c - 1;
  const unreadable = target.requests.filter((r) => !r.isReadable).length;
  return { delivered: events.size, duplicates, withoutPage, unreadable, lastAt };
}

/** Waits until `tracked` probe events are stored (or `timeoutMs` passed), then `settleMs` more for late copies. */
export async function awaitStored(
  target: TargetCollector,
  tracked: number,
  { timeoutMs = 20_000, settleMs = 2000 } = {},
): Promise<TargetTally> {
  await target.waitFor(() => tallyTarget(target).delivered >= tracked, timeoutMs).catch(() => {});
  await sleep(settleMs);
  return tallyTarget(target);
}

/** One scenario run's figures. */
export interface ScenarioResult extends TargetTally {
  scenario: string;
  target: string;
  tracked: number;
  /** Requests (preflights aside) and their statuses, in order: what the target answered. */
  statuses: string;
  /** Anything else the scenario measures. */
  [figure: string]: number | string;
}

const statusesOf = (target: TargetCollector) =>
  target.requests
    .filter((r) => r.method !== 'OPTIONS')
    .map((r) => r.status)
    .join(' ');

function resultOf(
  scenario: string,
  target: TargetCollector,
  tracked: number,
  tally: TargetTally,
  extra: Record<string, number | string> = {},
): ScenarioResult {
  return { scenario, target: target.name, tracked, ...tally, statuses: statusesOf(target), ...extra };
}

export interface ScenarioInput {
  browser: Browser;
  site: StaticServer;
  target: TargetCollector;
  setup: SnippetSetup;
}

/** 20 calls, then a navigation in the same task to a page without the tracker. */
export async function navigateAway({ browser, site, target, setup }: ScenarioInput): Promise<ScenarioResult> {
  const context = await browser.newContext();
  const { page } = await openShop(context, shopUrl(site, setup));
  await trackEvents(page, { count: 20, thenGo: site.url + '/plain.html' });
  await page.waitForURL('**/plain.html');
  const tally = await awaitStored(target, 20, { timeoutMs: 15_000 });
  await context.close();
  return resultOf('navigate away', target, 20, tally);
}

/** 20 calls, the tab closed at once, the site opened again 2 s later in a new tab. */
export async function closeTab({ browser, site, target, setup }: ScenarioInput): Promise<ScenarioResult> {
  const context = await browser.newContext();
  const url = shopUrl(site, setup);
  const { page } = await openShop(context, url);
  await trackEvents(page, { count: 20 });
  await page.close({ runBeforeUnload: true });
  await sleep(2000);
  const beforeReopen = tallyTarget(target).delivered;
  await openShop(context, url);
  const tally = await awaitStored(target, 20, { timeoutMs: 15_000 });
  await context.close();
  return resultOf('tab close', target, 20, tally, { beforeReopen });
}

/** The target down (503) for 10 s while 20 events are tracked, then back. */
export async function outage({ browser, site, target, setup }: ScenarioInput): Promise<ScenarioResult> {
  target.behave({ kind: 'down' });
  const context = await browser.newContext();
  const { page } = await openShop(context, shopUrl(site, setup));
  await trackEvents(page, { count: 20 });
  await sleep(10_000);
  target.behave({ kind: 'ok' });
  const backAt = Date.now();
  const tally = await awaitStored(target, 20, { timeoutMs: 40_000 });
  await context.close();
  return resultOf('10 s outage', target, 20, tally, { recoveryMs: tally.lastAt ? tally.lastAt - backAt : -1 });
}

/**
 * The target answers its own 429 twice, then as usual. `minGapAfter429Ms`: the shortest time
 * from a 429 to the next request (the target asked for 3 s where it sends Retry-After).
 */
export async function rateLimited({ browser, site, target, setup }: ScenarioInput): Promise<ScenarioResult> {
  const context = await browser.newContext();
  const { page } = await openShop(context, shopUrl(site, setup));
  // The page view goes first (answered however the target answers it), so the 429s meet the events.
  await target.waitFor(() => target.requests.some((r) => r.method === 'POST'), 10_000).catch(() => {});
  await sleep(500);
  target.behaveNext({ kind: 'rate-limited' }, { kind: 'rate-limited' });
  await trackEvents(page, { count: 20 });
  const tally = await awaitStored(target, 20, { timeoutMs: 30_000 });
  const posts = target.requests.filter((r) => r.method === 'POST');
  const gaps = posts.slice(0, -1).flatMap((r, i) => (r.status === 429 ? [posts[i + 1].at - r.at] : []));
  await context.close();
  return resultOf('429', target, 20, tally, {
    answered429: posts.filter((r) => r.status === 429).length,
    minGapAfter429Ms: gaps.length ? Math.min(...gaps) : 'none',
  });
}

/**
 * What "passes against a target" means: every probe event stored once or more, none stored
 * without its page, no body the target could not read, and after a 429 whose Retry-After the
 * page can read, nothing sent before it expired.
 */
export function expectDelivered(r: ScenarioResult, target: TargetCollector) {
  const figures = JSON.stringify(r);
  expect(r.delivered, figures).toBe(r.tracked);
  expect(r.withoutPage, figures).toBe(0);
  expect(r.unreadable, figures).toBe(0);
  if (r.scenario === '429') {
    expect(r.answered429, figures).toBe(2);
    if (target.exposesRetryAfter()) expect(r.minGapAfter429Ms, figures).toBeGreaterThanOrEqual(3000);
  }
}

/** Saves `figures` under `key` in test-results/issue-12/<file>.json (other keys kept) and prints them. */
export function recordFigures(file: string, key: string, figures: unknown) {
  mkdirSync(FIGURES_DIR, { recursive: true });
  const path = `${FIGURES_DIR}/${file}.json`;
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // first figures of this file
  }
  all[key] = figures;
  writeFileSync(path, JSON.stringify(all, null, 2) + '\n');
  console.log(`[issue 12] ${file} / ${key}: ${JSON.stringify(figures)}`);
}
