// The bench pages, one per SDK. The head script records the start time, the ready time and
// every long task; then the page loads the SDK as a site would: a peer's bundle as a module
// script, tracklet through its own snippet (dist/snippet.html) with the placeholders filled in.
import fs from 'node:fs';
import path from 'node:path';
import { FLOOR, NONE, TRACKLET } from './peers.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
export const trackletDist = path.join(here, '..', 'dist');

const head = (sinkOrigin) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tracklet bench</title>
<script>
window.__SINK = ${JSON.stringify(sinkOrigin)};
window.__t0 = performance.now();
window.__ready = function () { if (window.__readyAt == null) window.__readyAt = performance.now(); };
window.__longTasks = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (e) { window.__longTasks.push([e.startTime, e.duration]); });
}).observe({ type: 'longtask', buffered: true });
new PerformanceObserver(function (list) {
  var e = list.getEntries()[0];
  window.__firstInput = { name: e.name, processingMs: e.processingEnd - e.processingStart, durationMs: e.duration };
}).observe({ type: 'first-input', buffered: true });
</script>`;

// A click that tracks, as a product page's "add to cart" would; the bench clicks it once. It tracks
// on pointerdown: that is the event a click's `first-input` Event Timing entry times (the entry is
// the first discrete input, the press), so the entry's processing time holds the call.
const body = `</head><body><h1>Product A-1</h1><p>A page that tracks.</p><button id="buy">Add to cart</button>
<script>document.getElementById('buy').addEventListener('pointerdown', function () {
  window.__track('added_to_cart', { sku: 'A-1', price: 19.5, m: 'bm' + (window.__clickRun || 0) + 'q0z' });
});</script></body></html>`;

function trackletTags(sinkOrigin, script = '/tracklet/cio.js') {
  const snippet = fs
    .readFileSync(path.join(trackletDist, 'snippet.html'), 'utf8')
    .replace('https://YOUR_CDN/cio.js', script)
    .replace('YOUR_SITE_ID', 'bench')
    .replace('https://YOUR_ENDPOINT', sinkOrigin);
  if (/YOUR_/.test(snippet)) throw new Error('dist/snippet.html has a placeholder the bench does not know');
  // The snippet inserts script#cio-tracker; cio.js has replaced the stub with the live API by
  // the time that script's load event fires.
  return `${snippet}<script>
document.getElementById('cio-tracker').addEventListener('load', window.__ready);
window.__track = function (name, props) { window._cio.track(name, props); };
</script>`;
}

const floorScript = () => `<script>\n${fs.readFileSync(path.join(here, 'floor.js'), 'utf8')}</script>`;

/** tracklet's page with another build of cio.js at `script` (profile.mjs: one with readable names). */
export const trackletPage = (sinkOrigin, script) =>
  head(sinkOrigin) + '\n' + trackletTags(sinkOrigin, script) + '\n' + body;

/** The path of an SDK's page reporting to a sink of kind `sinkKind` (servers.mjs). */
export const pagePath = (sdk, sinkKind) => `/${sinkKind}/${sdk.id}.html`;

/** Map of page path → HTML for every SDK and every sink (`sinks`: kind → origin). */
export function buildPages(sdks, sinks) {
  const pages = new Map();
  for (const [kind, sinkOrigin] of Object.entries(sinks))
    for (const sdk of sdks) {
      const tags =
        sdk.id == TRACKLET
          ? trackletTags(sinkOrigin)
          : sdk.id == NONE
            ? '<script>window.__track = function () {}; window.__ready();</script>'
            : sdk.id == FLOOR
              ? floorScript()
              : `<script type="module" src="/b/${sdk.id}/main.js"></script>`;
      pages.set(pagePath(sdk, kind), head(sinkOrigin) + '\n' + tags + '\n' + body);
    }
  return pages;
}
