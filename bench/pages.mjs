// The bench pages, one per SDK. The head script records the start time, the ready time and
// every long task; then the page loads the SDK as a site would: a peer's bundle as a module
// script, tracklet through its own snippet (dist/snippet.html) with the placeholders filled in.
import fs from 'node:fs';
import path from 'node:path';
import { NONE, TRACKLET } from './peers.mjs';

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
</script>`;

const body = '</head><body><h1>Product A-1</h1><p>A page that tracks.</p></body></html>';

function trackletTags(sinkOrigin) {
  const snippet = fs
    .readFileSync(path.join(trackletDist, 'snippet.html'), 'utf8')
    .replace('https://YOUR_CDN/cio.js', '/tracklet/cio.js')
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

/** Map of page path → HTML for every SDK. */
export function buildPages(sdks, sinkOrigin) {
  const pages = new Map();
  for (const sdk of sdks) {
    const tags =
      sdk.id == TRACKLET
        ? trackletTags(sinkOrigin)
        : sdk.id == NONE
          ? '<script>window.__track = function () {}; window.__ready();</script>'
          : `<script type="module" src="/b/${sdk.id}/main.js"></script>`;
    pages.set(`/${sdk.id}.html`, head(sinkOrigin) + '\n' + tags + '\n' + body);
  }
  return pages;
}
