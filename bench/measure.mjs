// One SDK in one fresh browser context (empty cache and storage: a first visit), three scenarios:
// the 2,000-call loop, navigate away after 20 calls, close the tab after 20 calls.
import zlib from 'node:zlib';
import { encodingOf, eventsOfRun } from './events.mjs';
import { NONE } from './peers.mjs';

export const LOOP_CALLS = 2000;
/** The workload loop: 10 calls a task, as a busy page's handlers might make them. */
export const CALLS_PER_TASK = 10;
/** The timing loop: 100 calls timed at once, so 5 µs of timer resolution is 0.05 µs a call. */
export const CALLS_PER_SAMPLE = 100;
export const AFTER_LOOP_MS = 3000; // long tasks are also watched this long after the loop
export const UNLOAD_CALLS = 20;
const IDLE_BEFORE_CALLS_MS = 1000; // let start-up traffic (page views, config) go first
const DELIVERY_TIMEOUT_MS = 20000;
const QUIET_MS = 700;
const GIVE_UP_QUIET_MS = 5000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const isLocal = (url) => /^(data|blob|about):|^https?:\/\/(127\.0\.0\.1|localhost)(:|\/)/.test(url);

let lastRunId = Date.now() % 1e6;
const nextRunId = () => String(++lastRunId);

/** Opens the SDK's page in a new context; resolves when the SDK says it is ready. */
async function openPage(browser, sdk, env) {
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
  await page.goto(env.site.origin + '/' + sdk.id + '.html');
  await page.waitForFunction('window.__readyAt != null', null, { timeout: 20000 });
  const readyMs = await page.evaluate('window.__readyAt - window.__t0');
  return { context, page, scripts, readyMs };
}

/**
 * The 2,000-call loop: long tasks, main-thread work and what reached the sink, with
 * CALLS_PER_TASK calls a task; or, `timingOnly`, track()'s own cost alone, with CALLS_PER_SAMPLE
 * calls a task (timing 10 calls of ~0.2 µs with a 5 µs clock measures the clock; putting 100
 * calls in a task of the workload loop would make long tasks of the harness's own making and
 * change how some SDKs queue).
 */
export async function measureLoop(browser, sdk, env, { timingOnly = false } = {}) {
  const { context, page, scripts, readyMs } = await openPage(browser, sdk, env);
  const isIsolated = await page.evaluate('crossOriginIsolated');
  await sleep(IDLE_BEFORE_CALLS_MS);
  const runId = nextRunId();
  const firstRequest = env.sink.requests.length;
  // All main-thread work, deferred work included (timers, callbacks, storage, sending), which
  // track()'s own time leaves out for an SDK that defers it.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
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
    { runId, count: LOOP_CALLS, perSample: timingOnly ? CALLS_PER_SAMPLE : CALLS_PER_TASK },
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
  await sleep(AFTER_LOOP_MS);
  const mainThreadMs = 1000 * ((await taskSeconds()) - tasksBefore);
  const longTasks = await page.evaluate(
    ({ from, to }) => window.__longTasks.filter(([start, duration]) => start + duration > from && start < to),
    { from: loop.start, to: loop.end + AFTER_LOOP_MS },
  );
  // Wait for every event, or until the wire has been quiet long enough that nothing more is
  // coming (an SDK that dropped events), or the deadline.
  const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
  while (sdk.id != NONE && Date.now() < deadline) {
    const { delivered } = eventsOfRun(env.sink.requests.slice(firstRequest), runId);
    const quietMs = Date.now() - (env.sink.requests[env.sink.requests.length - 1]?.at ?? 0);
    if ((delivered >= LOOP_CALLS && quietMs > QUIET_MS) || quietMs > GIVE_UP_QUIET_MS) break;
    await sleep(200);
  }
  const windowRequests = env.sink.requests.slice(firstRequest);
  const { carrying, delivered } = eventsOfRun(windowRequests, runId);
  const scriptBodies = (await Promise.all(scripts)).filter(Boolean);
  await context.close();
  return {
    isIsolated,
    readyMs,
    ...cost, // replaced by the timing loop's (run.mjs)
    loopMs: loop.end - loop.start,
    mainThreadUsPerEvent: (1000 * mainThreadMs) / LOOP_CALLS,
    longTaskCount: longTasks.length,
    longTaskMs: longTasks.reduce((sum, [, duration]) => sum + duration, 0),
    requests: carrying.length,
    otherRequests: windowRequests
      .filter((r) => !carrying.some((c) => c.request == r))
      .map((r) => `${r.method} ${r.path}`),
    bodyBytes: carrying.reduce((sum, c) => sum + c.request.body.length, 0),
    delivered,
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
 * 20 calls, then leave: `navigate` sets location.href to another site in the same task,
 * `close` closes the tab as soon as the calls return. Returns { runId, context } so the caller
 * counts at the sink after a settle wait and closes the context then (not before: a context's
 * end could cut a beacon short).
 */
export async function startUnload(browser, sdk, env, how) {
  const { context, page } = await openPage(browser, sdk, env);
  await sleep(IDLE_BEFORE_CALLS_MS);
  const runId = nextRunId();
  const calls = ({ runId, count, away }) => {
    for (let i = 0; i < count; i++)
      window.__track('bench_event', { plan: 'pro', price: 19.5, n: i, m: 'bm' + runId + 'q' + i + 'z' });
    if (away) location.href = away;
  };
  const away = how == 'navigate' ? env.sink.otherOrigin + '/bye' : null;
  await page.evaluate(calls, { runId, count: UNLOAD_CALLS, away }).catch(() => {
    // the navigation can win the race with evaluate's reply; the calls were made either way
  });
  if (how == 'close') await page.close();
  return { runId, context };
}

/** Share of the 20 events of an unload run that reached the sink. */
export const unloadDelivery = (env, runId) => eventsOfRun(env.sink.requests, runId).delivered / UNLOAD_CALLS;
