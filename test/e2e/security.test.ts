// Security in real Chromium, through the built snippet and dist/cio.js: a page that misuses the
// stub or breaks globals after cio.js loaded gets no exception from us and its events still
// arrive; no data ever goes in a URL; a strict Content-Security-Policy (nonce for the inline
// snippet, cio.js from a separate CDN origin, connect-src for the collector, style-src 'none')
// raises no violation; the SRI snippet loads cio.js, and a tampered cio.js is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { startStaticServer, type Route, type StaticServer } from '../helpers/static-server';
import { startTestCollector, type TestCollector } from '../helpers/test-collector';

let browser: Browser;
let site: StaticServer;
let cdn: StaticServer;
let collector: TestCollector;
const routes: Record<string, Route> = {};
const cdnRoutes: Record<string, Route> = {};
/** Bodies POSTed to the site's CSP report endpoint. */
const cspReports: string[] = [];
const NONCE = 'XYZ';

/** The built snippet (or its SRI variant), with this site id, cio.js from `src`, and the collector. */
function snippet(siteId: string, { file = 'dist/snippet.html', src = '/dist/cio.js', nonce = '' } = {}) {
  return readFileSync(file, 'utf8')
    .replace('<script>', nonce ? `<script nonce="${nonce}">` : '<script>')
    .replace('YOUR_SITE_ID', siteId)
    .replace('https://YOUR_CDN/cio.js', src)
    .replace('https://YOUR_ENDPOINT', collector.url);
}

/** Serves `path` with `html` and the given response headers; returns its URL. */
function serve(path: string, html: string, headers: Record<string, string> = {}) {
  routes[path] = (_req, res) => res.writeHead(200, { 'content-type': 'text/html', ...headers }).end(html);
  return site.url + path;
}

const requestsFor = (siteId: string) => collector.requests.filter((r) => r.body?.writeKey === siteId);
const messagesFor = (siteId: string) =>
  requestsFor(siteId)
    .filter((r) => r.status === 200)
    .flatMap((r) => r.body.batch);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A new page that records uncaught errors and console warnings. */
async function newPage() {
  const p = await browser.newPage();
  const errors: string[] = [];
  const warnings: string[] = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => m.type() == 'warning' && warnings.push(m.text()));
  return { p, errors, warnings };
}
const loaded = (p: Page, timeout = 10_000) =>
  p.waitForFunction(() => (window as any)._cio?.__tracklet === 1, undefined, { timeout });

beforeAll(async () => {
  collector = await startTestCollector();
  site = await startStaticServer(process.cwd(), routes);
  cdn = await startStaticServer(process.cwd(), cdnRoutes);
  const cio = readFileSync('dist/cio.js');
  // The CDN sends Access-Control-Allow-Origin: SRI with crossorigin="anonymous" needs CORS.
  cdnRoutes['/cio.js'] = (_req, res) =>
    res.writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' }).end(cio);
  cdnRoutes['/tampered/cio.js'] = (_req, res) =>
    res
      .writeHead(200, { 'content-type': 'text/javascript', 'access-control-allow-origin': '*' })
      .end(Buffer.concat([cio, Buffer.from('\n;window.__tampered=1;')]));
  routes['/csp-report'] = (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => (cspReports.push(body), res.writeHead(204).end()));
  };
  routes['/blank.html'] = (_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Blank</title>');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await cdn?.close();
  await collector?.close();
});

