// Segment queries at a million events (issue 15; figures in docs/collector.md, "Segments at a
// million events"). Stores 1,000,000 messages of 10,000 people through the store's own insert
// (so the summaries are kept as ingest keeps them), then asks the read API, in process
// (Fastify's inject: routing, schema, SQL and JSON, no socket), for the count and first page of
// 100 people of each segment below, and prints the median and slowest of 15 runs after 3 warm-ups.
//   npm run bench:segments                       # a fresh database in the system's temp folder
//   npm run bench:segments -- --db /tmp/seg.db   # keep it, and reuse it on the next run
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../app.mjs';
import { generateMessages, PEOPLE, MESSAGES, NOW_MS } from './segment-data.mjs';

const TARGET_MS = { indexed: 100, scan: 1000 };
const RUNS = 15;
const WARM_UPS = 3;

/** The segments of the targets, and the ones no index serves (contains, ranges, URLs). */
const SEGMENTS = /** @type {const} */ ([
  ['performed added_to_cart ever', 'indexed', { conditions: [{ kind: 'event', event: 'added_to_cart' }] }],
  [
    'performed added_to_cart in the last 30 days at least 3 times',
    'indexed',
    { conditions: [{ kind: 'event', event: 'added_to_cart', within: '30d', min: 3 }] },
  ],
  [
    'did not perform added_to_cart in 30 days, identified only',
    'indexed',
    { anonymous: 'exclude', conditions: [{ kind: 'event', event: 'added_to_cart', within: '30d', performed: false }] },
  ],
  [
    'attribute plan equals "pro"',
    'indexed',
    { conditions: [{ kind: 'attribute', name: 'plan', operator: 'equals', value: 'pro' }] },
  ],
  [
    'all of: added_to_cart 3 times in 30 days, plan equals "pro"',
    'indexed',
    {
      conditions: [
        { kind: 'event', event: 'added_to_cart', within: '30d', min: 3 },
        { kind: 'attribute', name: 'plan', operator: 'equals', value: 'pro' },
      ],
    },
  ],
  [
    'all of: not added_to_cart in 30 days (identified), plan equals "pro"',
    'indexed',
    {
      anonymous: 'exclude',
      conditions: [
        { kind: 'event', event: 'added_to_cart', within: '30d', performed: false },
        { kind: 'attribute', name: 'plan', operator: 'equals', value: 'pro' },
      ],
    },
  ],
  [
    'searched where query contains "tea"',
    'scan',
    {
      conditions: [
        { kind: 'event', event: 'searched', where: [{ field: 'query', operator: 'contains', value: 'tea' }] },
      ],
    },
  ],
  [
    'purchased where total greater 50 and less 100',
    'scan',
    {
      conditions: [
        {
          kind: 'event',
          event: 'purchased',
          where: [
            { field: 'total', operator: 'greater', value: 50 },
            { field: 'total', operator: 'less', value: 100 },
          ],
        },
      ],
    },
  ],
  [
    'viewed_product where price greater 20, in 30 days',
    'scan',
    {
      conditions: [
        {
          kind: 'event',
          event: 'viewed_product',
          within: '30d',
          where: [{ field: 'price', operator: 'greater', value: 20 }],
        },
      ],
    },
  ],
  [
    'viewed a page whose URL contains "/pricing"',
    'scan',
    { conditions: [{ kind: 'page', url: { operator: 'contains', value: '/pricing' } }] },
  ],
  [
    'attribute email contains "@example"',
    'scan',
    { conditions: [{ kind: 'attribute', name: 'email', operator: 'contains', value: '@example' }] },
  ],
]);

const { values } = parseArgs({ options: { db: { type: 'string' } } });
const dir = values.db ? null : mkdtempSync(join(tmpdir(), 'tracklet-bench-segments-'));
const dbPath = values.db ?? join(/** @type {string} */ (dir), 'segments.db');
const isReused = existsSync(dbPath);
const { app, store } = await buildApp({ dbPath, staticDirs: {}, rateLimit: false, now: () => NOW_MS, log: () => {} });

if (!isReused) {
  // Only the store's insert is timed, not the making of the messages.
  let stored = 0;
  let insertMs = 0;
  let insertCpuUs = 0;
  for (const batch of generateMessages()) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    stored += store.messages.insert([batch])[0].ids.length;
    const cpu = process.cpuUsage(cpuStarted);
    insertCpuUs += cpu.user + cpu.system;
    insertMs += performance.now() - started;
  }
  console.log(
    `stored ${stored.toLocaleString('en-US')} messages of ${PEOPLE.toLocaleString('en-US')} people: ` +
      `${Math.round(stored / (insertMs / 1000)).toLocaleString('en-US')} messages/s in the store's insert, ` +
      `${(insertCpuUs / stored).toFixed(1)} µs of CPU each, summaries included`,
  );
  store.db.pragma('optimize');
} else console.log(`reusing ${dbPath}`);
const counts = store.db
  .prepare('SELECT (SELECT COUNT(*) FROM messages) AS messages, (SELECT COUNT(*) FROM people) AS people')
  .get();
console.log(`database: ${JSON.stringify(counts)} (expected ${MESSAGES} messages)`);

const headers = { authorization: 'Bearer demo-secret', 'content-type': 'application/json' };
/** @param {object} segment */
async function ask(segment) {
  const started = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: '/api/segments/query',
    headers,
    payload: { segment, limit: 100 },
  });
  const ms = performance.now() - started;
  if (res.statusCode != 200) throw new Error(`${res.statusCode} ${res.body}`);
  const body = res.json();
  return { ms, total: body.total, page: body.people.length };
}

console.log(`\n| segment | people | median | slowest | target |\n| --- | ---: | ---: | ---: | ---: |`);
let isMet = true;
for (const [name, kind, segment] of SEGMENTS) {
  for (let i = 0; i < WARM_UPS; i++) await ask(segment);
  const times = [];
  let last = { total: 0, page: 0 };
  for (let i = 0; i < RUNS; i++) {
    const { ms, ...answer } = await ask(segment);
    times.push(ms);
    last = answer;
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(RUNS / 2)];
  const target = TARGET_MS[kind];
  isMet &&= median <= target;
  console.log(
    `| ${name} | ${last.total.toLocaleString('en-US')} | ${median.toFixed(0)} ms | ${times[RUNS - 1].toFixed(0)} ms | ≤ ${target} ms${median <= target ? '' : ' MISSED'} |`,
  );
}
await app.close();
if (dir) rmSync(dir, { recursive: true, force: true });
console.log(isMet ? '\nevery median within its target' : '\nsome medians missed their target');
process.exitCode = isMet ? 0 : 1;
