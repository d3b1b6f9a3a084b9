// docs/benchmarks.md: the table, the ratios and targets, then how each number was measured, the
// setup of every SDK and the machine. Only text around the numbers of the run is written here.
import { NONE, TRACKLET, FLOOR } from './peers.mjs';
import {
  CALLS_PER_SAMPLE,
  CALLS_PER_TASK,
  GIVE_UP_QUIET_MS,
  LOOP_CALLS,
  QUIET_MS,
  SINGLE_CALLS,
  UNLOAD_CALLS,
} from './measure.mjs';

const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
/** `textColumns`: how many columns from the left hold text (left-aligned); the rest are figures. */
const markdownTable = (header, body, textColumns = 2) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i < textColumns ? '---' : '---:')).join(' | ')} |`,
    ...body.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const fixed = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

/**
 * What each leaf function of a profile is, for the summary: storage, requests, gzip, JSON, …; a
 * third pattern, where given, is the module the function must be called from (a stream's `write`
 * and `close` are gzip's, from io.ts or the browser; the outbox's own `write` is not).
 */
const CATEGORIES = [
  ['localStorage (setItem, removeItem, getItem)', /^(setItem|removeItem|getItem|key|get localStorage)$/],
  ['requests (fetch, reading answers, timers)', /^(fetch|text|json|AbortController|abort|setTimeout|clearTimeout)$/],
  [
    'gzip (CompressionStream and its streams)',
    /^(CompressionStream|arrayBuffer|write|close|getWriter|Response|encode|TextEncoder)$/,
    /^(io\.ts|–)$/,
  ],
  ['JSON.stringify', /^stringify$/],
  ['garbage collection', /^\(garbage collector\)$/],
  ['the browser, no JS frame (parsing, tasks, microtask checkpoints)', /^\(program\)$/],
];
const categoryOf = (fn, module) =>
  CATEGORIES.find(([, re, from]) => re.test(fn) && (!from || from.test(module)))?.[0] ??
  'JS: the library’s own code and other builtins';

/** A profile's sampled ms per category (the harness's own frames left out, the browser's kept). */
const byCategory = (p) => {
  const out = {};
  for (const r of p.rows)
    if (r.module != '–' || r.fn.startsWith('(')) {
      const category = categoryOf(r.fn, r.module);
      out[category] = (out[category] ?? 0) + r.ms;
    }
  return out;
};

/** The profile section: per category and the top functions, µs per event (LOOP_CALLS events). */
function profileSection(profile) {
  if (!profile?.names.length) return 'Not profiled in this run (tracklet was not measured).';
  const perEvent = (ms) => fixed((1000 * ms) / LOOP_CALLS);
  const names = profile.names;
  const categories = names.map((id) => byCategory(profile[id]));
  const allCategories = [...new Set(categories.flatMap((c) => Object.keys(c)))];
  return `A V8 CPU profile (CDP \`Profiler\`, ${profile.samplingUs} µs sampling) of the ${LOOP_CALLS.toLocaleString('en-US')}-call burst
(${CALLS_PER_TASK} calls a task), from the first call until every event was answered, of tracklet built
from \`src/\` without minifying (\`bench/profile.mjs\`, esbuild: the same code, readable names)
against each sink, and of the floor tracker. Sampled CPU time of the page's main thread, idle left out, per
event; the harness's own loop is in both. Each sample is given to the function it was in (a native
such as \`setItem\` counts as storage) and to the library module that called it.

| where | ${names.map((name) => `${name}, µs/event`).join(' | ')} |
| --- | ${names.map(() => '---:').join(' | ')} |
${allCategories.map((c) => `| ${c} | ${categories.map((cat) => perEvent(cat[c] ?? 0)).join(' | ')} |`).join('\n')}
| all sampled (with the harness) | ${names.map((id) => perEvent(profile[id].totalMs)).join(' | ')} |

By the library module on the stack nearest to where the time was spent (\`–\`: none, the harness
or the browser itself, such as \`(program)\`: work with no JS frame, in part the requests' own):

| module | ${names.map((name) => `${name}, µs/event`).join(' | ')} |
| --- | ${names.map(() => '---:').join(' | ')} |
${[...new Set(names.flatMap((id) => Object.keys(profile[id].byModule)))]
  .map((m) => [m, names.map((id) => profile[id].byModule[m] ?? 0)])
  .sort((a, b) => b[1][0] - a[1][0])
  .map(([m, ms]) => `| ${m} | ${ms.map(perEvent).join(' | ')} |`)
  .join('\n')}

The top functions (module that called → function where the time was spent):

${names
  .map(
    (id) => `| ${id}: module → function | ms in the run | µs/event |
| --- | ---: | ---: |
${profile[id].rows
  .slice(0, id == 'floor' ? 8 : 15)
  .map((r) => `| ${r.module} → \`${r.fn}\` | ${fixed(r.ms)} | ${perEvent(r.ms)} |`)
  .join('\n')}`,
  )
  .join('\n\n')}`;
}

