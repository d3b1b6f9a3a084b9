// Issue 12's delivery proof against the collectors people run: the four scenarios (navigate
// away, tab close, a 10 s outage, the target's own 429) in Chromium against each target's test
// collector (test/targets/, written from the target's source or docs), with the library set up
// as a site sets it up TODAY: the snippet with data-site-id (the target's write key) and
// data-endpoint (the target's origin). A scenario passes when every event is STORED by the target
// with its page, and the target never received a body it could not read (scenarios.ts).
//
// Scenarios marked it.fails fail on today's library, each for the reason beside it; the
// library work of issue 12 turns them green, and then it.fails fails until the mark is removed.
// Figures of every run go to test-results/issue-12/targets.json.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import type { StaticServer } from '../helpers/static-server';
import type { TargetCollector } from '../targets/target-kit';
import { startRudderStack } from '../targets/rudderstack';
import { startSegment } from '../targets/segment';
import { startCustomerIo } from '../targets/customerio';
import { startJitsu } from '../targets/jitsu';
import { startPlain } from '../targets/plain';
import {
  closeTab,
  expectDelivered,
  navigateAway,
  outage,
  rateLimited,
  recordFigures,
  startTargetSite,
  type ScenarioInput,
  type ScenarioResult,
  type SnippetSetup,
} from '../targets/scenarios';

let browser: Browser;
let site: StaticServer;
const targets: TargetCollector[] = [];

beforeAll(async () => {
  site = await startTargetSite();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await Promise.all(targets.map((t) => t.close()));
});

/** What a site writes in the snippet today: its write key as site id, the collector's origin as endpoint. */
const today = (t: TargetCollector): SnippetSetup => ({ siteId: t.writeKey, endpoint: t.url });
/** The README's setting for RudderStack: its beacon path under the data plane URL (the key goes in the query). */
const rudderStackBeaconPath = (t: TargetCollector): SnippetSetup => ({
  siteId: t.writeKey,
  endpoint: t.url + '/beacon/v1/batch',
});

/** Runs `scenario` against a fresh collector of `start`, records its figures, and checks them. */
const runAgainst =
  (
    start: () => Promise<TargetCollector>,
    scenario: (input: ScenarioInput) => Promise<ScenarioResult>,
    setting: (t: TargetCollector) => SnippetSetup = today,
  ) =>
  async () => {
    const target = await start();
    targets.push(target);
    const result = await scenario({ browser, site, target, setup: setting(target) });
    recordFigures('targets', `${result.target} / ${result.scenario}`, result);
    expectDelivered(result, target);
  };

describe.concurrent('delivery to the collectors people run, configured as today', () => {
  describe('RudderStack (its beacon path under the data plane URL as data-endpoint)', () => {
    // fails today: /v1/batch reads the key only from Basic auth: every request is 401 and dropped; issue 12 library work turns it green
    it(
      'navigate away right after 20 calls: all 20 stored',
      runAgainst(startRudderStack, navigateAway, rudderStackBeaconPath),
    );
    // fails today: every request is 401 (no Basic auth) and dropped; issue 12 library work turns it green
    it(
      'tab closed right after 20 calls: all 20 stored by the next visit',
      runAgainst(startRudderStack, closeTab, rudderStackBeaconPath),
    );
    // fails today: every request is 401 (no Basic auth) and dropped; issue 12 library work turns it green
    it('a 10 s outage: all 20 stored once it is back', runAgainst(startRudderStack, outage, rudderStackBeaconPath));
    // fails today: every request but the 429s is 401 (no Basic auth) and dropped; issue 12 library work turns it green.
    // Its 429 carries no Retry-After and CORS exposes none: only the delivery can be checked.
    it(
      'two 429s (plain text, no Retry-After): all 20 stored',
      runAgainst(startRudderStack, rateLimited, rudderStackBeaconPath),
    );
  });

  describe('Segment (https://api.segment.io as data-endpoint)', () => {
    // fails today: each page's first request is gzip under ?encoding=gzip, a JSON error (400) to Segment; issue 12 library work turns it green
    it('navigate away right after 20 calls: all 20 stored', runAgainst(startSegment, navigateAway));
    // fails today: gzip bodies Segment cannot read (400, then plain); issue 12 library work turns it green
    it('tab closed right after 20 calls: all 20 stored by the next visit', runAgainst(startSegment, closeTab));
    // fails today: gzip bodies Segment cannot read (400, then plain); issue 12 library work turns it green
    it('a 10 s outage: all 20 stored once it is back', runAgainst(startSegment, outage));
    // fails today: gzip bodies Segment cannot read (400, then plain); issue 12 library work turns it green.
    // Its 429 sends Retry-After, but CORS is assumed to expose none: only the delivery is checked.
    it('two 429s: all 20 stored', runAgainst(startSegment, rateLimited));
  });

  describe('Customer.io Data Pipelines (https://cdp.customer.io as data-endpoint)', () => {
    // fails today: a batch's context applies to all its calls, so the per-message page is not kept; gzip bodies are answered 200 and lost; issue 12 library work turns it green
    it('navigate away right after 20 calls: all 20 stored', runAgainst(startCustomerIo, navigateAway));
    // fails today: the per-message page is not kept; gzip bodies are answered 200 and lost; issue 12 library work turns it green
    it('tab closed right after 20 calls: all 20 stored by the next visit', runAgainst(startCustomerIo, closeTab));
    // fails today: the retried batches go gzipped and are answered 200 and lost; no page kept; issue 12 library work turns it green
    it('a 10 s outage: all 20 stored once it is back', runAgainst(startCustomerIo, outage));
    it('has no 429 to test: the Pipelines API reference documents none', async () => {
      const target = await startCustomerIo();
      targets.push(target);
      expect(target.canRateLimit).toBe(false);
    });
  });

  describe("Jitsu (the ingest service's origin as data-endpoint)", () => {
    // fails today: each page's first request is gzip under ?encoding=gzip: 400 "error parsing message", then plain; issue 12 library work turns it green
    it('navigate away right after 20 calls: all 20 stored', runAgainst(startJitsu, navigateAway));
    // fails today: gzip bodies Jitsu cannot read (400, then plain); issue 12 library work turns it green
    it('tab closed right after 20 calls: all 20 stored by the next visit', runAgainst(startJitsu, closeTab));
    // fails today: gzip bodies Jitsu cannot read (400, then plain); issue 12 library work turns it green
    it('a 10 s outage: all 20 stored once it is back', runAgainst(startJitsu, outage));
    it('has no 429 to test: its batch handler never answers one (a throttled event fails inside a 200)', async () => {
      const target = await startJitsu();
      targets.push(target);
      expect(target.canRateLimit).toBe(false);
    });
  });

  describe('a collector that speaks plain Segment JSON only', () => {
    // fails today: each page's first request is gzip under ?encoding=gzip: 400, then plain; issue 12 library work turns it green
    it('navigate away right after 20 calls: all 20 stored', runAgainst(startPlain, navigateAway));
    // fails today: gzip bodies it cannot read (400, then plain); issue 12 library work turns it green
    it('tab closed right after 20 calls: all 20 stored by the next visit', runAgainst(startPlain, closeTab));
    // fails today: gzip bodies it cannot read (400, then plain); issue 12 library work turns it green
    it('a 10 s outage: all 20 stored once it is back', runAgainst(startPlain, outage));
    // fails today: gzip bodies it cannot read (400, then plain); issue 12 library work turns it green
    it('two 429s with Retry-After: 3: all 20 stored, nothing sent before 3 s', runAgainst(startPlain, rateLimited));
  });
});
