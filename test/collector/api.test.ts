// The read side: the JSON API, the server-sent event stream, and the pages the collector serves.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_READ, getJson, postBatch, startCollector, track } from './harness';

const XSS_NAME = '<img src=x onerror=alert(1)>';
const FAKE_SNIPPET =
  '<script>\nwindow.pasted = ["https://YOUR_CDN/cio.js", "YOUR_SITE_ID", "https://YOUR_ENDPOINT"];\n</script>\n';
const ROOT = resolve(__dirname, '../..');

let collector: Awaited<ReturnType<typeof startCollector>>;
let distDir: string;
beforeAll(async () => {
  // A stand-in dist/ so these specs do not depend on the library's build.
  distDir = mkdtempSync(join(tmpdir(), 'tracklet-dist-'));
  writeFileSync(join(distDir, 'snippet.html'), FAKE_SNIPPET);
  mkdirSync(join(distDir, 'sub'));
  collector = await startCollector({
    staticDirs: {
      '/': join(ROOT, 'examples/collector/public'),
      '/shop/': join(ROOT, 'examples/shop'),
      '/spa/': join(ROOT, 'examples/spa'),
      '/dist/': distDir,
    },
  });
});
afterAll(async () => {
  await collector.stop();
  rmSync(distDir, { recursive: true, force: true });
});

describe('user-supplied strings', () => {
  it('stores an event named like HTML and returns it intact, as JSON that will not sniff as HTML', async () => {
    const message = track(XSS_NAME, { userId: XSS_NAME, properties: { note: '</script><script>alert(2)</script>' } });
    await postBatch(collector.url, { writeKey: 'demo', batch: [message] });
    const res = await fetch(`${collector.url}/api/events?limit=1`, { headers: DEMO_READ });
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const [event] = (await res.json()).events;
    expect(event).toMatchObject({ name: XSS_NAME, person: { userId: XSS_NAME }, raw: message });
    const segment = await getJson(`${collector.url}/api/segments?event=${encodeURIComponent(XSS_NAME)}&within=1d`);
    expect(segment.body.people.map((p: any) => p.userId)).toEqual([XSS_NAME]);
    const person = await getJson(`${collector.url}/api/people/${encodeURIComponent(XSS_NAME)}`);
    expect(person.body.timeline[0].name).toBe(XSS_NAME);
  });
});

describe('GET /api/events', () => {
  it('lists the newest first, up to limit', async () => {
    const batch = [track('first'), track('second'), track('third')];
    await postBatch(collector.url, { writeKey: 'demo', batch });
    const { body } = await getJson(`${collector.url}/api/events?limit=2`);
    expect(body.events.map((e: any) => e.name)).toEqual(['third', 'second']);
  });

  it.each(['0', '-1', 'ten', '1001'])('answers 400 to limit=%s', async (limit) => {
    expect(await getJson(`${collector.url}/api/events?limit=${limit}`)).toMatchObject({
      status: 400,
      body: { error: 'invalid_field' },
    });
  });
});

it('counts events per minute of corrected time for the chart', async () => {
  const { body } = await getJson(`${collector.url}/api/stats?minutes=5`);
  expect(body.minutes).toHaveLength(5);
  expect(body.counts.at(-1)).toBeGreaterThan(0);
});

describe('GET /api/stream', () => {
  it('sends each newly stored message as a server-sent event, and not its duplicate', async () => {
    const controller = new AbortController();
    const res = await fetch(`${collector.url}/api/stream`, { signal: controller.signal, headers: DEMO_READ });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    const message = track('streamed', { anonymousId: 'watcher' });
    let text = '';
    const frames = async (count: number) => {
      while ((text.match(/^data: /gm) ?? []).length < count) text += (await reader.read()).value;
    };
    await postBatch(collector.url, { writeKey: 'demo', batch: [message, message] });
    await postBatch(collector.url, { writeKey: 'demo', batch: [track('after')] });
    await frames(2);
    controller.abort();
    const events = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)));
    expect(events.map((e) => e.name)).toEqual(['streamed', 'after']);
    expect(events[0]).toMatchObject({ type: 'track', person: { id: 'watcher', userId: null }, raw: message });
  });
});

describe('the pages', () => {
  it('serves the live view with a CSP that allows no inline script or style', async () => {
    const res = await fetch(`${collector.url}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('pastes dist/snippet.html into the shop pages with the demo site id, script and origin', async () => {
    const res = await fetch(`${collector.url}/shop/`);
    const html = await res.text();
    expect(html).not.toContain('<!-- tracklet-snippet -->');
    const pasted = `\nwindow.pasted = ["/dist/cio.js", "demo", "${collector.url}"];\n`;
    expect(html).toContain(`<script>${pasted}</script>`);
    // The policy allows exactly that inline script, by hash.
    const hash = createHash('sha256').update(pasted).digest('base64');
    expect(res.headers.get('content-security-policy')).toContain(`script-src 'self' 'sha256-${hash}'`);
  });

  it('serves the SPA’s index.html for its client-side routes', async () => {
    const res = await fetch(`${collector.url}/spa/pricing`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('"tracklet": "/dist/index.mjs"');
  });

  it.each([
    '/dist/../package.json',
    '/dist/%2e%2e/%2e%2e/package.json',
    '/shop/..%2f..%2fpackage.json',
    '/nothing-here.js',
  ])('answers 404 to %s', async (path) => {
    const res = await fetch(`${collector.url}${path}`);
    expect(res.status).toBe(404);
  });

  it('answers /favicon.ico with an empty 204, so the live view logs no failed request for it', async () => {
    const res = await fetch(`${collector.url}/favicon.ico`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect((await fetch(`${collector.url}/shop/favicon.ico`)).status).toBe(404); // only the one browsers ask for
  });

  it('answers 400 to a path that is not valid percent-encoding', async () => {
    expect((await fetch(`${collector.url}/shop/%E0%A4%A`)).status).toBe(400);
  });
});