describe('a page that misuses the stub', () => {
  const misuse = `
    _cio.push(['nope', 1]); _cio.push('not an array'); _cio.push([]); _cio.push(null, 42, {});
    _cio.track(); _cio.track(42); _cio.identify(); _cio.identify(null, 'x'); _cio.page({}); _cio.consent('yes');
    _cio.on('sent'); _cio.off(); _cio.reset('extra'); _cio.load('whatever', 1); _cio.flush(1, 2);
    _cio.track('good', { n: NUMBER }, { timestamp: 'garbage' }, 'extra', 'args');`;

  it('gets no exception, before or after cio.js loads, and the good calls still arrive', async () => {
    const { p, errors, warnings } = await newPage();
    await p.goto(
      serve(
        '/misuse.html',
        `<!doctype html><title>Misuse</title>${snippet('misuse-1')}<script>${misuse.replace('NUMBER', '1')}</script>`,
      ),
    );
    await loaded(p);
    await p.evaluate((code) => new Function(code)(), misuse.replace('NUMBER', '2'));
    await p.evaluate(() => (window as any)._cio.flush());
    await collector.waitFor(() => messagesFor('misuse-1').filter((m) => m.event === 'good').length == 2);
    const good = messagesFor('misuse-1').filter((m) => m.event === 'good');
    expect(good.map((m) => m.properties)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(errors).toEqual([]);
    expect(warnings.some((w) => /unknown method "?nope"?/.test(w))).toBe(true);
    expect(warnings.some((w) => w.includes('expects [method, ...arguments]'))).toBe(true);
  });

  it("survives _cio.push(['hasOwnProperty', 'x']) queued before cio.js loads", async () => {
    const { p, errors } = await newPage();
    await p.goto(
      serve(
        '/inherited.html',
        `<!doctype html><title>Inherited</title>${snippet('inherited-1')}
      <script>_cio.push(['hasOwnProperty', 'x']); _cio.push(['constructor']); _cio.track('after_inherited');</script>`,
      ),
    );
    await loaded(p, 3000);
    await collector.waitFor(() => messagesFor('inherited-1').some((m) => m.event === 'after_inherited'), 3000);
    expect(errors).toEqual([]);
  });
});

describe('a page that breaks globals after cio.js loaded', () => {
  it('keeps delivering, through fetch and the page-hide beacon, with valid JSON and no page error', async () => {
    const { p, errors } = await newPage();
    await p.goto(serve('/broken-globals.html', `<!doctype html><title>Broken</title>${snippet('broken-1')}`));
    await loaded(p);
    const pageSaw = await p.evaluate(() => {
      const w = window as any;
      const fail = () => {
        throw new Error('broken by the page');
      };
      JSON.stringify = (() => '{broken') as any;
      (Array.prototype as any).toJSON = () => 'array as string';
      w.fetch = fail;
      Object.defineProperty(Navigator.prototype, 'sendBeacon', { value: fail, configurable: true });
      w.Promise = function BrokenPromise() {
        fail();
      };
      Object.defineProperty(window, 'localStorage', { get: fail, configurable: true });
      const outcomes: string[] = [];
      const attempt = (name: string, fn: () => unknown) => {
        try {
          fn();
          outcomes.push(name + ': ok');
        } catch (e) {
          outcomes.push(name + ': ' + e);
        }
      };
      attempt('identify', () => w._cio.identify('u-9', { email: 'u9@example.com', tags: ['a', 'b'] }));
      attempt('track', () => w._cio.track('while_broken', { list: [1, [2]] }));
      attempt('flush', () => w._cio.flush());
      attempt('page', () => w._cio.page('Broken'));
      return outcomes;
    });
    expect(pageSaw).toEqual(['identify: ok', 'track: ok', 'flush: ok', 'page: ok']);
    await collector.waitFor(() => messagesFor('broken-1').some((m) => m.event === 'while_broken'));
    await p.evaluate(() => {
      (window as any)._cio.track('at_hide', { list: [3] });
      location.href = '/blank.html';
    });
    await p.waitForURL('**/blank.html');
    await collector.waitFor(() => messagesFor('broken-1').some((m) => m.event === 'at_hide'));
    const byEvent = Object.fromEntries(messagesFor('broken-1').map((m) => [m.event ?? m.type, m]));
    expect(byEvent.identify.traits).toEqual({ email: 'u9@example.com', tags: ['a', 'b'] });
    expect(byEvent.while_broken.properties).toEqual({ list: [1, [2]] });
    expect(byEvent.at_hide.properties).toEqual({ list: [3] });
    expect(byEvent.at_hide.userId).toBe('u-9');
    expect(requestsFor('broken-1').every((r) => r.body !== undefined)).toBe(true); // every body parsed as JSON
    expect(errors).toEqual([]);
  });
});

describe('a page whose CompressionStream fails', () => {
  // Set before cio.js loads (an init script), as a polyfill or a broken shim would be: tracklet takes
  // the browser's CompressionStream when it loads. The test collector agrees to gzip in its first
  // answer, so every later request and the page-hide beacons are where gzip would be used.
  const BROKEN: [string, () => void][] = [
    [
      'its constructor throws',
      () => {
        (window as any).CompressionStream = function () {
          throw new TypeError('CompressionStream broken by the page');
        };
      },
    ],
    [
      'its stream errors on the first chunk',
      () => {
        (window as any).CompressionStream = class extends TransformStream {
          constructor() {
            super({ transform: (_chunk, controller) => controller.error(new TypeError('gzip failed')) });
          }
        };
      },
    ],
  ];

  it.each(BROKEN)(
    '%s: everything is sent as plain JSON, fetches and page-hide beacons, with no page error',
    async (_, breakIt) => {
      const siteId = 'gzip-broken-' + BROKEN.findIndex(([, b]) => b == breakIt);
      const { p, errors } = await newPage();
      await p.addInitScript(breakIt);
      await p.goto(serve(`/${siteId}.html`, `<!doctype html><title>Gzip</title>${snippet(siteId)}`));
      await loaded(p);
      await collector.waitFor(() => messagesFor(siteId).some((m) => m.type === 'page')); // the first answer agrees
      await p.evaluate(() => {
        for (let i = 0; i < 30; i++) (window as any)._cio.track('after_agreement', { n: i });
      });
      await collector.waitFor(() => messagesFor(siteId).filter((m) => m.event === 'after_agreement').length == 30);
      await p.evaluate(() => {
        for (let i = 0; i < 5; i++) (window as any)._cio.track('at_hide', { n: i });
        location.href = '/blank.html';
      });
      await p.waitForURL('**/blank.html');
      await collector.waitFor(() => messagesFor(siteId).filter((m) => m.event === 'at_hide').length == 5);
      expect(requestsFor(siteId).length).toBeGreaterThan(2);
      expect(requestsFor(siteId).every((r) => !r.isGzip && r.body !== undefined && r.status === 200)).toBe(true);
      expect(errors).toEqual([]);
    },
  );
});

describe('no personal data in URLs', () => {
  it("sends every request, fetch or beacon, to /v1/batch with no query but the body's encoding, the data in the POST body", async () => {
    const { p } = await newPage();
    await p.goto(
      serve(
        '/pii.html',
        `<!doctype html><title>PII</title>${snippet('pii-1')}
      <script>_cio.identify('person@example.com', { email: 'person@example.com', phone: '+15550100' }); _cio.track('checkout', { card_last4: '4242' });</script>`,
      ),
    );
    await loaded(p);
    await collector.waitFor(() => messagesFor('pii-1').some((m) => m.event === 'checkout'));
    // The collector's 2xx agreed to gzip: while the outbox holds more than a batch (20), fetch bodies are compressed.
    await p.evaluate(() => {
      for (let i = 0; i < 25; i++) (window as any)._cio.track('after_agreement', { email: 'person@example.com' });
      return (window as any)._cio.flush();
    });
    await collector.waitFor(() => messagesFor('pii-1').some((m) => m.event === 'after_agreement'));
    await p.evaluate(() => {
      (window as any)._cio.track('leaving', { email: 'person@example.com' });
      location.href = '/blank.html';
    });
    await p.waitForURL('**/blank.html');
    await collector.waitFor(() => messagesFor('pii-1').some((m) => m.event === 'leaving'));
    // All of this run's requests, including other tests' sites: no query but the body's encoding.
    expect(collector.requests.length).toBeGreaterThan(0);
    for (const r of collector.requests) expect(['/v1/batch', '/v1/batch?encoding=gzip']).toContain(r.path);
    expect(requestsFor('pii-1').some((r) => r.isGzip)).toBe(true); // Chromium compresses fetch bodies, once agreed
    expect(requestsFor('pii-1').some((r) => JSON.stringify(r.body).includes('person@example.com'))).toBe(true);
    expect(requestsFor('pii-1').every((r) => r.contentType.startsWith('text/plain'))).toBe(true);
  });
});

describe('Content-Security-Policy', () => {
  const csp = (connectSrc: string) =>
    `default-src 'none'; script-src 'nonce-${NONCE}' ${cdn.url}; connect-src ${connectSrc}; style-src 'none'; report-uri /csp-report`;
  // cio.js posts from an about:blank frame of its own (the browser's own fetch; the frame inherits
  // the page's policy), whose violations its document reports: the frame's are listened to as well.
  const listener = `<script nonce="${NONCE}">window.__violations = [];
    function listen(d) { d.addEventListener('securitypolicyviolation', function (e) { __violations.push(e.violatedDirective + ' ' + e.blockedURI); }); }
    listen(document);
    new MutationObserver(function (changes) { changes.forEach(function (c) { c.addedNodes.forEach(function (n) { if (n.tagName == 'IFRAME') listen(n.contentDocument); }); }); })
      .observe(document.documentElement, { childList: true, subtree: true });</script>`;
  const cspPage = (siteId: string, connectSrc: string, file?: string) =>
    `<!doctype html><title>CSP</title>${listener}${snippet(siteId, {
      file,
      src: cdn.url + '/cio.js',
      nonce: NONCE,
    }).replace(
      /(\w+)(\.setAttribute\("data-endpoint","[^"]*"\))/,
      (_, v, call) => `${v}${call},${v}.setAttribute("data-debug","true")`,
    )}<script nonce="${NONCE}">_cio.identify('u-csp', { email: 'csp@example.com' }); _cio.track('under_csp', { n: 1 });</script>`;

  it('raises no violation (in the page or at report-uri) and delivers, incl. the page-hide beacon', async () => {
    cspReports.length = 0;
    const { p, errors } = await newPage();
    await p.goto(
      serve('/csp.html', cspPage('csp-1', collector.url), { 'content-security-policy': csp(collector.url) }),
    );
    await loaded(p);
    await collector.waitFor(() => messagesFor('csp-1').some((m) => m.event === 'under_csp'));
    const violations = await p.evaluate(() => (window as any).__violations);
    await p.evaluate(() => {
      (window as any)._cio.track('csp_hide');
      location.href = '/blank.html';
    });
    await p.waitForURL('**/blank.html');
    await collector.waitFor(() => messagesFor('csp-1').some((m) => m.event === 'csp_hide'));
    await sleep(500); // reports are sent asynchronously
    expect(violations).toEqual([]);
    expect(cspReports).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('the check itself works: a policy without the collector in connect-src is reported both ways', async () => {
    cspReports.length = 0;
    const { p } = await newPage();
    await p.goto(serve('/csp-blocked.html', cspPage('csp-2', "'self'"), { 'content-security-policy': csp("'self'") }));
    await loaded(p);
    await p.evaluate(() => (window as any)._cio.flush());
    await p.waitForFunction(() => (window as any).__violations.length > 0);
    expect(await p.evaluate(() => (window as any).__violations.join())).toContain('connect-src');
    await expect.poll(() => cspReports.join(), { timeout: 15_000 }).toContain('connect-src');
    expect(requestsFor('csp-2')).toEqual([]);
  });

  it('dist/cio.js uses no eval, no new Function, no inline style', () => {
    const cio = readFileSync('dist/cio.js', 'utf8');
    expect(cio).not.toMatch(
      /\beval\s*\(|new Function|Function\(|\.style\b|setAttribute\(\s*["']style|cssText|insertRule/,
    );
  });
});

describe('Subresource Integrity (dist/snippet-sri.html)', () => {
  it('loads cio.js from the CDN with integrity and crossorigin, under the strict CSP, and delivers', async () => {
    cspReports.length = 0;
    const { p, errors } = await newPage();
    const url = serve(
      '/sri.html',
      `<!doctype html><title>SRI</title>${snippet('sri-1', { file: 'dist/snippet-sri.html', src: cdn.url + '/cio.js', nonce: NONCE })}
      <script nonce="${NONCE}">_cio.track('with_sri');</script>`,
      {
        'content-security-policy': `default-src 'none'; script-src 'nonce-${NONCE}' ${cdn.url}; connect-src ${collector.url}; style-src 'none'; report-uri /csp-report`,
      },
    );
    await p.goto(url);
    await loaded(p);
    const tag = await p.evaluate(() => {
      const s = document.getElementById('cio-tracker') as HTMLScriptElement;
      return { integrity: s.integrity, crossOrigin: s.crossOrigin };
    });
    expect(tag.integrity).toBe(readFileSync('dist/cio.js.sri', 'utf8').trim());
    expect(tag.crossOrigin).toBe('anonymous');
    await collector.waitFor(() => messagesFor('sri-1').some((m) => m.event === 'with_sri'));
    expect(cspReports).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('refuses a tampered cio.js: it never runs, nothing is sent, no page error', async () => {
    const { p, errors } = await newPage();
    const consoleErrors: string[] = [];
    p.on('console', (m) => m.type() == 'error' && consoleErrors.push(m.text()));
    await p.goto(
      serve(
        '/sri-tampered.html',
        `<!doctype html><title>SRI</title>${snippet('sri-2', { file: 'dist/snippet-sri.html', src: cdn.url + '/tampered/cio.js' })}
      <script>_cio.track('never_sent');</script>`,
      ),
    );
    // Chromium refuses the script once it has arrived: wait for its message, then look.
    await expect.poll(() => consoleErrors.join(), { timeout: 15_000 }).toMatch(/integrity/i);
    expect(
      await p.evaluate(() => [
        (window as any).__tampered,
        (window as any)._cio.__tracklet,
        Array.isArray((window as any)._cio),
      ]),
    ).toEqual([undefined, undefined, true]);
    expect(requestsFor('sri-2')).toEqual([]);
    expect(errors).toEqual([]);
  });
});
