// Issue 4's proof, part 2: the collector or the network fails while events are tracked, and
// every event still arrives once it recovers, without retries wasted while offline and without
// a request before Retry-After. Each scenario runs RUNS times at once, each in a fresh context
// with its own collector; the library runs with its defaults (retries from 1 s, doubling, full
// jitter), loaded by the real snippet. Figures go to test-results/reliability/ and
// docs/reliability.md (see fixtures/).
import { describe, expect, it } from 'vitest';
import type { TestCollector } from '../helpers/test-collector';
import {
  awaitDelivery,
  openShop,
  shopUrl,
  sleep,
  trackBurst,
  untilSent,
  expectAllDelivered,
  reliabilitySuite,
} from './fixtures/reliability-kit';

const suite = reliabilitySuite('outage');
const { report, newCollector } = suite;
const DOWN = { kind: 'status', status: 503 } as const;
/** Requests the collector refused while it was down. */
const refused = (c: TestCollector) => c.requests.filter((r) => r.status !== 200).length;

describe('reliability: the collector or the network fails', () => {
  it('scenario 3: delivers everything once the collector is back from a 10 s outage', async () => {
    const s = await report.runAll(
      {
        id: '3',
        title: 'Collector down (503) for 10 s while 20 events are tracked, then back',
        checks: '`refused`: requests answered 503 during the outage',
      },
      async () => {
        const collector = await newCollector();
        collector.behave(DOWN);
        const context = await suite.browser.newContext();
        const { page, errors } = await openShop(context, shopUrl(suite.site, collector));
        await trackBurst(page, { count: 20 });
        await sleep(10_000);
        collector.behave({ kind: 'ok' });
        const backAt = Date.now();
        const t = await awaitDelivery(collector, 20);
        await context.close();
        return {
          tracked: 20,
          delivered: t.delivered,
          duplicates: t.duplicates,
          recoveryMs: t.lastAt - backAt,
          refused: refused(collector),
          pageErrors: errors.length,
        };
      },
    );
    expectAllDelivered(s);
  });

  it('scenario 4: delivers everything when the page reloads during the outage', async () => {
    const s = await report.runAll(
      {
        id: '4',
        title:
          'Collector down, 20 events tracked, the page reloaded 3 s later, the collector back 5 s after the reload',
        checks: '`refused`: requests (fetches and beacons) answered 503 during the outage',
      },
      async () => {
        const collector = await newCollector();
        collector.behave(DOWN);
        const context = await suite.browser.newContext();
        const { page, errors } = await openShop(context, shopUrl(suite.site, collector));
        await trackBurst(page, { count: 20 });
        await sleep(3000);
        await page.reload();
        await sleep(5000);
        collector.behave({ kind: 'ok' });
        const backAt = Date.now();
        const t = await awaitDelivery(collector, 20);
        await context.close();
        return {
          tracked: 20,
          delivered: t.delivered,
          duplicates: t.duplicates,
          recoveryMs: t.lastAt - backAt,
          refused: refused(collector),
          pageErrors: errors.length,
        };
      },
    );
    expectAllDelivered(s);
  });

  it('scenario 5: sends nothing before a 429 Retry-After: 3 expires', async () => {
    const s = await report.runAll(
      {
        id: '5',
        title: 'Two answers 429 with Retry-After: 3, then 200',
        checks: '`minGapAfter429Ms`: shortest time from a 429 to the next request (must be at least 3,000 ms)',
      },
      async () => {
        const collector = await newCollector();
        const context = await suite.browser.newContext();
        const { page, errors } = await openShop(context, shopUrl(suite.site, collector));
        // The page view goes first, so the 429s answer the tracked events.
        await untilSent(page);
        const retryAfter = { kind: 'status', status: 429, retryAfter: '3' } as const;
        collector.behaveNext(retryAfter, retryAfter);
        await trackBurst(page, { count: 20 });
        const t = await awaitDelivery(collector, 20, { timeoutMs: 30_000 });
        const log = collector.requests;
        const gaps = log.slice(0, -1).flatMap((r, i) => (r.status === 429 ? [log[i + 1].at - r.at] : []));
        await context.close();
        return {
          tracked: 20,
          delivered: t.delivered,
          duplicates: t.duplicates,
          answered429: gaps.length,
          minGapAfter429Ms: gaps.length ? Math.min(...gaps) : 'none',
          pageErrors: errors.length,
        };
      },
    );
    expectAllDelivered(s);
    for (const r of s.runs) {
      expect(r.answered429).toBe(2);
      // The collector stamps a request when it has read it and answers at once, so the client
      // learns of the 429 after `at`: its next request cannot honestly come sooner than 3 s later.
      expect(r.minGapAfter429Ms).toBeGreaterThanOrEqual(3000);
    }
  });

  it('scenario 6: spends no retry while offline and sends everything on `online`', async () => {
    const s = await report.runAll(
      {
        id: '6',
        title: 'Browser offline (context.setOffline) for 5 s while 20 events are tracked, then online',
        checks:
          '`attemptsOffline`: requests the page tried to send while offline (must be 0); `attemptsOnline`: the same count after `online` (shows the counter works); `onLine`: navigator.onLine while offline',
      },
      async () => {
        const collector = await newCollector();
        const context = await suite.browser.newContext();
        const { page, errors } = await openShop(context, shopUrl(suite.site, collector));
        await untilSent(page); // the page view, sent and acknowledged while online
        // Counted in the browser: requests made offline fail there and never reach the collector.
        let isOffline = false;
        let attemptsOffline = 0;
        let attemptsOnline = 0;
        const offlineLog: string[] = [];
        let offlineAt = 0;
        context.on('request', (r) => {
          if (!r.url().startsWith(collector.url + '/')) return;
          if (isOffline) offlineLog.push(`${r.method()} ${Date.now() - offlineAt} ms after going offline`);
          isOffline ? attemptsOffline++ : attemptsOnline++;
        });
        isOffline = true;
        offlineAt = Date.now();
        await context.setOffline(true);
        const onLine = String(await page.evaluate(() => navigator.onLine));
        await trackBurst(page, { count: 20 });
        await sleep(5000);
        isOffline = false;
        const backAt = Date.now(); // the browser may send before setOffline() resolves
        await context.setOffline(false);
        const t = await awaitDelivery(collector, 20);
        await context.close();
        return {
          tracked: 20,
          delivered: t.delivered,
          duplicates: t.duplicates,
          recoveryMs: t.lastAt - backAt,
          attemptsOffline,
          attemptsOnline,
          onLine,
          pageErrors: errors.length,
          ...(offlineLog.length ? { offlineLog: offlineLog.join('; ') } : {}),
        };
      },
    );
    expectAllDelivered(s);
    for (const r of s.runs) expect(r).toMatchObject({ attemptsOffline: 0, onLine: 'false' });
  });

  it('scenario 7: two tabs tracking through the same outage deliver everything', async () => {
    const s = await report.runAll(
      {
        id: '7',
        title: 'Two tabs of one browser each track 20 events while the collector is down (503) for 8 s',
        checks: 'duplicates between the tabs (the outboxes are per tab, so normal operation has none)',
      },
      async () => {
        const collector = await newCollector();
        collector.behave(DOWN);
        const context = await suite.browser.newContext();
        const url = shopUrl(suite.site, collector);
        const [a, b] = await Promise.all([openShop(context, url), openShop(context, url)]);
        await Promise.all([trackBurst(a.page, { count: 20, tab: 'a' }), trackBurst(b.page, { count: 20, tab: 'b' })]);
        await sleep(8000);
        collector.behave({ kind: 'ok' });
        const backAt = Date.now();
        const t = await awaitDelivery(collector, 40);
        await context.close();
        return {
          tracked: 40,
          delivered: t.delivered,
          duplicates: t.duplicates,
          recoveryMs: t.lastAt - backAt,
          refused: refused(collector),
          pageErrors: a.errors.length + b.errors.length,
        };
      },
    );
    expectAllDelivered(s);
  });
});