/**
 * "Where the remaining microseconds go": tracklet's profile read by the step of the path a call
 * travels, each with the figure of this run and what would take it down. Only src/outbox.ts was
 * open to issue 16; the rest is for tracker.ts, sender.ts and transport.ts.
 */
function remainingSection(profile, rows) {
  const p = profile?.[profile.names[0]];
  const t = rows.find((r) => r.sdk.id == TRACKLET);
  if (!p || !t) return '';
  const us = (ms) => (1000 * ms) / LOOP_CALLS;
  const sum = (module, fn = /./) =>
    us(p.rows.filter((r) => module.test(r.module) && fn.test(r.fn)).reduce((n, r) => n + r.ms, 0));
  const modules = (re) => us(Object.entries(p.byModule).reduce((n, [m, ms]) => n + (re.test(m) ? ms : 0), 0));
  const requests = t.requests;
  const perRequest = (profile, module, count) =>
    profile.rows.filter((r) => module.test(r.module) && r.fn == 'fetch').reduce((n, r) => n + r.ms, 0) / count;
  const floor = rows.find((r) => r.sdk.id == FLOOR);
  const floorProfile = profile.floor;
  const floorFetch =
    floor && floorProfile
      ? `, the floor's ${fixed(perRequest(floorProfile, /^floor\.js$/, floor.requests), 2)} ms (${int(floor.requests)} requests of 20 messages)`
      : '';
  // The request itself: the browser's fetch (called from io.ts, which takes it from a frame) and
  // transport.ts around it (the abort timer, reading the answer).
  const fetchUs = sum(/^(transport|io)\.ts$/, /^(fetch|text|setTimeout|clearTimeout|AbortController)$/);
  const program = sum(/^–$/, /^\(program\)$/);
  const gc = sum(/^–$/, /^\(garbage collector\)$/);
  const gzipUs = sum(/^io\.ts$/) - sum(/^io\.ts$/, /^fetch$/);
  const lines = [
    `**Requests** (the browser's \`fetch\`, its abort timer, reading the answer): ${fixed(fetchUs)} µs/event over
  ${int(requests)} requests, and part of the ${fixed(program)} µs/event the browser spends with no JS frame on the stack
  (\`(program)\`: tasks, IPC, the streams of gzip). The \`fetch\` call alone took ${fixed(perRequest(p, /^(transport|io)\.ts$/, requests), 2)} ms of main
  thread a request${floorFetch}. Fewer, larger requests lower the first; the second is what the
  two calls differ in: tracklet's is \`keepalive\` within the quota, has an abort signal, comes from
  an \`about:blank\` frame's window and carries an ArrayBuffer when gzipped, the floor's is a plain
  fetch of a string.`,
    `**Storage** (storage.ts → \`setItem\`, \`removeItem\`): ${fixed(sum(/^storage\.ts$/))} µs/event, one key written per task and
  one deleted per task's worth acknowledged: proportional to the messages, as the floor's (whose
  \`setItem\` calls had no frame of their own in these profiles: they are in its \`endTask\`). The
  outbox's own code (outbox.ts) adds ${fixed(sum(/^outbox\.ts$/) - sum(/^outbox\.ts$/, /^utf8Bytes$/))} µs/event (and \`utf8Bytes\`, which lives there, ${fixed(sum(/^outbox\.ts$/, /^utf8Bytes$/))}: see below).`,
    `**Building messages** (message.ts, sanitize.ts, json.ts, validate.ts, tracker.ts): ${fixed(modules(/^(message|tracker|sanitize|json|validate)\.ts$/))} µs/event, of which
  \`toMessageEntry\` ${fixed(sum(/^message\.ts$/, /^toMessageEntry$/))} and \`JSON.stringify\` ${fixed(sum(/^json\.ts$/, /^stringify$/))}: each message reads \`location.href\`, \`document.title\`
  and the language, and shares the page's context, its JSON and size with the messages before
  it while those stay the same (\`pageContexts\`): only its own fields are stringified.`,
    `**Sender bookkeeping** (sender.ts, drain.ts, answer.ts): ${fixed(modules(/^(sender|drain|answer)\.ts$/))} µs/event. \`schedule()\` runs at the end of every task,
  and \`waitingEntries()\` and \`isDue()\` walk the outbox each time
  (${fixed(sum(/^(sender|drain)\.ts$/, /^(waitingEntries|isDue)$/))} µs/event here). \`utf8Bytes\` (${fixed(sum(/^outbox\.ts$/, /^utf8Bytes$/))} µs/event in all) scans each message's own JSON
  once (\`toMessageEntry\`) and each request's empty envelope (\`pickRequest\`, \`bodyBytes\`); a
  body's size is the sum of its messages' known sizes.`,
    `**Gzip** (io.ts but \`fetch\`: encoding the body, CompressionStream): ${fixed(gzipUs)} µs/event on the JS side.`,
    `**Garbage collection**: ${fixed(gc)} µs/event.`,
  ];
  return lines.map((l) => `- ${l}`).join('\n');
}

