// Medians of the runs → the printed table, docs/benchmarks.md and docs/benchmarks.svg.
// Every number here comes from the run that calls it; nothing is typed in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { NONE, TRACKLET } from './peers.mjs';
import { AFTER_LOOP_MS, CALLS_PER_SAMPLE, LOOP_CALLS, UNLOAD_CALLS } from './measure.mjs';
import { chart } from './chart.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.join(here, '..');
const require = createRequire(import.meta.url);
const versionOf = (pkg) => require(`${pkg}/package.json`).version;
const ownVersion = (pkg) => JSON.parse(fs.readFileSync(path.join(here, 'node_modules', pkg, 'package.json'), 'utf8')).version;

const BUDGET_BROTLI_BYTES = 3072;
const MIN_TRACK_RATIO = 20;
const MAX_REQUESTS = 100;

const median = (values) => {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const kb = (bytes) => (Number.isFinite(bytes) ? (bytes / 1024).toFixed(1) : '–');
const us = (n) => (!Number.isFinite(n) ? '–' : n < 10 ? n.toFixed(1) : int(n));
const pct = (n) => (Number.isFinite(n) ? `${Math.round(100 * n)} %` : '–');
const times = (n) => (Number.isFinite(n) ? `${n >= 10 ? Math.round(n) : n.toFixed(1)}×` : '–');

/** One row of medians per SDK, plus what the doc needs around the table. */
export function summarize({ sdks, sizes, results, env, runs, loopRuns, browserVersion, isQuick }) {
  const rows = sdks.map((sdk) => {
    const { loops, navigate, close, errors } = results[sdk.id];
    const of = (key) => median(loops.map((l) => l[key]));
    return {
      sdk,
      version: sdk.id == TRACKLET ? `${JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version}` : sdk.pkg ? ownVersion(sdk.pkg) : '',
      size: sizes[sdk.id],
      runs: loops.length,
      isIsolated: loops.every((l) => l.isIsolated),
      jsFiles: of('jsFiles'),
      jsBytes: of('jsBytes'),
      jsBrotli: of('jsBrotli'),
      readyMs: of('readyMs'),
      trackMedianUs: of('trackMedianUs'),
      trackP95Us: of('trackP95Us'),
      mainThreadUsPerEvent: of('mainThreadUsPerEvent'),
      longTaskCount: of('longTaskCount'),
      longTaskMaxCount: Math.max(0, ...loops.map((l) => l.longTaskCount)),
      longTaskMs: of('longTaskMs'),
      requests: of('requests'),
      delivered: of('delivered'),
      bytesPerEvent: median(loops.map((l) => l.bodyBytes / l.delivered)),
      eventsPerRequest: median(loops.map((l) => l.delivered / l.requests)),
      maxEventsPerRequest: Math.max(0, ...loops.map((l) => l.maxEventsPerRequest)),
      otherRequests: [...new Set(loops.flatMap((l) => l.otherRequests))],
      bodyFormats: [...new Set(loops.flatMap((l) => l.bodyFormats))],
      navigate: median(navigate),
      close: median(close),
      errors,
    };
  });
  return {
    rows,
    runs,
    loopRuns,
    isQuick,
    date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    machine: `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
    tools: `Node ${process.version}, Chromium ${browserVersion} (headless), playwright-core ${versionOf('playwright-core')}, esbuild ${versionOf('esbuild')}`,
    blocked: [...env.blocked],
    pageErrors: [...env.pageErrors],
  };
}

const HEADER = ['SDK', 'version', 'brotli KB', 'gzip KB', 'min KB', 'JS fetched KB (files)', 'ready ms', 'track() µs median', 'track() µs p95',
  'main thread µs/event', 'long tasks (ms)', 'requests', 'body B/event', 'events/request', `delivered of ${int(LOOP_CALLS)}`, 'navigate away', 'tab close'];

function tableRows(rows) {
  return rows.map((r) => [
    r.sdk.name, r.version,
    kb(r.size?.brotli), kb(r.size?.gzip), kb(r.size?.min),
    r.sdk.id == NONE ? '–' : `${kb(r.jsBytes)} (${int(r.jsFiles)})`,
    r.sdk.id == NONE ? '–' : int(r.readyMs),
    us(r.trackMedianUs), us(r.trackP95Us), us(r.mainThreadUsPerEvent),
    `${int(r.longTaskCount)} (${int(r.longTaskMs)})`,
    ...(r.sdk.id == NONE ? ['–', '–', '–', '–', '–', '–'] : [
      int(r.requests), int(r.bytesPerEvent), r.eventsPerRequest >= 10 ? int(r.eventsPerRequest) : (r.eventsPerRequest || 0).toFixed(1),
      int(r.delivered), pct(r.navigate), pct(r.close),
    ]),
  ]);
}

const plainTable = (header, body) => {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
};
const markdownTable = (header, body) =>
  [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i < 2 ? '---' : '---:')).join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Headline ratios and the issue's targets, as lines of text. */
function headlines(rows) {
  const t = rows.find((r) => r.sdk.id == TRACKLET);
  const peers = rows.filter((r) => r.sdk.id != TRACKLET && r.sdk.id != NONE);
  if (!t) return { ratios: ['tracklet was not measured (no dist/cio.js)'], targets: [] };
  const ratios = peers.map((p) => `${p.sdk.name} ships ${times(p.size.brotli / t.size.brotli)} tracklet's brotli bytes (${int(p.size.brotli)} B vs ${int(t.size.brotli)} B)`);
  const full = peers.filter((p) => p.sdk.isFullFeatured && Number.isFinite(p.trackMedianUs));
  const fastest = full.reduce((a, b) => (b.trackMedianUs < a.trackMedianUs ? b : a));
  const trackRatio = fastest.trackMedianUs / t.trackMedianUs;
  ratios.push(`track(): tracklet ${us(t.trackMedianUs)} µs vs the fastest full-featured peer, ${fastest.sdk.name}, ${us(fastest.trackMedianUs)} µs: ${trackRatio >= 1 ? `${times(trackRatio)} cheaper` : `${times(1 / trackRatio)} dearer`}`);
  const leanest = full.reduce((a, b) => (b.mainThreadUsPerEvent < a.mainThreadUsPerEvent ? b : a));
  const threadRatio = leanest.mainThreadUsPerEvent / t.mainThreadUsPerEvent;
  ratios.push(`all main-thread work per event: tracklet ${us(t.mainThreadUsPerEvent)} µs vs the leanest full-featured peer, ${leanest.sdk.name}, ${us(leanest.mainThreadUsPerEvent)} µs: ${threadRatio >= 1 ? `${times(threadRatio)} less` : `${times(1 / threadRatio)} more`}`);
  const least = (list) => list.reduce((a, b) => (b.bytesPerEvent < a.bytesPerEvent ? b : a));
  const leastBytes = least(peers.filter((p) => p.delivered > 0));
  const leastComplete = least(peers.filter((p) => p.delivered == LOOP_CALLS));
  const baseline = rows.find((r) => r.sdk.id == NONE);
  const mark = (ok) => (ok ? 'met' : 'NOT met');
  const targets = [
    `dist/cio.js ≤ ${int(BUDGET_BROTLI_BYTES)} B brotli: ${int(t.size.brotli)} B — ${mark(t.size.brotli <= BUDGET_BROTLI_BYTES)}`,
    `track() ≥ ${MIN_TRACK_RATIO}× cheaper than the fastest full-featured peer (${fastest.sdk.name}): ${times(trackRatio)} — ${mark(trackRatio >= MIN_TRACK_RATIO)}`,
    `${int(LOOP_CALLS)} events in ≤ ${MAX_REQUESTS} requests: ${int(t.requests)} requests carrying ${int(t.delivered)} of ${int(LOOP_CALLS)} events — ${mark(t.requests <= MAX_REQUESTS && t.delivered == LOOP_CALLS)}`,
    `fewer body bytes per event than any peer (least: ${leastBytes.sdk.name}, ${int(leastBytes.bytesPerEvent)} B, delivering ${int(leastBytes.delivered)} of ${int(LOOP_CALLS)}; ` +
      `least of those delivering all: ${leastComplete.sdk.name}, ${int(leastComplete.bytesPerEvent)} B): ${int(t.bytesPerEvent)} B — ${mark(t.bytesPerEvent < leastBytes.bytesPerEvent)}`,
    `no long task caused by the library: ${int(t.longTaskMaxCount)} in the worst run (page without an SDK: ${int(baseline?.longTaskMaxCount)}) — ${mark(t.longTaskMaxCount <= (baseline?.longTaskMaxCount ?? 0))}`,
  ];
  return { ratios, targets };
}

export function writeReport(summary) {
  const { rows } = summary;
  const body = tableRows(rows);
  const { ratios, targets } = headlines(rows);
  console.log('\n' + plainTable(HEADER, body) + '\n');
  console.log('Headline ratios:\n' + ratios.map((l) => '  ' + l).join('\n'));
  if (targets.length) console.log('tracklet vs the targets of issue 6:\n' + targets.map((l) => '  ' + l).join('\n'));
  for (const r of rows) if (r.errors.length) console.log(`${r.sdk.name}: ${r.errors.length} failed scenario(s): ${r.errors[0]}`);
  if (summary.blocked.length) console.log('requests to other hosts (blocked): ' + summary.blocked.join(', '));
  fs.writeFileSync(path.join(root, 'docs', 'benchmarks.svg'), chart(rows.filter((r) => r.sdk.id != NONE)));
  fs.writeFileSync(path.join(root, 'docs', 'benchmarks.md'), markdown(summary, body, ratios, targets));
}

function markdown(s, body, ratios, targets) {
  const list = (lines) => lines.map((l) => `- ${l}`).join('\n');
  const peers = s.rows.filter((r) => r.sdk.id != NONE);
  return `# Benchmarks: tracklet and the SDKs it replaces

Generated by \`npm run bench\`${s.isQuick ? ' (**--quick: 1 run each, for development only**)' : ''} on ${s.date}; do not edit by hand.
Every number below comes from that run, in one headless Chromium, SDKs in a different order each
run, medians shown: ${s.loopRuns} run(s) per SDK of the ${int(LOOP_CALLS)}-call loop (sizes, ready, cost, long tasks,
requests), ${s.runs} of the navigate-away and tab-close scenarios.

${markdownTable(HEADER, body)}

KB are 1,024 bytes. "(no SDK)" is the same page with a \`__track\` that does nothing: what the
harness itself costs.

![brotli size and track() cost per SDK](benchmarks.svg)

## Headline ratios

${list(ratios)}

## tracklet against the targets of issue 6

${list(targets)}

## Method

- **Sizes.** Each peer is bundled as a site would ship it: a tiny entry per peer
  (\`bench/entries/\`) that initialises it and exposes \`window.__track(name, props)\`, bundled by
  esbuild (minified, \`platform: browser\`, \`target: es2020\`, ESM with code splitting, production
  \`NODE_ENV\`). *min / gzip / brotli* add up every file of the bundle (lazy chunks too); gzip is
  level 9, brotli quality 11. tracklet is \`dist/cio.js\` as built by \`npm run build\`; its snippet
  (inline in the page, not counted) is in \`dist/snippet.html\`.
- **JS fetched.** Every response of type *script* the page received from its load to the end of
  the loop scenario (lazy chunks and extension scripts included), bytes as served (uncompressed),
  and how many files.
- **Ready.** From an inline script just before the SDK's script tag (\`performance.now()\`) to
  the SDK's own ready signal: ${peers.map((r) => `${r.sdk.name}: ${r.sdk.ready}`).join('; ')}.
  Includes fetching the script from 127.0.0.1, parsing and initialising.
- **track() cost.** 1 s after ready, ${int(LOOP_CALLS)} calls \`__track('bench_event', { plan, price, n, m })\`
  (properties built beforehand), ${CALLS_PER_SAMPLE} calls per sample, each sample in its own task
  (a \`MessageChannel\` message between samples), per-call time = sample time / ${CALLS_PER_SAMPLE}.
  The page is cross-origin isolated (COOP \`same-origin\`, COEP \`require-corp\`, CORP on every
  response), so \`performance.now()\` has 5 µs resolution, 0.5 µs per call after the division.
  Median and p95 of the ${int(LOOP_CALLS / CALLS_PER_SAMPLE)} samples, then the median over runs.
- **Main thread µs/event.** Chromium's \`TaskDuration\` (CDP \`Performance.getMetrics\`) from just
  before the loop to ${AFTER_LOOP_MS / 1000} s after it, divided by ${int(LOOP_CALLS)}: everything the page's main thread did,
  including work an SDK defers out of \`track()\` (timers, storage, building and sending requests).
- **Long tasks.** \`PerformanceObserver\` entries of type \`longtask\` (over 50 ms) overlapping the loop
  and the ${AFTER_LOOP_MS / 1000} s after it: median count per run (median total ms).
- **Requests, bytes, events.** The sink (\`bench/servers.mjs\`, 127.0.0.1, another port: a
  cross-origin collector) records every request. Every call's properties carry a unique marker,
  and a request's body is searched for markers after undoing gzip, URL/form encoding and base64
  (\`bench/events.mjs\`), so the same parser counts every SDK's events exactly, retries counted once.
  *requests* are those carrying at least one event of the loop; *body B/event* is their body
  bytes as sent (compressed where the SDK compresses) over the events delivered; the wait ends
  when all ${int(LOOP_CALLS)} arrived and the wire was quiet for 0.7 s, or after 5 s of silence, or 20 s.
  CORS preflights and other requests are listed below, not counted.
- **Navigate away / tab close.** A fresh page, 1 s after ready ${UNLOAD_CALLS} calls, then in the same task
  \`location.href\` = a page on another site (\`localhost\` instead of \`127.0.0.1\`, answered at once),
  or, as soon as the calls return, the tab is closed (Playwright \`page.close()\`). The share of
  the ${UNLOAD_CALLS} events at the sink ${3} s after the last page of the run left; the page is never visited
  again, so events an SDK keeps for the next visit count as lost.
- Every scenario starts in a new browser context (empty cache and storage: a first visit).
  Chromium cannot resolve any host but 127.0.0.1 and localhost; requests that tried another host:
  ${s.blocked.length ? s.blocked.join(', ') : 'none'}.

## Setup per SDK

| SDK | package | setup (see \`bench/entries/\`) | requests carrying the events: method, path, type, where the markers were found | other requests in the loop window (not counted) |
| --- | --- | --- | --- | --- |
${peers.map((r) => `| ${r.sdk.name} | ${r.sdk.pkg ? `\`${r.sdk.pkg}@${r.version}\`` : `\`dist/cio.js\` ${r.version} via \`dist/snippet.html\``} | ${setupNote(r.sdk.id)} | ${r.bodyFormats.join('; ') || 'none'} | ${r.otherRequests.slice(0, 6).join(', ') || 'none'} |`).join('\n')}

## Machine

- ${s.machine}
- ${s.tools}
- \`node run.mjs\` took ${Math.round(s.elapsedS)} s (bundling, ${s.loopRuns} loop run(s) and ${s.runs} unload run(s) per SDK, report).
${s.pageErrors.length ? `\nPage errors seen: ${s.pageErrors.map((e) => `\`${e}\``).join('; ')}\n` : ''}${s.rows.some((r) => r.errors.length) ? `\nFailed scenarios: ${s.rows.filter((r) => r.errors.length).map((r) => `${r.sdk.name}: ${r.errors.join('; ')}`).join(' / ')}\n` : ''}`;
}

const SETUP = {
  tracklet: 'the snippet with the site id, `/tracklet/cio.js` and the sink as endpoint; defaults otherwise',
  segment: '`AnalyticsBrowser.load` with `cdnSettings` (no CDN fetch), Segment.io `apiHost` on the sink; default delivery',
  customerio: 'as Segment, with the `Customer.io Data Pipelines` integration on the sink',
  posthog: '`api_host` on the sink (its remote config and extension scripts come from there), flags, surveys and recording off; defaults otherwise, so its client-side rate limit applies: past a burst it drops events and sends `$$client_ingestion_warning` events instead',
  rudderstack: '`/bundled` export (the default export fetches plugins from a CDN), `configUrl` on the sink answering a minimal source config',
  amplitude: '`serverUrl` on the sink, remote config off; defaults otherwise',
  mixpanel: '`api_host` on the sink, `batch_requests: true`',
  snowplow: 'collector on the sink, POST; each call a self-describing event',
  plausible: '`apiHost` on the sink, `trackLocalhost: true`; one request per event by design',
};
const setupNote = (id) => SETUP[id] || '';
