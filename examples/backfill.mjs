// Backfill: send events that happened in the past *through the library*, with their real times.
// `track(name, data, { timestamp: unixSeconds, messageId })` keeps the historical time; the
// collector's skew correction keeps each event's distance from sentAt, so they land where they
// belong in segments. Each purchase's messageId comes from its order id, so running the backfill
// again sends the same ids, and a collector that drops repeated messageIds counts each order once.
// (Until the library takes `messageId` from the options, it ignores it and each run sends new
// ids: test/unit/backfill-message-id.test.ts is the failing spec for that.)
//
// The library is a browser library and ignores calls outside one, so this script gives it a
// window from happy-dom and Node's own fetch (the IO object createTracker takes as its second
// argument). Run the collector first (`npm start`), then:
//   node examples/backfill.mjs                       # → http://localhost:8080, site id "demo"
//   ENDPOINT=http://127.0.0.1:9000 SITE_ID=demo node examples/backfill.mjs
import { Window } from 'happy-dom';
import { createTracker } from '../dist/index.mjs';

const endpoint = process.env.ENDPOINT ?? 'http://localhost:8080';
const siteId = process.env.SITE_ID ?? 'demo';
const DAY_SECONDS = 86_400;
const nowSeconds = Math.floor(Date.now() / 1000);
const daysAgo = (/** @type {number} */ days) => nowSeconds - days * DAY_SECONDS;

/** Orders from an old system: who bought what, how many days ago. */
const HISTORY = [
  {
    userId: 'backfill-ann',
    email: 'ann@example.com',
    orders: [
      { id: 'order-1001', sku: 'TEA-SEN', days: 3 },
      { id: 'order-1002', sku: 'TEA-ASM', days: 12 },
    ],
  },
  { userId: 'backfill-bo', email: 'bo@example.com', orders: [{ id: 'order-1003', sku: 'TEA-OOL', days: 20 }] },
  { userId: 'backfill-cy', email: 'cy@example.com', orders: [{ id: 'order-1004', sku: 'TEA-ASM', days: 45 }] },
];

const window = new Window({ url: `${endpoint}/backfill` });
const tracker = createTracker(
  { siteId, endpoint, autoTrackPage: false },
  { window: /** @type {any} */ (window), fetch: globalThis.fetch },
);
let problems = 0;
let sentCount = 0;
tracker.on('sent', (detail) => (sentCount += detail.count));
tracker.on('dropped', (detail) => (problems++, console.error('dropped:', detail)));
tracker.on('error', (detail) => (problems++, console.error('error:', detail)));

for (const customer of HISTORY) {
  tracker.identify(customer.userId, { email: customer.email });
  for (const order of customer.orders) {
    tracker.track(
      'purchased',
      { sku: order.sku, source: 'backfill' },
      { timestamp: daysAgo(order.days), messageId: `backfill-${order.id}` },
    );
  }
  tracker.reset(); // the next customer is someone else
}
const purchases = HISTORY.reduce((n, c) => n + c.orders.length, 0);
const expected = HISTORY.length + purchases; // an identify per customer, and the purchases
try {
  await tracker.flush(); // settles once every queued message was sent (or failed)
} finally {
  await window.happyDOM.close();
}
if (sentCount < expected) throw new Error(`only ${sentCount} of ${expected} messages were acknowledged by ${endpoint}`);
console.log(`backfilled ${purchases} purchases for ${HISTORY.length} customers to ${endpoint} (site ${siteId})`);
for (const within of ['7d', '30d', '60d']) {
  const res = await fetch(`${endpoint}/api/segments?event=purchased&within=${within}`).catch(() => null);
  if (!res?.ok) break; // not the reference collector: nothing more to show
  const { people } = await res.json();
  console.log(
    `  purchased within ${within}: ${people.map((/** @type {any} */ p) => `${p.userId ?? p.id} (${p.count})`).join(', ') || 'nobody'}`,
  );
}
process.exitCode = problems ? 1 : 0;
