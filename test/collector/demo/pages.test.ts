// The demo pages the collector serves beside its APIs (demo/): the live view under a CSP with no
// inline script, the shop with the built snippet pasted in, the SPA's fallback, path safety.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../harness';

const FAKE_SNIPPET =
  '<script>\nwindow.pasted = ["https://YOUR_CDN/cio.js", "YOUR_SITE_ID", "https://YOUR_ENDPOINT"];\n</script>\n';
const ROOT = resolve(__dirname, '../../..');

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
