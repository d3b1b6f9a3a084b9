// Medians of the runs → the printed table, docs/benchmarks.md and docs/benchmarks.svg.
// Every number here comes from the run that calls it; nothing is typed in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { NONE, TRACKLET } from './peers.mjs';
import { LOOP_CALLS } from './measure.mjs';
import { chart } from './chart.mjs';
import { markdown } from './doc.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.join(here, '..');
const require = createRequire(import.meta.url);
const versionOf = (pkg) => require(`${pkg}/package.json`).version;
const ownVersion = (pkg) =>
  JSON.parse(fs.readFileSync(path.join(here, 'node_modules', pkg, 'package.json'), 'utf8')).version;

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
      version:
        sdk.id == TRACKLET
          ? `${JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version}`
          : sdk.pkg
            ? ownVersion(sdk.pkg)
            : '',
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

const HEADER = [
  'SDK',
  'version',
  'brotli KB',
  'gzip KB',
  'min KB',
  'JS fetched KB (files)',
  'ready ms',
  'track() µs median',
  'track() µs p95',
  'main thread µs/event',
  'long tasks (ms)',
  'requests',
  'body B/event',
  'events/request',
  `delivered of ${int(LOOP_CALLS)}`,
  'navigate away',
  'tab close',
];

function tableRows(rows) {
  return rows.map((r) => [
    r.sdk.name,
    r.version,
    kb(r.size?.brotli),
    kb(r.size?.gzip),
    kb(r.size?.min),
    r.sdk.id == NONE ? '–' : `${kb(r.jsBytes)} (${int(r.jsFiles)})`,
    r.sdk.id == NONE ? '–' : int(r.readyMs),
    us(r.trackMedianUs),
    us(r.trackP95Us),
    us(r.mainThreadUsPerEvent),
    `${int(r.longTaskCount)} (${int(r.longTaskMs)})`,
    ...(r.sdk.id == NONE
      ? ['–', '–', '–', '–', '–', '–']
      : [
          int(r.requests),
          int(r.bytesPerEvent),
          r.eventsPerRequest >= 10 ? int(r.eventsPerRequest) : (r.eventsPerRequest || 0).toFixed(1),
          int(r.delivered),
          pct(r.navigate),
          pct(r.close),
        ]),
  ]);
}

const plainTable = (header, body) => {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
};
/** Headline ratios and the issue's targets, as lines of text. */
function headlines(rows) {
  const t = rows.find((r) => r.sdk.id == TRACKLET);
  const peers = rows.filter((r) => r.sdk.id != TRACKLET && r.sdk.id != NONE);
  if (!t) return { ratios: ['tracklet was not measured (no dist/cio.js)'], targets: [] };
  const ratios = peers.map(
    (p) =>
      `${p.sdk.name} ships ${times(p.size.brotli / t.size.brotli)} tracklet's brotli bytes (${int(p.size.brotli)} B vs ${int(t.size.brotli)} B)`,
  );
  const full = peers.filter((p) => p.sdk.isFullFeatured && Number.isFinite(p.trackMedianUs));
  const fastest = full.reduce((a, b) => (b.trackMedianUs < a.trackMedianUs ? b : a));
  const trackRatio = fastest.trackMedianUs / t.trackMedianUs;
  ratios.push(
    `track(): tracklet ${us(t.trackMedianUs)} µs vs the fastest full-featured peer, ${fastest.sdk.name}, ${us(fastest.trackMedianUs)} µs: ${trackRatio >= 1 ? `${times(trackRatio)} cheaper` : `${times(1 / trackRatio)} dearer`}`,
  );
  const leanest = full.reduce((a, b) => (b.mainThreadUsPerEvent < a.mainThreadUsPerEvent ? b : a));
  const threadRatio = leanest.mainThreadUsPerEvent / t.mainThreadUsPerEvent;
  ratios.push(
    `all main-thread work per event: tracklet ${us(t.mainThreadUsPerEvent)} µs vs the leanest full-featured peer, ${leanest.sdk.name}, ${us(leanest.mainThreadUsPerEvent)} µs: ${threadRatio >= 1 ? `${times(threadRatio)} less` : `${times(1 / threadRatio)} more`}`,
  );
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
  for (const r of rows)
    if (r.errors.length) console.log(`${r.sdk.name}: ${r.errors.length} failed scenario(s): ${r.errors[0]}`);
  if (summary.blocked.length) console.log('requests to other hosts (blocked): ' + summary.blocked.join(', '));
  // A --quick run is for development: its report goes to bench/dist/, never over the real one.
  const dir = summary.isQuick ? path.join(here, 'dist') : path.join(root, 'docs');
  fs.writeFileSync(path.join(dir, 'benchmarks.svg'), chart(rows.filter((r) => r.sdk.id != NONE)));
  fs.writeFileSync(path.join(dir, 'benchmarks.md'), markdown(summary, HEADER, body, ratios, targets));
  return dir;
}
