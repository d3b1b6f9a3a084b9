// A renderer that crashes in the middle of a burst of track calls (CDP `Page.crash`, as an
// out-of-memory kill or a browser bug would) loses nothing it had tracked: every task's messages
// were in localStorage before the task ended, the browser released the dead tab's Web Lock, and
// the next load of the site adopts its keys and delivers them. Real Chromium, the built snippet
// and cio.js, a real collector on 127.0.0.1 (test/helpers/test-collector.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { startTestCollector, type TestCollector } from '../helpers/test-collector';
import type { StaticServer } from '../helpers/static-server';
import { EVENT, openShop, shopUrl, startSite } from './fixtures/reliability-kit';

const CALLS = 2000;
const CALLS_PER_TASK = 10;
/** The crash is asked for once this many tasks have reported back (mid-burst). */
const CRASH_AFTER_TASKS = 60;

let browser: Browser;
let site: StaticServer;
let collector: TestCollector;
beforeAll(async () => {
  browser = await launchChromium();
  site = await startSite();
  collector = await startTestCollector();
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.close();
});

/** Probe events the collector acknowledged: messageIds by `properties.n`. */
function acknowledged(c: TestCollector) {
  const idsByN = new Map<number, Set<string>>();
  for (const m of c.messages())
    if (m.event === EVENT)
      (idsByN.get(m.properties.n) ?? idsByN.set(m.properties.n, new Set()).get(m.properties.n)!).add(m.messageId);
  return idsByN;
}

describe('a renderer crash in the middle of a burst', () => {
  it('the next load of the site delivers every event tracked before the crash', async () => {
    // Slow answers: at the crash most of the burst is in the outbox only, not at the collector.
    collector.behave({ kind: 'slow', delayMs: 20_000 });
    const context = await browser.newContext();
    const url = shopUrl(site, collector);
    const { page } = await openShop(context, url);

    // Each task reports how many calls it has made once they returned (the library writes them
    // in the microtasks that end that same task, so a crash cannot fall in between).
    let reported = 0;
    page.on('console', (m) => {
      const match = /^tracked (\d+)$/.exec(m.text());
      if (match) reported = Math.max(reported, Number(match[1]));
    });
    const crashed = page.waitForEvent('crash');
    void page
      .evaluate(
        ({ calls, perTask, event }) => {
          let n = 0;
          // Tasks 10 ms apart (the whole burst takes 2 s or more), so that the crash, asked for
          // from outside once 60 tasks have reported, lands in the middle of it even on a busy machine.
          const task = () => {
            for (let i = 0; i < perTask && n < calls; i++) (window as any)._cio.track(event, { n: ++n, tab: 'crash' });
            console.log('tracked ' + n);
            if (n < calls) setTimeout(task, 10);
          };
          task();
        },
        { calls: CALLS, perTask: CALLS_PER_TASK, event: EVENT },
      )
      .catch(() => {}); // the renderer may die before evaluate answers
    await expect
      .poll(() => reported, { timeout: 60_000, interval: 5 })
      .toBeGreaterThanOrEqual(CRASH_AFTER_TASKS * CALLS_PER_TASK);
    const cdp = await context.newCDPSession(page);
    void cdp.send('Page.crash').catch(() => {}); // never answered: the renderer is gone
    await crashed;
    const trackedBeforeCrash = reported;
    expect(trackedBeforeCrash).toBeLessThan(CALLS); // the crash came mid-burst
    const atCrash = acknowledged(collector).size;

    collector.behave({ kind: 'ok' });
    const { errors } = await openShop(context, url); // the next load of the site
    await collector.waitFor(() => {
      const ids = acknowledged(collector);
      for (let n = 1; n <= trackedBeforeCrash; n++) if (!ids.has(n)) return false;
      return true;
    }, 60_000);

    const ids = acknowledged(collector);
    expect(atCrash).toBeLessThan(trackedBeforeCrash); // most of it came from the stored outbox
    // Every event tracked before the crash arrived, each under one messageId (copies keep it).
    for (let n = 1; n <= trackedBeforeCrash; n++) expect(ids.get(n)?.size, `event ${n}`).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
