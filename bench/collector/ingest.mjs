// `npm run bench:collector`: how fast the collector stores events, up to 1,000,000 of them.
// The collector runs in a child process (server.mjs) with the rate limit lifted; this process is
// the load generator on the same machine: SENDERS concurrent keep-alive connections, each posting
// /v1/batch of BATCH messages (~330 B each: a track with properties, or a page view, for one of
// 10,000 visitors, a third of them identified) as soon as the previous answer came.
// Prints events/s per 10 s window and its minimum ("sustained"), overall, what else used the CPU
// meanwhile, then how long identifying a new visitor takes with the database full.
//   node bench/collector/ingest.mjs [--events 1000000] [--senders 8] [--batch 20] [--cpu-prof DIR]
// --cpu-prof writes the collector's CPU profile (node --cpu-prof) to DIR.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';

const { values } = parseArgs({
  options: {
    events: { type: 'string' },
    senders: { type: 'string' },
    batch: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const TOTAL_EVENTS = Number(values.events ?? 1_000_000);
const SENDERS = Number(values.senders ?? 8);
const BATCH = Number(values.batch ?? 20);
const WINDOW_MS = 10_000;
const PEOPLE = 10_000;
const NEW_VISITORS = 100;

const dir = mkdtempSync(join(tmpdir(), 'tracklet-bench-'));
const dbPath = join(dir, 'bench.db');
const profile = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
const server = spawn(process.execPath, [...profile, new URL('server.mjs', import.meta.url).pathname], {
  env: { ...process.env, DB_PATH: dbPath },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = new URL(await new Promise((resolve) => createInterface({ input: server.stdout }).once('line', resolve)));

/**
 * CPU time in seconds, from Linux's /proc (null elsewhere): the machine's busy time over all
 * cores, and the collector's own.
 */
function cpuSeconds() {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = fields;
    const busy = (user + nice + system + irq + softirq + steal) / 100;
    const stat = readFileSync(`/proc/${server.pid}/stat`, 'utf8');
    const [utime, stime] = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, 13)
      .map(Number);
    const own = process.cpuUsage();
    return { busy, collector: (utime + stime) / 100, generator: (own.user + own.system) / 1e6 };
  } catch {
    return null;
  }
}

let sequence = 0;
const startIso = new Date().toISOString();
/** One message as the library sends it (a random UUID as messageId); cheap to make, so the generator leaves the CPU to the server. */
function message() {
  const n = sequence++;
  const person = n % PEOPLE;
  const ids =
    person % 3 == 0 ? `"anonymousId":"anon-${person}","userId":"user-${person}"` : `"anonymousId":"anon-${person}"`;
  const body =
    n % 5 == 0
      ? `"type":"page","name":"Pricing","properties":{"path":"/pricing","url":"https://shop.example/pricing","title":"Pricing · Shop","referrer":""}`
      : `"type":"track","event":"added_to_cart","properties":{"sku":"TEA-${n % 97}","price":${(n % 4000) / 100},"currency":"EUR","quantity":${1 + (n % 3)}}`;
  return `{${body},${ids},"messageId":"${randomUUID()}","timestamp":"${startIso}","context":{"library":{"name":"tracklet","version":"0.1.0"}}}`;
}
const batchBody = (/** @type {string[]} */ messages) =>
  `{"writeKey":"demo","sentAt":"${startIso}","batch":[${messages.join(',')}]}`;

const agent = new Agent({ keepAlive: true, maxSockets: SENDERS });
/** @param {string} body */
function post(body) {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: '/v1/batch',
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'text/plain' },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode == 200 ? resolve(undefined) : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let stored = 0;
const cpuAtStart = cpuSeconds();
const loadAtStart = loadavg()[0];
const startedAt = performance.now();
/** @type {{ fromS: number, toS: number, fromStored: number, toStored: number, collectorCpuS: number | null }[]} */
const windows = [];
let collectorCpuAt = cpuAtStart?.collector ?? 0;
const closeWindow = () => {
  const last = windows.at(-1);
  const collectorCpu = cpuSeconds()?.collector;
  windows.push({
    fromS: last?.toS ?? 0,
    toS: (performance.now() - startedAt) / 1000,
    fromStored: last?.toStored ?? 0,
    toStored: stored,
    collectorCpuS: collectorCpu == null ? null : collectorCpu - collectorCpuAt,
  });
  collectorCpuAt = collectorCpu ?? 0;
};
const ticker = setInterval(closeWindow, WINDOW_MS);

async function sender() {
  while (sequence < TOTAL_EVENTS) {
    await post(batchBody(Array.from({ length: BATCH }, message)));
    stored += BATCH;
  }
}
await Promise.all(Array.from({ length: SENDERS }, sender));
clearInterval(ticker);
const seconds = (performance.now() - startedAt) / 1000;
const cpuAtEnd = cpuSeconds();
closeWindow();
// A last window shorter than half of one is counted with the one before it.
if (windows.length > 1 && windows.at(-1).toS - windows.at(-1).fromS < WINDOW_MS / 2000) {
  const last = /** @type {(typeof windows)[number]} */ (windows.pop());
  const before = /** @type {(typeof windows)[number]} */ (windows.at(-1));
  const collectorCpuS =
    before.collectorCpuS == null || last.collectorCpuS == null ? null : before.collectorCpuS + last.collectorCpuS;
  Object.assign(before, { toS: last.toS, toStored: last.toStored, collectorCpuS });
}

// With the database full: a new visitor's first message, then the message that identifies them
// (the identity link moves the visitor's messages to the person), one at a time.
/** @type {number[]} */
const identifyMs = [];
for (let k = 0; k < NEW_VISITORS; k++) {
  const visitor = `"anonymousId":"new-visitor-${k}","timestamp":"${startIso}"`;
  await post(batchBody([`{"type":"page","name":"Home",${visitor},"messageId":"${randomUUID()}"}`]));
  const identify = `{"type":"identify","userId":"new-user-${k}","traits":{"plan":"trial"},${visitor},"messageId":"${randomUUID()}"}`;
  const sentAt = performance.now();
  await post(batchBody([identify]));
  identifyMs.push(performance.now() - sentAt);
}
identifyMs.sort((a, b) => a - b);

const fmt = (/** @type {number} */ n) => Math.round(n).toLocaleString('en-US');
const rate = (/** @type {(typeof windows)[number]} */ w) => (w.toStored - w.fromStored) / (w.toS - w.fromS);
/** The collector's CPU time per stored event: what it costs, however busy the machine is. */
const cpuPerEvent = (/** @type {(typeof windows)[number]} */ w) =>
  w.collectorCpuS == null
    ? ''
    : `, collector CPU ${((1e6 * w.collectorCpuS) / (w.toStored - w.fromStored)).toFixed(1)} µs/event`;
console.log(
  `collector ingest: ${fmt(stored)} events in batches of ${BATCH} from ${SENDERS} senders, rate limit lifted`,
);
for (const w of windows)
  console.log(
    `  ${`${w.fromS.toFixed(0)}–${w.toS.toFixed(0)} s`.padEnd(10)} ${fmt(rate(w)).padStart(7)} events/s  (stored ${fmt(w.fromStored)}–${fmt(w.toStored)}${cpuPerEvent(w)})`,
  );
const slowest = windows.reduce((a, b) => (rate(b) < rate(a) ? b : a));
console.log(
  `  slowest ${WINDOW_MS / 1000} s window  ${fmt(rate(slowest))} events/s (stored ${fmt(slowest.fromStored)}–${fmt(slowest.toStored)})`,
);
console.log(`  overall             ${fmt(stored / seconds)} events/s (${seconds.toFixed(1)} s)`);
console.log(
  `  identify a new visitor at ${fmt(stored)} stored: median ${identifyMs[NEW_VISITORS / 2].toFixed(1)} ms, slowest ${identifyMs[NEW_VISITORS - 1].toFixed(1)} ms (of ${NEW_VISITORS}, one at a time)`,
);
console.log(`  database            ${(statSync(dbPath).size / 1e6).toFixed(0)} MB (${dbPath})`);
const cores = availableParallelism();
if (cpuAtStart && cpuAtEnd) {
  const share = (/** @type {number} */ s) => `${((100 * s) / seconds / cores).toFixed(0)}%`;
  const collector = cpuAtEnd.collector - cpuAtStart.collector;
  const generator = cpuAtEnd.generator - cpuAtStart.generator;
  const others = Math.max(0, cpuAtEnd.busy - cpuAtStart.busy - collector - generator);
  console.log(`  collector CPU       ${((1e6 * collector) / stored).toFixed(1)} µs per event (all its threads)`);
  console.log(
    `  machine             ${cores} cores; of their time the collector used ${share(collector)}, the load generator ${share(generator)}, other processes ${share(others)}`,
  );
}
console.log(`  load average        ${loadAtStart.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after (1 min)`);
server.kill('SIGTERM');
await new Promise((resolve) => server.on('exit', resolve));
rmSync(dir, { recursive: true, force: true });
agent.destroy();
