// Where the main-thread time of a burst goes: a V8 CPU profile (CDP Profiler, 100 µs sampling) of
// the 2,000-call burst, 10 calls a task, against the gzip sink, for tracklet built with readable
// names (esbuild, not minified, from src/) and for the floor tracker. Each sample's time is given
// to the function it was in (the leaf: a native such as setItem or fetch, or the library's own
// code) and to the library module that called it (the nearest frame in src/, from esbuild's
// `// src/<file>.ts` markers in the bundle), so "outbox.ts → setItem" reads as storage writes the
// outbox made.
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { distDir } from './build.mjs';
import { FLOOR, TRACKLET } from './peers.mjs';
import { trackletPage } from './pages.mjs';
import { CALLS_PER_TASK, LOOP_CALLS, QUIET_MS, SINGLE_CALLS } from './measure.mjs';
import { eventsOfRun } from './events.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.join(here, '..');
const SAMPLING_US = 100;
const READABLE_PATH = '/b/readable/cio.js';

/** dist/cio.js's source bundled without minifying, so the profile names each function. */
async function buildReadable() {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const outfile = path.join(distDir, 'readable', 'cio.js');
  await esbuild.build({
    entryPoints: [path.join(root, 'src', 'browser.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2022', // as dist/cio.js keeps `||=` and the like
    outfile,
    define: { __VERSION__: JSON.stringify(version) },
    logLevel: 'error',
  });
  // Line (0-based) → module, from esbuild's `// src/<file>.ts` comments.
  const moduleOfLine = [];
  let current = 'cio.js';
  for (const line of fs.readFileSync(outfile, 'utf8').split('\n')) {
    const marker = /^\s*\/\/ (?:\.\.\/)?src\/([\w-]+\.ts)$/.exec(line);
    if (marker) current = marker[1];
    moduleOfLine.push(current);
  }
  return moduleOfLine;
}

/** Self time per (module, function) from a CDP Profiler profile; `moduleOf(frame)` names a frame's module or null. */
function summarize(profile, moduleOf) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const totals = new Map();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i + 1] ?? SAMPLING_US;
    const leaf = nodes.get(id).callFrame;
    if (leaf.functionName == '(idle)') return;
    let owner = null;
    for (let n = id; n != null && owner == null; n = parent.get(n)) owner = moduleOf(nodes.get(n).callFrame);
    const name = leaf.functionName || '(anonymous)';
    const key = `${owner ?? (leaf.url ? 'page' : '–')}\t${name}`;
    totals.set(key, (totals.get(key) ?? 0) + us);
    totalUs += us;
  });
  const rows = [...totals].map(([key, us]) => {
    const [module, fn] = key.split('\t');
    return { module, fn, ms: us / 1000 };
  });
  rows.sort((a, b) => b.ms - a.ms);
  const byModule = {};
  for (const r of rows) byModule[r.module] = (byModule[r.module] ?? 0) + r.ms;
  return { totalMs: totalUs / 1000, rows, byModule };
}

/**
 * Profiles a workload (`count` calls, `perTask` a task: the burst by default) on one fresh page
 * reporting to `sink`; resolves with the summary once the sink has every event.
 */
async function profileOne(browser, env, sink, url, moduleOf, { count = LOOP_CALLS, perTask = CALLS_PER_TASK } = {}) {
  const context = await browser.newContext({ userAgent: env.userAgent });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction('window.__readyAt != null', null, { timeout: 20000 });
  await new Promise((r) => setTimeout(r, 1000));
  const cdp = await context.newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage'); // as the measured windows start (measure.mjs)
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: SAMPLING_US });
  await cdp.send('Profiler.start');
  const runId = 'p' + (Date.now() % 1e6);
  const first = sink.requests.length;
  await page.evaluate(
    async ({ runId, count, perTask }) => {
      const nextTask = () =>
        new Promise((resolve) => {
          const channel = new globalThis.MessageChannel();
          channel.port1.onmessage = () => resolve();
          channel.port2.postMessage(0);
        });
      for (let i = 0; i < count; i += perTask) {
        for (let j = i; j < i + perTask; j++)
          globalThis.__track('bench_event', { plan: 'pro', price: 19.5, n: j, m: 'bm' + runId + 'q' + j + 'z' });
        await nextTask();
      }
    },
    { runId: runId.slice(1), count, perTask },
  );
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    const quietMs = Date.now() - (sink.requests[sink.requests.length - 1]?.at ?? 0);
    if (
      eventsOfRun(sink.requests.slice(first), runId.slice(1)).delivered >= count &&
      sink.open() == 0 &&
      quietMs > QUIET_MS
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const { profile } = await cdp.send('Profiler.stop');
  await context.close();
  return summarize(profile, moduleOf);
}

