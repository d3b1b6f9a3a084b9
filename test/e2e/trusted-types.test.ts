// Trusted Types in real Chromium: a page whose Content-Security-Policy has
// `require-trusted-types-for 'script'` refuses a plain string assigned to `script.src` (a
// TypeError). The snippet must never throw there, not on a second paste either (creating a
// policy under a name that exists throws, unless the CSP says 'allow-duplicates'), and loads
// cio.js through its policy "tracklet", which a site allows with `trusted-types tracklet`
// (docs/security.md), and which turns no URL but the snippet's own into a script URL.
// The CSP directives: https://w3c.github.io/trusted-types/dist/spec/#integration-with-content-security-policy
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { startStaticServer, type Route, type StaticServer } from '../helpers/static-server';
import { startTestCollector, type TestCollector } from '../helpers/test-collector';

let browser: Browser;
let site: StaticServer;
let collector: TestCollector;
const routes: Record<string, Route> = {};

const REQUIRE = "require-trusted-types-for 'script'";

/** The built snippet (or its SRI variant) for `siteId`. */
const snippet = (siteId: string, file = 'dist/snippet.html') =>
  readFileSync(file, 'utf8')
    .replace('YOUR_SITE_ID', siteId)
    .replace('https://YOUR_CDN/cio.js', site.url + '/dist/cio.js')
    .replace('https://YOUR_ENDPOINT', collector.url);

const messagesFor = (siteId: string) =>
  collector.requests.filter((r) => r.status === 200 && r.body?.writeKey === siteId).flatMap((r) => r.body.batch);

/** Opens a page with the given CSP and body; records page errors and CSP violations. */
async function open(siteId: string, csp: string, body: string) {
  routes[`/${siteId}.html`] = (_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': csp }).end(
      `<!doctype html><title>Trusted Types</title><script>window.__violations = [];
        document.addEventListener('securitypolicyviolation', function (e) { __violations.push(e.violatedDirective); });</script>${body}`,
    );
  const p = await browser.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  await p.goto(`${site.url}/${siteId}.html`);
  return { p, errors };
}
const loaded = (p: import('playwright-core').Page) => p.waitForFunction(() => (window as any)._cio?.__tracklet === 1);

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

describe("under Content-Security-Policy: require-trusted-types-for 'script'", () => {
  it.each([
    ['trusted-types tracklet', `${REQUIRE}; trusted-types tracklet`, 'tt-allowed'],
    ['no trusted-types directive (any policy name)', REQUIRE, 'tt-any'],
  ])('with %s: the snippet throws nothing, loads cio.js through its policy, and delivers', async (_, csp, siteId) => {
    const { p, errors } = await open(siteId, csp, `${snippet(siteId)}<script>_cio.track('under_tt');</script>`);
    await loaded(p);
    await collector.waitFor(() => messagesFor(siteId).some((m) => m.event == 'under_tt'));
    expect(errors).toEqual([]);
    expect(await p.evaluate(() => (window as any).__violations)).toEqual([]);
    await p.close();
  });

  it('pasted twice (a policy name may be created once): no exception, cio.js runs once, one page view', async () => {
    const siteId = 'tt-twice';
    const { p, errors } = await open(
      siteId,
      `${REQUIRE}; trusted-types tracklet`,
      `${snippet(siteId)}${snippet(siteId)}<script>_cio.track('after_two_pastes');</script>`,
    );
    await loaded(p);
    await collector.waitFor(() => messagesFor(siteId).some((m) => m.event == 'after_two_pastes'));
    await p.evaluate(() => (window as any)._cio.flush());
    expect(errors).toEqual([]);
    expect(messagesFor(siteId).filter((m) => m.type == 'page')).toHaveLength(1);
    await p.close();
  });

  it('the SRI variant loads cio.js too, with its integrity', async () => {
    const siteId = 'tt-sri';
    const { p, errors } = await open(
      siteId,
      `${REQUIRE}; trusted-types tracklet`,
      `${snippet(siteId, 'dist/snippet-sri.html')}<script>_cio.track('sri_under_tt');</script>`,
    );
    await loaded(p);
    await collector.waitFor(() => messagesFor(siteId).some((m) => m.event == 'sri_under_tt'));
    expect(await p.evaluate(() => (document.getElementById('cio-tracker') as HTMLScriptElement).integrity)).toBe(
      readFileSync('dist/cio.js.sri', 'utf8').trim(),
    );
    expect(errors).toEqual([]);
    await p.close();
  });

  it("the policy turns no URL but the snippet's own into a script URL", async () => {
    const siteId = 'tt-only-own';
    // Keeps the policies the page creates, to ask the snippet's for other URLs.
    const capture = `<script>window.__policies = {}; var create = trustedTypes.createPolicy.bind(trustedTypes);
      trustedTypes.createPolicy = function (name, rules) { return (__policies[name] = create(name, rules)); };</script>`;
    const { p, errors } = await open(siteId, `${REQUIRE}; trusted-types tracklet`, capture + snippet(siteId));
    await loaded(p);
    const made = await p.evaluate((own) => {
      const policy = (window as any).__policies.tracklet;
      const attempt = (url: string) => {
        try {
          return String(policy.createScriptURL(url));
        } catch (e) {
          return 'refused';
        }
      };
      return [own, own + '?x', 'https://evil.example/cio.js', 'data:text/javascript,alert(1)'].map(attempt);
    }, site.url + '/dist/cio.js');
    expect(made[0]).toBe(site.url + '/dist/cio.js');
    expect(made.slice(1)).toEqual(['', '', '']); // an empty script URL loads nothing
    expect(errors).toEqual([]);
    await p.close();
  });

  it("Customer.io's classic snippet assigns a plain string to script.src: a TypeError, nothing loads (use tracklet's)", async () => {
    const siteId = 'tt-customerio';
    // Its shape (jordanhailey/customerio-web-sdk-playground, src/public/js/cio-tracking-snippet.js).
    const theirs = `<script>var _cio = _cio || [];
      (function() { var t = document.createElement('script'), s = document.getElementsByTagName('script')[0];
        t.async = true; t.id = 'cio-tracker'; t.setAttribute('data-site-id', '${siteId}');
        t.src = '${site.url}/dist/cio.js'; s.parentNode.insertBefore(t, s); })();</script>`;
    const { p, errors } = await open(siteId, `${REQUIRE}; trusted-types tracklet`, theirs);
    await expect.poll(() => errors.join()).toMatch(/TypeError.*TrustedScriptURL/);
    expect(await p.evaluate(() => Array.isArray((window as any)._cio))).toBe(true);
    await p.close();
  });

  it('with a trusted-types list that leaves "tracklet" out: no exception (cio.js cannot load; the site must allow the name)', async () => {
    const siteId = 'tt-not-allowed';
    const { p, errors } = await open(
      siteId,
      `${REQUIRE}; trusted-types other`,
      `${snippet(siteId)}<script>_cio.track('queued');</script>`,
    );
    // The stub is in place and takes calls; the refused policy is reported as a violation.
    await p.waitForFunction(() => (window as any).__violations.length > 0);
    expect(await p.evaluate(() => [Array.isArray((window as any)._cio), (window as any)._cio.length])).toEqual([
      true,
      1,
    ]);
    expect(errors).toEqual([]);
    await p.close();
  });
});
