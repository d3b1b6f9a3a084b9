// One SDK in one fresh browser context (empty cache and storage: a first visit) per scenario:
// the workloads (the 2,000-call burst, 200 tasks of one call), a click on a fresh page, the
// timing loop, navigate away after 20 calls, close the tab after 20 calls.
import zlib from 'node:zlib';
import { encodingOf, eventsOfRun } from './events.mjs';
import { NONE } from './peers.mjs';
import { pagePath } from './pages.mjs';

export const LOOP_CALLS = 2000;
/** The burst: 10 calls a task, as a busy page's handlers might make them. */
export const CALLS_PER_TASK = 10;
/** The other workload: this many tasks of one call each (a click that tracks, 200 times). */
export const SINGLE_CALLS = 200;
/** The timing loop: 100 calls timed at once, so 5 µs of timer resolution is 0.05 µs a call. */
export const CALLS_PER_SAMPLE = 100;
export const UNLOAD_CALLS = 20;
const IDLE_BEFORE_CALLS_MS = 1000; // let start-up traffic (page views, config) go first
const DELIVERY_TIMEOUT_MS = 20000;
/** Done: every event at the sink, no request unanswered, and the wire quiet this long. */
export const QUIET_MS = 700;
/** Or the wire quiet this long (an SDK that dropped events), or DELIVERY_TIMEOUT_MS. */
export const GIVE_UP_QUIET_MS = 5000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isLocal = (url) => /^(data|blob|about):|^https?:\/\/(127\.0\.0\.1|localhost)(:|\/)/.test(url);

let lastRunId = Date.now() % 1e6;
const nextRunId = () => String(++lastRunId);

/** Opens the SDK's page (reporting to `sink`) in a new context; resolves when the SDK says it is ready. */
async function openPage(browser, sdk, env, sink = env.sinks.gzip) {
  const context = await browser.newContext({ userAgent: env.userAgent });
  const page = await context.newPage();
  const scripts = [];
  page.on('response', (response) => {
    if (response.request().resourceType() != 'script') return;
    scripts.push(
      response.body().then(
        (body) => ({ url: response.url(), body }),
        () => null,
      ),
    );
  });
  page.on('requestfailed', (request) => {
    if (!isLocal(request.url())) env.blocked.add(`${sdk.id}: ${new URL(request.url()).host}`);
  });
  page.on('pageerror', (error) => env.pageErrors.add(`${sdk.id}: ${String(error.message).slice(0, 160)}`));
  await page.goto(env.site.origin + pagePath(sdk, sink.kind));
  await page.waitForFunction('window.__readyAt != null', null, { timeout: 20000 });
  const readyMs = await page.evaluate('window.__readyAt - window.__t0');
  return { context, page, scripts, readyMs };
}

/**
 * A workload: `calls` calls of `__track`, `perTask` calls a task, against `sink`. Measures all
 * main-thread work (Chromium's TaskDuration: deferred work, storage, requests, timers included)
 * from just before the first call until the SDK is done: every event at the sink (or the wire
 * quiet for GIVE_UP_QUIET_MS: an SDK that dropped some), no request unanswered, then QUIET_MS of
 * silence; and the long tasks of that window. `isFull` adds what reached the sink and the scripts
 * the page fetched. With `timingOnly`, track()'s own cost alone: CALLS_PER_SAMPLE calls a task
 * (timing 10 calls of ~0.2 µs with a 5 µs clock measures the clock; putting 100 calls in a task of
 * the burst would make long tasks of the harness's own making and change how some SDKs queue).
 */