/** The profiles' keys: tracklet against each sink, the floor against the gzip one. */
export const PROFILED = [
  [TRACKLET, 'gzip', 'tracklet, gzip sink'],
  [TRACKLET, 'plain', 'tracklet, plain sink'],
  [FLOOR, 'gzip', 'floor'],
];
/**
 * One call a task is profiled on this many fresh pages, SINGLE_CALLS calls each, summed: one page
 * gives too few samples (200 calls of ~0.2 ms), and the workload is measured on a fresh page.
 */
export const SINGLE_PAGES = 4;

/** Sums summaries (rows by module and function, totals). */
function sumSummaries(summaries) {
  const rows = new Map();
  for (const s of summaries)
    for (const r of s.rows) {
      const key = `${r.module}\t${r.fn}`;
      rows.set(key, { ...r, ms: (rows.get(key)?.ms ?? 0) + r.ms });
    }
  const byModule = {};
  for (const s of summaries) for (const [m, ms] of Object.entries(s.byModule)) byModule[m] = (byModule[m] ?? 0) + ms;
  return {
    totalMs: summaries.reduce((n, s) => n + s.totalMs, 0),
    rows: [...rows.values()].sort((a, b) => b.ms - a.ms),
    byModule,
  };
}

/**
 * tracklet's burst (readable build) against each sink, and the floor's; then one call a task
 * (SINGLE_PAGES fresh pages of SINGLE_CALLS calls each) for tracklet and the floor against the
 * plain sink (`profiles.single`, its `calls` the calls profiled); a row not measured is left out.
 */
export async function profileBurst(browser, env, measured) {
  const moduleOfLine = await buildReadable();
  const profiles = { samplingUs: SAMPLING_US, names: [] };
  const pageOf = (id, kind) => {
    if (id != TRACKLET)
      return [
        env.site.origin + `/${kind}/${FLOOR}.html`,
        (frame) => (frame.url.endsWith(`/${FLOOR}.html`) ? 'floor.js' : null),
      ];
    env.pages.set(`/profile/${kind}/tracklet.html`, trackletPage(env.sinks[kind].origin, READABLE_PATH));
    return [
      env.site.origin + `/profile/${kind}/tracklet.html`,
      (frame) => (frame.url.endsWith(READABLE_PATH) ? (moduleOfLine[frame.lineNumber] ?? 'cio.js') : null),
    ];
  };
  for (const [id, kind, name] of PROFILED) {
    if (!measured.some((s) => s.id == id)) continue;
    profiles[name] = await profileOne(browser, env, env.sinks[kind], ...pageOf(id, kind));
    profiles.names.push(name);
  }
  const single = { calls: SINGLE_PAGES * SINGLE_CALLS, names: [] };
  for (const [id, name] of [
    [TRACKLET, 'tracklet, plain sink'],
    [FLOOR, 'floor, plain sink'],
  ]) {
    if (!measured.some((s) => s.id == id)) continue;
    const runs = [];
    for (let i = 0; i < SINGLE_PAGES; i++)
      runs.push(
        await profileOne(browser, env, env.sinks.plain, ...pageOf(id, 'plain'), { count: SINGLE_CALLS, perTask: 1 }),
      );
    single[name] = sumSummaries(runs);
    single.names.push(name);
  }
  profiles.single = single;
  return profiles;
}
