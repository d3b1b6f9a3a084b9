// `npm run bench:collector`: how fast the collector stores events, up to 1,000,000 of them.
// The collector runs in a child process (server.mjs) with the rate limit lifted; this process is
// the load generator on the same machine: SENDERS concurrent keep-alive connections, each posting
// /v1/batch of BATCH messages (~330 B each: a track with properties, or a page view, for one of
// 10,000 visitors, a third of them identified) as soon as the previous answer came.
// Prints events/s per window of 100,000 stored events, and overall.
//   node bench/collector/ingest.mjs [--events 1000000] [--senders 8] [--batch 20]
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';

const { values } = parseArgs({
  options: { events: { type: 'string' }, senders: { type: 'string' }, batch: { type: 'string' } },
});
const TOTAL_EVENTS = Number(values.events ?? 1_000_000);
const SENDERS = Number(values.senders ?? 8);
const BATCH = Number(values.batch ?? 20);
const WINDOW_EVENTS = Math.min(100_000, TOTAL_EVENTS);
const PEOPLE = 10_000;

const dir = mkdtempSync(join(tmpdir(), 'tracklet-bench-'));
const dbPath = join(dir, 'bench.db');
const server = spawn(process.execPath, [new URL('server.mjs', import.meta.url).pathname], {
  env: { ...process.env, DB_PATH: dbPath },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = new URL(await new Promise((resolve) => createInterface({ input: server.stdout }).once('line', resolve)));

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
const batchBody = () =>
  `{"writeKey":"demo","sentAt":"${startIso}","batch":[${Array.from({ length: BATCH }, message).join(',')}]}`;

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
const startedAt = performance.now();
let windowStartedAt = startedAt;
let windowStartedWith = 0;
/** @type {{ upTo: number, eventsPerSecond: number }[]} */
const windows = [];
let firstTenSeconds = 0;

async function sender() {
  while (sequence < TOTAL_EVENTS) {
    await post(batchBody());
    stored += BATCH;
    const now = performance.now();
    if (!firstTenSeconds && now - startedAt >= 10_000) firstTenSeconds = stored / ((now - startedAt) / 1000);
    if (stored - windowStartedWith >= WINDOW_EVENTS) {
      windows.push({ upTo: stored, eventsPerSecond: (stored - windowStartedWith) / ((now - windowStartedAt) / 1000) });
      windowStartedAt = now;
      windowStartedWith = stored;
    }
  }
}
await Promise.all(Array.from({ length: SENDERS }, sender));
const seconds = (performance.now() - startedAt) / 1000;
const fmt = (/** @type {number} */ n) => Math.round(n).toLocaleString('en-US');

console.log(
  `collector ingest: ${fmt(stored)} events in batches of ${BATCH} from ${SENDERS} senders, rate limit lifted`,
);
if (firstTenSeconds) console.log(`  first 10 s         ${fmt(firstTenSeconds)} events/s`);
for (const w of windows) console.log(`  up to ${fmt(w.upTo).padStart(9)}  ${fmt(w.eventsPerSecond)} events/s`);
console.log(`  overall            ${fmt(stored / seconds)} events/s (${seconds.toFixed(1)} s)`);
console.log(`  slowest window     ${fmt(Math.min(...windows.map((w) => w.eventsPerSecond)))} events/s`);
console.log(`  database           ${(statSync(dbPath).size / 1e6).toFixed(0)} MB (${dbPath})`);
server.kill('SIGTERM');
await new Promise((resolve) => server.on('exit', resolve));
rmSync(dir, { recursive: true, force: true });
agent.destroy();
