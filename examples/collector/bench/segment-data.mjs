// The data of the segment benchmark, the same on every run (a seeded generator): 1,000,000
// messages of 10,000 people over the year before NOW_MS. 8,000 people log in (their first fifth
// of messages is anonymous, then an identify with email, plan, created_at and country links
// them, and a second identify changes the plan); 2,000 stay anonymous visitors. Each person is
// active for 1 to 180 days ending at a time skewed towards NOW_MS (about 3 in 10 were active in
// the last 30 days); 45 % of messages are page views, the rest 12 event names weighted like a
// shop's (added_to_cart is about 8 % of all messages). Messages are stored in batches of 20 of
// one person, as a browser sends them, 100 people's batches shuffled together.
import { toRow } from '../ingest/rows.mjs';

export const NOW_MS = Date.parse('2026-11-29T12:00:00.000Z');
export const PEOPLE = 10_000;
export const MESSAGES = 1_000_000;
const DAY_MS = 86_400_000;
const BATCH = 20;
const PEOPLE_SHUFFLED_TOGETHER = 100;
const PAGE_SHARE = 0.45;

/** @type {[string, number][]} event name and weight */
const EVENTS = [
  ['viewed_product', 30],
  ['added_to_cart', 14],
  ['searched', 12],
  ['scrolled_to_bottom', 8],
  ['checkout_started', 6],
  ['wishlisted', 6],
  ['purchased', 5],
  ['removed_from_cart', 4],
  ['shared', 2],
  ['applied_coupon', 2],
  ['contacted_support', 1],
  ['signed_up', 1],
];
const WEIGHT = EVENTS.reduce((sum, [, weight]) => sum + weight, 0);
const QUERIES = ['green tea', 'teapot', 'coffee', 'mug', 'oolong', 'gift card', 'matcha', 'earl grey', 'kettle'];
const PATHS = ['/', '/pricing', '/products', '/blog/brewing-guide', '/about', '/cart', '/checkout', '/account'];
const PLANS = ['free', 'pro', 'team'];
const COUNTRIES = ['FR', 'DE', 'US', 'GB', 'JP', 'BR'];
const CONTEXT = {
  library: { name: 'tracklet', version: '0.1.0' },
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  locale: 'en-GB',
};

/** mulberry32: a small seeded generator, so every run stores the same data. */
function createRandom(seed = 15) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A UUID-shaped id from the seeded generator (anonymousIds, messageIds, order ids).
 * @param {() => number} random
 */
const uuid = (random) =>
  'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) =>
    (c == 'x' ? Math.floor(random() * 16) : 8 + Math.floor(random() * 4)).toString(16),
  );

/**
 * How many messages each person sends: 20 to 180, adjusted to add up to MESSAGES.
 * @param {() => number} random
 */
function messageCounts(random) {
  const counts = Array.from({ length: PEOPLE }, () => 20 + Math.floor(random() * 161));
  let total = counts.reduce((sum, n) => sum + n, 0);
  while (total != MESSAGES) {
    const i = Math.floor(random() * PEOPLE);
    const step = total > MESSAGES ? -1 : 1;
    if (counts[i] + step < 10) continue;
    counts[i] += step;
    total += step;
  }
  return counts;
}

/**
 * @param {() => number} random
 * @param {string} name
 */
function propertiesOf(random, name) {
  const sku = `SKU-${Math.floor(random() * 500)}`;
  const price = Math.round(random() * 10_000) / 100;
  switch (name) {
    case 'viewed_product':
      return { sku, price, category: ['tea', 'coffee', 'ware'][Math.floor(random() * 3)] };
    case 'added_to_cart':
    case 'removed_from_cart':
      return { sku, price, quantity: 1 + Math.floor(random() * 3) };
    case 'searched':
      return { query: QUERIES[Math.floor(random() * QUERIES.length)] };
    case 'purchased':
      return {
        order_id: uuid(random),
        total: Math.round(random() * 20_000) / 100,
        currency: random() < 0.7 ? 'EUR' : 'USD',
      };
    default:
      return {};
  }
}

/**
 * One person's messages, oldest first, as Segment-shaped messages.
 * @param {() => number} random
 * @param {number} person
 * @param {number} count
 */
function messagesOf(random, person, count) {
  const isIdentified = person % 5 != 0;
  const userId = `user-${String(person).padStart(5, '0')}`;
  const devices = Array.from({ length: 1 + Math.floor(random() * 3) }, () => uuid(random));
  const endMs = NOW_MS - random() ** 2 * 365 * DAY_MS;
  const startMs = endMs - (1 + random() * 179) * DAY_MS;
  const times = Array.from({ length: count }, () => startMs + random() * (endMs - startMs)).sort((a, b) => a - b);
  const loginAt = isIdentified ? Math.floor(count / 5) : Infinity;
  const planChangeAt = isIdentified ? Math.floor((count * 3) / 5) : Infinity;
  const email = `${userId}@${person % 2 ? 'example.com' : 'mail.test'}`;
  return times.map((ms, i) => {
    const who = i < loginAt ? { anonymousId: devices[0] } : { userId, anonymousId: devices[i % devices.length] };
    const base = {
      messageId: uuid(random),
      timestamp: new Date(Math.round(ms)).toISOString(),
      context: CONTEXT,
      ...who,
    };
    if (i == loginAt || i == planChangeAt) {
      const plan = PLANS[Math.floor(random() * PLANS.length)];
      const traits =
        i == loginAt
          ? { email, plan, created_at: Math.floor(ms / 1000), country: COUNTRIES[person % COUNTRIES.length] }
          : { plan };
      return { ...base, type: 'identify', traits };
    }
    if (random() < PAGE_SHARE) {
      const path = PATHS[Math.floor(random() * PATHS.length)];
      return {
        ...base,
        type: 'page',
        properties: { url: `https://shop.example${path}`, path, title: 'Tea shop', referrer: '' },
      };
    }
    let pick = random() * WEIGHT;
    const [event] = /** @type {[string, number]} */ (EVENTS.find(([, weight]) => (pick -= weight) < 0) ?? EVENTS[0]);
    return { ...base, type: 'track', event, properties: propertiesOf(random, event) };
  });
}

/**
 * Every message, as the rows the store takes, in batches of one person's consecutive messages.
 * @returns {Generator<import('../store/messages.mjs').MessageRow[]>}
 */
export function* generateMessages() {
  const random = createRandom();
  const counts = messageCounts(random);
  for (let first = 0; first < PEOPLE; first += PEOPLE_SHUFFLED_TOGETHER) {
    /** @type {import('../store/messages.mjs').MessageRow[][]} */
    const batches = [];
    for (let person = first; person < first + PEOPLE_SHUFFLED_TOGETHER; person++) {
      const rows = messagesOf(random, person, counts[person]).map((message) =>
        toRow(message, JSON.stringify(message), { siteId: 'demo', sentAt: undefined, receivedAtMs: NOW_MS }),
      );
      for (let i = 0; i < rows.length; i += BATCH) batches.push(rows.slice(i, i + BATCH));
    }
    for (let i = batches.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [batches[i], batches[j]] = [batches[j], batches[i]];
    }
    yield* batches;
  }
}
