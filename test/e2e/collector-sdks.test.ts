// The real browser SDKs of Segment (@segment/analytics-next 1.84.3) and Customer.io
// (@customerio/cdp-analytics-browser 0.5.11), bundled from npm with esbuild, send from a page on
// another origin in Chromium to the collector; their identify, track and page are stored and
// readable with the site's key. analytics-next sends `Authorization: Basic base64(writeKey:)`, so
// its requests are preflighted: the collector must allow that header.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/chromium';
import { startStaticServer, type StaticServer } from '../helpers/static-server';
import { startCollector } from '../collector/harness';

const SDKS = ['segment', 'customerio'] as const;
const READ = { Authorization: 'Bearer demo-secret' };

let browser: Browser;
let collector: Awaited<ReturnType<typeof startCollector>>;
let site: StaticServer;
let pagesDir: string;

beforeAll(async () => {
  pagesDir = mkdtempSync(join(tmpdir(), 'tracklet-sdks-'));
  for (const sdk of SDKS) {
    await esbuild.build({
      entryPoints: { main: join(__dirname, 'fixtures/sdks', `${sdk}.js`) },
      bundle: true,
      splitting: true, // the SDKs load some plugins lazily: those become chunks the page fetches
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      outdir: join(pagesDir, sdk),
      define: { 'process.env.NODE_ENV': '"production"' },
      logLevel: 'error',
    });
  }
  collector = await startCollector({ staticDirs: {} });
  writeFileSync(
    join(pagesDir, 'page.html'),
    `<!doctype html><title>sdk</title><script>
      const sdk = new URLSearchParams(location.search).get('sdk');
      window.__COLLECTOR = ${JSON.stringify(collector.url)};
      window.__isReady = new Promise((resolve) => (window.__ready = resolve));
      import('./' + sdk + '/main.js');
    </script>`,
  );
  site = await startStaticServer(pagesDir);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await collector?.stop();
  if (pagesDir) rmSync(pagesDir, { recursive: true, force: true });
});

const personOf = async (userId: string) => {
  const res = await fetch(`${collector.url}/api/people/${userId}`, { headers: READ });
  return res.ok ? ((await res.json()) as { person: any; timeline: any[] }) : null;
};

describe.each(SDKS)('%s’s browser SDK', (sdk) => {
  it('delivers identify, track and page from Chromium, stored under the person and readable', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    // http://localhost:PORT: another origin than the collector's 127.0.0.1, and one its CORS allows.
    await page.goto(`${site.url.replace('127.0.0.1', 'localhost')}/page.html?sdk=${sdk}`);
    await page.evaluate(() => (window as any).__isReady);
    const userId = `${sdk}-user`;
    await page.evaluate((id) => (window as any).__send(id), userId);
    await expect.poll(async () => (await personOf(userId))?.timeline.length ?? 0, { timeout: 20_000 }).toBe(3);
    const { person, timeline } = (await personOf(userId))!;
    expect(timeline.map((e) => [e.type, e.name])).toEqual([
      ['identify', null],
      ['track', 'sdk_clicked'],
      ['page', 'Pricing'],
    ]);
    expect(timeline.map((e) => e.writeKey)).toEqual(['demo', 'demo', 'demo']);
    expect(timeline[1].raw.properties).toEqual({ sdk });
    expect(timeline[0].raw.traits).toEqual({ email: `${userId}@example.com` });
    // The SDK's anonymous id is linked to the person, as the library's is.
    expect(person.anonymousIds).toEqual([
      await page.evaluate(() => localStorage.getItem('ajs_anonymous_id')?.replace(/"/g, '')),
    ]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