/**
 * One call a task, profiled: tracklet and the floor against the plain sink, per call, by category,
 * with the top functions, and what tracklet spends beyond the floor.
 */
function singleSection(single) {
  if (!single?.names.length) return 'Not profiled in this run.';
  const perCall = (ms) => fixed((1000 * ms) / single.calls);
  const names = single.names;
  const categories = names.map((id) => byCategory(single[id]));
  const allCategories = [...new Set(categories.flatMap((c) => Object.keys(c)))];
  const [tracklet, floor] = names.map((id) => single[id].totalMs);
  const beyond = floor
    ? `All sampled, tracklet ${perCall(tracklet)} µs/call against the floor's ${perCall(floor)}: ${perCall(tracklet - floor)} µs/call more. `
    : '';
  return `The same profile of ${int(single.calls / SINGLE_CALLS)} fresh pages, ${int(SINGLE_CALLS)} tasks of one call each on every page (the
workload of the table above), summed, per call, against the plain sink:

| where | ${names.map((name) => `${name}, µs/call`).join(' | ')} |
| --- | ${names.map(() => '---:').join(' | ')} |
${allCategories.map((c) => `| ${c} | ${categories.map((cat) => perCall(cat[c] ?? 0)).join(' | ')} |`).join('\n')}
| all sampled (with the harness) | ${names.map((id) => perCall(single[id].totalMs)).join(' | ')} |

${names
  .map(
    (id) => `| ${id}: module → function | µs/call |
| --- | ---: |
${single[id].rows
  .slice(0, id.startsWith('floor') ? 8 : 16)
  .map((r) => `| ${r.module} → \`${r.fn}\` | ${perCall(r.ms)} |`)
  .join('\n')}`,
  )
  .join('\n\n')}

${beyond}The floor's \`setItem\` and \`JSON.stringify\` calls have no frames of
their own here (they are in its \`endTask\` and \`__track\`), so its split by kind is not
comparable; its total is. The floor does the least such a tracker can (\`bench/floor.js\`);
what tracklet adds on top is spread over its own steps (the call's checks and the queue of the
task, cleaning the data, the outbox's keys, the drain's bookkeeping), none of them large alone, and over the garbage they leave.
docs/size.md (its "One call a task" sections, stops 12 to 16) measures
that garbage (V8's allocation sampling: ~715 KB per page against the floor's ~435 KB). Since the
window starts from a collected heap, neither had a scavenge in it in 3 traced runs each (the
profile still samples some GC work for tracklet); before, one fell in tracklet's window in every
traced run, collecting mostly what its page load had left (1-4.6 ms).
Against a collector that agrees to gzip, tracklet compresses nothing here: only more than a batch
is gzipped (CompressionStream costs ~250-600 µs of main thread a request), and each batch of this
workload goes as it fills.`;
}