export async function measureLoop(
  browser,
  sdk,
  env,
  { sink = env.sinks.gzip, calls = LOOP_CALLS, perTask = CALLS_PER_TASK, isFull = false, timingOnly = false } = {},
) {
  const { context, page, scripts, readyMs } = await openPage(browser, sdk, env, sink);
  const isIsolated = await page.evaluate('crossOriginIsolated');
  await sleep(IDLE_BEFORE_CALLS_MS);
  const runId = nextRunId();
  const firstRequest = sink.requests.length;
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  // The window starts from a collected heap, for every SDK and the page without one. Else the page
  // load's garbage and young survivors (an SDK's bundle, tracklet's fetch frame: 650 KB more heap at
  // the start than the floor's page) are collected by the first scavenge, inside the window or not
  // depending on how much the load left: for tracklet's page inside the 200 one-call tasks in every
  // traced run, 1-4.6 ms, 5-23 µs a call (docs/size.md, stop 16). A scavenge that the calls' own
  // garbage brings about in the window is counted (the burst has some); 200 one-call tasks bring
  // about none, for tracklet or the floor (over 1,000 they cost both about the same).
  await cdp.send('HeapProfiler.collectGarbage');
  const taskSeconds = async () =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name == 'TaskDuration').value;
  const tasksBefore = await taskSeconds();
  const loop = await page.evaluate(
    async ({ runId, count, perSample }) => {
      const props = [];
      for (let i = 0; i < count; i++) props.push({ plan: 'pro', price: 19.5, n: i, m: 'bm' + runId + 'q' + i + 'z' });
      // Each sample runs in its own task, as calls from event handlers would.
      const nextTask = () =>
        new Promise((resolve) => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => resolve();
          channel.port2.postMessage(0);
        });
      const perCallMs = [];
      const start = performance.now();
      for (let i = 0; i < count; i += perSample) {
        const sampleStart = performance.now();
        for (let j = i; j < i + perSample; j++) window.__track('bench_event', props[j]);
        perCallMs.push((performance.now() - sampleStart) / perSample);
        await nextTask();
      }
      return { perCallMs, start, end: performance.now() };
    },
    { runId, count: timingOnly ? LOOP_CALLS : calls, perSample: timingOnly ? CALLS_PER_SAMPLE : perTask },
  );
  const sorted = [...loop.perCallMs].sort((a, b) => a - b);
  const cost = {
    trackMedianUs: 1000 * sorted[Math.floor(sorted.length / 2)],
    trackP95Us: 1000 * sorted[Math.floor(sorted.length * 0.95)],
  };
  if (timingOnly) {
    await context.close();
    return cost;
  }
  // Until the SDK is done (see above); the page without an SDK is done once the loop is.
  const loopEndedAt = Date.now();
  const deadline = loopEndedAt + DELIVERY_TIMEOUT_MS;
  for (;;) {
    const { delivered } = eventsOfRun(sink.requests.slice(firstRequest), runId);
    const quietMs = Date.now() - Math.max(loopEndedAt, sink.requests[sink.requests.length - 1]?.at ?? 0);
    const isAllIn = sdk.id == NONE || delivered >= calls;
    if (sink.open() == 0 && ((isAllIn && quietMs > QUIET_MS) || quietMs > GIVE_UP_QUIET_MS)) break;
    if (Date.now() > deadline) break;
    await sleep(50);
  }
  const mainThreadMs = 1000 * ((await taskSeconds()) - tasksBefore);
  const windowMs = await page.evaluate('performance.now()');
  const longTasks = await page.evaluate(
    ({ from, to }) => window.__longTasks.filter(([start, duration]) => start + duration > from && start < to),
    { from: loop.start, to: windowMs },
  );
  const windowRequests = sink.requests.slice(firstRequest);
  const { carrying, delivered } = eventsOfRun(windowRequests, runId);
  const work = {
    mainThreadUsPerEvent: (1000 * mainThreadMs) / calls,
    longTaskCount: longTasks.length,
    longTaskMs: longTasks.reduce((sum, [, duration]) => sum + duration, 0),
    delivered,
    doneMs: windowMs - loop.start,
  };
  if (!isFull) {
    await context.close();
    return work;
  }
  const scriptBodies = (await Promise.all(scripts)).filter(Boolean);
  await context.close();
  return {
    isIsolated,
    readyMs,
    ...cost, // replaced by the timing loop's (run.mjs)
    ...work,
    loopMs: loop.end - loop.start,
    requests: carrying.length,
    refused: windowRequests.filter((r) => r.status == 415).length,
    otherRequests: windowRequests
      .filter((r) => !carrying.some((c) => c.request == r))
      .map((r) => `${r.method} ${r.path}${r.status == 415 ? ' (415)' : ''}`),
    bodyBytes: carrying.reduce((sum, c) => sum + c.request.body.length, 0),
    bodyFormats: [
      ...new Set(
        carrying.map(
          (c) =>
            `${c.request.method} ${c.request.path} ${c.request.contentType.split(';')[0] || '(no type)'}, ${encodingOf(c.request)}`,
        ),
      ),
    ],
    maxEventsPerRequest: Math.max(0, ...carrying.map((c) => c.events)),
    jsFiles: scriptBodies.length,
    jsBytes: scriptBodies.reduce((sum, s) => sum + s.body.length, 0),
    jsBrotli: scriptBodies.reduce((sum, s) => sum + zlib.brotliCompressSync(s.body).length, 0),
  };
}

/**
 * A real click on a fresh page (Playwright's mouse, through Chromium's input pipeline): the
 * button's handler tracks one event. Returns the `first-input` Event Timing entry's processing
 * time (processingEnd - processingStart: the handler and the microtasks that follow it, where
 * tracklet builds and stores the message) and its duration (to the next paint, 8 ms granularity).
 */
export async function measureClick(browser, sdk, env, { sink = env.sinks.gzip } = {}) {
  const { context, page } = await openPage(browser, sdk, env, sink);
  await sleep(IDLE_BEFORE_CALLS_MS);
  await page.evaluate((runId) => (window.__clickRun = runId), nextRunId());
  await page.click('#buy');
  await page.waitForFunction('window.__firstInput != null', null, { timeout: 10000 });
  const entry = await page.evaluate('window.__firstInput');
  await context.close();
  return { clickProcessingUs: 1000 * entry.processingMs, clickDurationMs: entry.durationMs, clickEvent: entry.name };
}

/**
 * 20 calls, then leave: `navigate` sets location.href to another site in the same task,
 * `close` closes the tab as soon as the calls return. Returns { runId, context } so the caller
 * counts at the sink after a settle wait and closes the context then (not before: a context's
 * end could cut a beacon short).
 */
export async function startUnload(browser, sdk, env, how) {
  const { context, page } = await openPage(browser, sdk, env);
  const sink = env.sinks.gzip;
  await sleep(IDLE_BEFORE_CALLS_MS);
  const runId = nextRunId();
  const calls = ({ runId, count, away }) => {
    for (let i = 0; i < count; i++)
      window.__track('bench_event', { plan: 'pro', price: 19.5, n: i, m: 'bm' + runId + 'q' + i + 'z' });
    if (away) location.href = away;
  };
  const away = how == 'navigate' ? sink.otherOrigin + '/bye' : null;
  await page.evaluate(calls, { runId, count: UNLOAD_CALLS, away }).catch(() => {
    // the navigation can win the race with evaluate's reply; the calls were made either way
  });
  if (how == 'close') await page.close();
  return { runId, context };
}

/** Share of the 20 events of an unload run that reached the sink. */
export const unloadDelivery = (env, runId) => eventsOfRun(env.sinks.gzip.requests, runId).delivered / UNLOAD_CALLS;
