// `npm run bench` (from the repo root, after the build) or
// `node run.mjs [--quick] [--runs N] [--loop-runs N]`.
// Bundles the peers, serves every SDK's page and a sink on 127.0.0.1, runs the scenarios in one
// headless Chromium with the SDKs in a different order each run, then prints the table and writes
// docs/benchmarks.md and docs/benchmarks.svg from the medians (--quick: bench/dist/ instead).
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { bundlePeer, compressedSizes, distDir } from './build.mjs';
import { sdks, TRACKLET, NONE } from './peers.mjs';
import { buildPages, trackletDist } from './pages.mjs';
import { startSink, startSite } from './servers.mjs';
import { measureLoop, startUnload, unloadDelivery } from './measure.mjs';
import { summarize, writeReport } from './report.mjs';

const args = process.argv.slice(2);
const isQuick = args.includes('--quick');
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
// The loop scenario costs ~2.5 min a run (RudderStack, Segment and Mixpanel spend 3–15 s in
// their 2,000 calls); the unload scenarios ~30 s. Three loop runs keep `npm run bench` near
// 10 minutes on 2 cores; the unload scenarios, noisier, get five.
const runs = isQuick ? 1 : option('--runs', 5);
const loopRuns = isQuick ? 1 : Math.min(runs, option('--loop-runs', 3));
const UNLOAD_SETTLE_MS = 3000;
const startedAt = Date.now();
const log = (line) => console.log(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${line}`);

const hasTracklet =
  fs.existsSync(path.join(trackletDist, 'cio.js')) && fs.existsSync(path.join(trackletDist, 'snippet.html'));
if (!hasTracklet)
  log('dist/cio.js or dist/snippet.html is missing: run `npm run build` at the root; measuring the peers only');
const measured = sdks.filter((sdk) => sdk.id != TRACKLET || hasTracklet);

const sizes = {};
for (const sdk of measured) {
  if (sdk.id == TRACKLET)
    sizes[sdk.id] = { files: 1, ...compressedSizes(fs.readFileSync(path.join(trackletDist, 'cio.js'))) };
  else if (sdk.pkg) {
    const { files, sizes: s } = await bundlePeer(sdk.id);
    sizes[sdk.id] = { files: files.length, ...s };
  }
}
log(`bundled ${Object.keys(sizes).length - (hasTracklet ? 1 : 0)} peers with esbuild`);

const sink = await startSink();
const site = await startSite({
  pages: buildPages(measured, sink.origin),
  files: [
    ['/b/', distDir + path.sep],
    ['/tracklet/', trackletDist + path.sep],
  ],
});
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // PostHog drops everything from a browser that says it is automated.
    '--disable-blink-features=AutomationControlled',
    // Nothing leaves the machine: any other host fails to resolve, and the bench reports it.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
  ],
});
const browserVersion = browser.version();
const env = {
  site,
  sink,
  userAgent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${browserVersion} Safari/537.36`,
  blocked: new Set(),
  pageErrors: new Set(),
};

const results = Object.fromEntries(measured.map((sdk) => [sdk.id, { loops: [], navigate: [], close: [], errors: [] }]));
const attempt = async (sdk, what, fn) => {
  try {
    return await fn();
  } catch (error) {
    results[sdk.id].errors.push(`${what}: ${String(error.message).split('\n')[0]}`);
    log(`${sdk.name} ${what} failed: ${String(error.message).split('\n')[0]}`);
  }
};
try {
  for (let run = 0; run < runs; run++) {
    // A different order each run, so no SDK always goes first (or after the slowest one).
    const order = measured.map((_, i) => measured[(i + run * 3) % measured.length]);
    for (const sdk of run < loopRuns ? order : []) {
      const loop = await attempt(sdk, 'loop', () => measureLoop(browser, sdk, env));
      const timing = await attempt(sdk, 'timing loop', () => measureLoop(browser, sdk, env, { timingOnly: true }));
      if (loop && timing) results[sdk.id].loops.push({ ...loop, ...timing });
    }
    const pending = [];
    for (const sdk of order.filter((s) => s.id != NONE)) {
      for (const how of ['navigate', 'close']) {
        const started = await attempt(sdk, how, () => startUnload(browser, sdk, env, how));
        if (started) pending.push({ sdk, how, ...started });
      }
    }
    await new Promise((resolve) => setTimeout(resolve, UNLOAD_SETTLE_MS));
    for (const { sdk, how, runId, context } of pending) {
      results[sdk.id][how].push(unloadDelivery(env, runId));
      await context.close();
    }
    log(`run ${run + 1}/${runs} done`);
  }
} finally {
  await browser.close();
  site.close();
  sink.close();
}

const summary = summarize({ sdks: measured, sizes, results, env, runs, loopRuns, browserVersion, isQuick });
summary.elapsedS = (Date.now() - startedAt) / 1000;
const dir = writeReport(summary);
log(
  `wrote ${path.relative(process.cwd(), dir) || '.'}/benchmarks.md and benchmarks.svg (${summary.elapsedS.toFixed(0)} s in all)`,
);