/** How many samples the one-call medians rest on (run.mjs, extraSingles). */
function singleSamplesLine(s) {
  const of = (id) => s.rows.find((r) => r.sdk.id == id)?.work.plain.singleSamples;
  return s.extraSingles && of(FLOOR)
    ? `after each loop run, the page without an SDK, the floor and tracklet are measured ${s.extraSingles} more
  times, alternating, so their medians are of ${of(FLOOR)} samples a sink (the peers', of ${s.loopRuns}).`
    : `each median is of ${s.loopRuns} sample(s) a sink.`;
}

/** docs/benchmarks.md from the summary and the tables, ratios and targets made by report.mjs. */
export function markdown(s, { header, body, ratios, targets, workHeader, work, floor }) {
  const list = (lines) => lines.map((l) => `- ${l}`).join('\n');
  const peers = s.rows.filter((r) => r.sdk.id != NONE);
  return `# Benchmarks: tracklet and the SDKs it replaces

Generated by \`npm run bench\`${s.isQuick ? ' (**--quick: 1 run each, for development only; on a busy machine**)' : ''} on ${s.date}; do not edit by hand.
Every number below comes from that run, in one headless Chromium, SDKs in a different order each
run, medians shown: ${s.loopRuns} run(s) per SDK of the ${int(LOOP_CALLS)}-call loops (sizes, ready, cost, long tasks,
requests), ${s.runs} of the navigate-away and tab-close scenarios.

${markdownTable(header, body)}

KB are 1,024 bytes. "(no SDK)" is the same page with a \`__track\` that does nothing: what the
harness itself costs. The floor tracker (\`bench/floor.js\`) is issue 16's yardstick, not an SDK: the
least a tracker that stores every task and batches its requests does on the main thread.

![brotli size, track() cost and main-thread work per SDK](benchmarks.svg)

## Main-thread work over the page without an SDK

Everything the page's main thread did for the SDK (Chromium's \`TaskDuration\`), less what the same
page without an SDK did, per event, counted from the first call until the SDK was done: all events
at the sink, no request unanswered, and ${QUIET_MS} ms of quiet. Against two collectors: one that agrees
to gzip (tracklet's: its 2xx answers carry \`"acceptEncoding": "gzip"\`) and a plain one that answers
415 to any gzip body${s.latencyMs ? `, both answering each POST ${s.latencyMs} ms late (\`--latency-ms\`)` : ''}. The page without an SDK shows its own figures, not a difference.

${markdownTable(workHeader, work, 1)}

## tracklet against the targets of issue 16

${list(floor)}

## Where tracklet's main-thread time goes

${profileSection(s.profile)}

### Where the remaining microseconds go

From the profile above (this run's figures, µs per event of the burst), by the step of the path a
call travels:

${remainingSection(s.profile, s.rows)}

### One call a task

${singleSection(s.profile?.single)}

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
- **The loops.** 1 s after ready, ${int(LOOP_CALLS)} calls \`__track('bench_event', { plan, price, n, m })\`
  (properties built beforehand), each group of calls in its own task (a \`MessageChannel\`
  message between groups). The *workload loop*, ${CALLS_PER_TASK} calls a task, gives every column but
  track(); a *timing loop* on a fresh page right after it, ${CALLS_PER_SAMPLE} calls a task, gives track().
  (${CALLS_PER_TASK} calls of ~0.2 µs are below the clock's resolution; ${CALLS_PER_SAMPLE} calls a task in the workload loop made long
  tasks of the harness's own making for the slower SDKs, and changed how some of them queue.)
- **track() cost.** Per-call time = sample time / ${CALLS_PER_SAMPLE}.
  The page is cross-origin isolated (COOP \`same-origin\`, COEP \`require-corp\`, CORP on every
  response), so \`performance.now()\` has 5 µs resolution, ${5 / CALLS_PER_SAMPLE} µs per call after the division.
  Median and p95 of the ${int(LOOP_CALLS / CALLS_PER_SAMPLE)} samples, then the median over runs. This is the time a
  call keeps the page waiting: work an SDK moves out of the call (tracklet to the end of the task,
  Amplitude to promise callbacks) is not in it, but is in the next column.
- **Main thread µs/event.** Chromium's \`TaskDuration\` (CDP \`Performance.getMetrics\`) from just
  before the first call until the SDK is done (every event at the sink, or ${GIVE_UP_QUIET_MS / 1000} s of silence for an
  SDK that dropped some; no request unanswered; then ${QUIET_MS} ms of quiet), divided by the calls:
  everything the page's main thread did, including work an SDK defers out of \`track()\` (timers,
  storage, building and sending requests), less the same figure for the page without an SDK.
  The window starts from a collected heap (CDP \`HeapProfiler.collectGarbage\`, every page; since
  stop 16 of issue 16, whose run before measured tracklet's one call a task at 1.36× and 1.29× of
  the floor). Before, the first scavenge after the load, mostly copying what the load left,
  fell inside the window or not depending on how much the load left: inside tracklet's 200
  one-call tasks in every traced run (1-4.6 ms, 5-23 µs a call), never the floor's. A scavenge
  the calls' own garbage brings about in the window is counted, as in the burst; 200 one-call
  tasks bring about none from a collected heap, for tracklet (~715 KB allocated) or the floor
  (~435 KB), so neither is charged GC there; over 1,000 such tasks it cost both about the same
  (2.2-7.4 ms and 3.7-6.0 ms, 3 traced runs each; docs/size.md).
  Two workloads, each on a fresh page: the burst (${int(LOOP_CALLS)} calls, ${CALLS_PER_TASK} a task) and ${int(SINGLE_CALLS)} tasks of one call
  each (\`MessageChannel\` tasks back to back). One call a task is ~30 ms of work a page, and decides
  issue 16's target between tracklet and the floor: ${singleSamplesLine(s)}
- **Click.** A fresh page, 1 s after ready, Playwright clicks a button whose \`click\` handler tracks
  one event; the \`first-input\` Event Timing entry's \`processingEnd - processingStart\` (the handler
  and the microtasks after it, 5 µs resolution), less the page without an SDK's.
- **Long tasks.** \`PerformanceObserver\` entries of type \`longtask\` (over 50 ms) from the first call
  to the end of a workload: in the main table, median count per run (median total ms) of the burst
  against the gzip sink; in the main-thread table, the most in any run, either sink.
- **Requests, bytes, events.** The sink (\`bench/servers.mjs\`, 127.0.0.1, another port: a
  cross-origin collector) records every request. Every call's properties carry a unique marker,
  and a request's body is searched for markers after undoing gzip, URL/form encoding and base64
  (\`bench/events.mjs\`), so the same parser counts every SDK's events exactly, retries counted once.
  *requests* are those carrying at least one event of the loop; *body B/event* is their body
  bytes as sent (compressed where the SDK compresses) over the events delivered, against the gzip
  sink; a request the plain sink refused (415) delivers nothing. CORS preflights and other
  requests are listed below, not counted.
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
${peers.map((r) => `| ${r.sdk.name} | ${r.sdk.pkg ? `\`${r.sdk.pkg}@${r.version}\`` : r.sdk.id == FLOOR ? '`bench/floor.js`' : `\`dist/cio.js\` ${r.version} via \`dist/snippet.html\``} | ${r.sdk.setup} | ${r.bodyFormats.join('; ') || 'none'} | ${r.otherRequests.slice(0, 6).join(', ') || 'none'} |`).join('\n')}

## Machine

- ${s.machine}
- ${s.tools}
- \`node run.mjs\` took ${Math.round(s.elapsedS)} s (bundling, ${s.loopRuns} run(s) of the workloads and ${s.runs} unload run(s) per SDK, the profile, report).
${s.pageErrors.length ? `\nPage errors seen: ${s.pageErrors.map((e) => `\`${e}\``).join('; ')}\n` : ''}${
    s.rows.some((r) => r.errors.length)
      ? `\nFailed scenarios: ${s.rows
          .filter((r) => r.errors.length)
          .map((r) => `${r.sdk.name}: ${r.errors.join('; ')}`)
          .join(' / ')}\n`
      : ''
  }`;
}
