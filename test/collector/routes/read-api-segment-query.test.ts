// POST /api/segments/query: segments as Customer.io builds them (docs.customer.io/journeys/
// data-driven-segments), on real SQLite: performed / did not perform an event, ever or within a
// window of corrected time, at least N times, with conditions on its data; page views by URL;
// person attributes; all-of and any-of groups; anonymous visitors in or out. Every operator and
// group is here against people whose answers are worked out by hand below.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../harness';
import {
  DAY_MS,
  HOUR_MS,
  NOW,
  ago,
  identifyAt,
  pageAt,
  readApi,
  secondsAgo,
  send,
  trackApi,
  trackAt,
} from '../people-harness';

// ann   identified (a-ann): email ann@example.com, plan pro, created_at 2013 (unix s), age 34, vip;
//       purchased 2 d (price 10 EUR), 5 d (25 EUR, coupon), 20 d ago (40 USD); viewed /pricing 1 d ago
// bo    Track API, form-encoded: email bo@shop.test, plan free, created_at 2024 (unix s), age "41";
//       purchased 45 d ago (price "23.45"); viewed https://shop.example/docs/intro (a Track API page) 3 d ago
// 5     Customer.io's curl example: purchased on 2013-01-28 (price "23.45")
// guest anonymous visitor: purchased 2 h ago (price 5); viewed /pricing?plan=pro 2 h ago
// dee   identified: email dee@example.com, plan pro; added_to_cart 1 d ago
// nested   identified: upgraded 1 h ago with { plan: { tier: 2 } }
// iso-time identified: trial_ends "2026-12-15T00:00:00.000Z" (an ISO string)
let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  collector = await startCollector({ now: () => NOW });
  const ann = { userId: 'ann', anonymousId: 'a-ann' };
  await send(collector.url, [
    identifyAt(ago(10 * DAY_MS), {
      ...ann,
      traits: { email: 'ann@example.com', plan: 'pro', created_at: 1359389415, age: 34, vip: true },
    }),
    trackAt('purchased', ago(2 * DAY_MS), { ...ann, properties: { price: 10, currency: 'EUR' } }),
    trackAt('purchased', ago(5 * DAY_MS), { ...ann, properties: { price: 25, currency: 'EUR', coupon: 'SPRING' } }),
    trackAt('purchased', ago(20 * DAY_MS), { ...ann, properties: { price: 40, currency: 'USD' } }),
    pageAt(ago(DAY_MS), { ...ann, properties: { url: 'https://shop.example/pricing', path: '/pricing' } }),
    trackAt('purchased', ago(2 * HOUR_MS), { anonymousId: 'guest', properties: { price: 5 } }),
    pageAt(ago(2 * HOUR_MS), { anonymousId: 'guest', properties: { url: 'https://shop.example/pricing?plan=pro' } }),
    identifyAt(ago(DAY_MS), { userId: 'dee', traits: { email: 'dee@example.com', plan: 'pro' } }),
    trackAt('added_to_cart', ago(DAY_MS), { userId: 'dee', properties: { sku: 'TEA' } }),
    trackAt('upgraded', ago(HOUR_MS), { userId: 'nested', properties: { plan: { tier: 2 } } }),
    identifyAt(ago(HOUR_MS), { userId: 'iso-time', traits: { trial_ends: '2026-12-15T00:00:00.000Z' } }),
  ]);
  const form = (fields: [string, string][]) => new URLSearchParams(fields);
  await trackApi(
    collector.url,
    'PUT',
    '/customers/bo',
    form([
      ['email', 'bo@shop.test'],
      ['plan', 'free'],
      ['created_at', '1714521600'],
      ['age', '41'],
      ['_timestamp', String(secondsAgo(50 * DAY_MS))],
    ]),
  );
  const boPurchase = [
    ['name', 'purchased'],
    ['data[price]', '23.45'],
    ['timestamp', String(secondsAgo(45 * DAY_MS))],
  ] as [string, string][];
  await trackApi(collector.url, 'POST', '/customers/bo/events', form(boPurchase));
  const docs = { name: 'https://shop.example/docs/intro', type: 'page', timestamp: secondsAgo(3 * DAY_MS) };
  await trackApi(collector.url, 'POST', '/customers/bo/events', docs);
  // Customer.io's own example, as printed on its "Events" page (host and credentials changed).
  const example = [
    ['name', 'purchased'],
    ['data[price]', '23.45'],
    ['timestamp', '1359389415'],
  ] as [string, string][];
  await trackApi(collector.url, 'POST', '/customers/5/events', form(example));
});
afterAll(() => collector.stop());

const query = (segment: unknown, page: object = {}) =>
  readApi(collector.url, '/api/segments/query', { method: 'POST', body: { segment, ...page } });
/** The ids in a segment of these conditions, sorted; the total must agree. */
async function members(conditions: unknown[], options: object = {}) {
  const { status, body } = await query({ conditions, ...options });
  expect(status).toBe(200);
  const ids = body.people.map((p: any) => p.id);
  expect(body.total).toBe(ids.length);
  return ids.sort();
}
const purchased = (more: object = {}) => ({ kind: 'event', event: 'purchased', ...more });
const price = (operator: string, value?: unknown) => ({ field: 'price', operator, value });

describe('performed an event', () => {
  it.each([
    ['ever (no window): the 2013 backfill of Customer.io’s example counts', {}, ['5', 'ann', 'bo', 'guest']],
    ['within 30 days', { within: '30d' }, ['ann', 'guest']],
    ['within 12 hours', { within: '12h' }, ['guest']],
    ['at least 3 times within 30 days', { within: '30d', min: 3 }, ['ann']],
    ['at least 2 times within 10 days', { within: '10d', min: 2 }, ['ann']],
    ['at least 4 times, ever', { min: 4 }, []],
    ['within 100,000 days (past the old 3,650-day cap)', { within: '100000d' }, ['5', 'ann', 'bo', 'guest']],
  ])('%s', async (_, more, expected) => {
    expect(await members([purchased(more)])).toEqual(expected);
  });
});

describe('did not perform an event', () => {
  it.each([
    ['ever', {}, ['dee', 'iso-time', 'nested']],
    ['within 30 days', { within: '30d' }, ['5', 'bo', 'dee', 'iso-time', 'nested']],
    ['at least 2 times (fewer than 2)', { min: 2 }, ['5', 'bo', 'dee', 'guest', 'iso-time', 'nested']],
  ])('%s', async (_, more, expected) => {
    expect(await members([purchased({ performed: false, ...more })])).toEqual(expected);
  });

  it('lists anonymous visitors unless told to exclude them', async () => {
    const notInCart = { kind: 'event', event: 'added_to_cart', performed: false, within: '30d' };
    const everyoneBut = ['5', 'ann', 'bo', 'guest', 'iso-time', 'nested'];
    expect(await members([notInCart])).toEqual(everyoneBut);
    expect(await members([notInCart], { anonymous: 'exclude' })).toEqual(everyoneBut.filter((id) => id != 'guest'));
    expect(await members([notInCart], { anonymous: 'include' })).toEqual(everyoneBut);
  });
});

describe('conditions on the event’s data (only matching events count)', () => {
  it.each([
    ['price equals 25', [price('equals', 25)], ['ann']],
    ['price equals 23.45: a number equals a form-encoded "23.45"', [price('equals', 23.45)], ['5', 'bo']],
    ['price equals "23.45": a string equals the same string', [price('equals', '23.45')], ['5', 'bo']],
    ['currency equals "EUR"', [{ field: 'currency', operator: 'equals', value: 'EUR' }], ['ann']],
    [
      'currency not_equals "EUR": an event with another currency',
      [{ field: 'currency', operator: 'not_equals', value: 'EUR' }],
      ['ann'],
    ],
    ['currency contains "S"', [{ field: 'currency', operator: 'contains', value: 'S' }], ['ann']],
    ['price greater than 20', [price('greater', 20)], ['5', 'ann', 'bo']],
    ['price greater than 30', [price('greater', 30)], ['ann']],
    ['price less than 10', [price('less', 10)], ['guest']],
    ['coupon exists', [{ field: 'coupon', operator: 'exists' }], ['ann']],
    ['coupon does not exist', [{ field: 'coupon', operator: 'not_exists' }], ['5', 'ann', 'bo', 'guest']],
    [
      'price greater than 20 and currency equals "USD"',
      [price('greater', 20), { field: 'currency', operator: 'equals', value: 'USD' }],
      ['ann'],
    ],
  ])('%s', async (_, where, expected) => {
    expect(await members([purchased({ where })])).toEqual(expected);
  });

  it('counts only the matching events toward the window and min', async () => {
    expect(await members([purchased({ where: [price('greater', 20)], within: '30d' })])).toEqual(['ann']);
    expect(await members([purchased({ where: [price('greater', 20)], min: 2 })])).toEqual(['ann']);
    expect(await members([purchased({ where: [price('greater', 20)], within: '10d', min: 2 })])).toEqual([]);
  });

  it('reads nested data by a dotted field', async () => {
    const where = [{ field: 'plan.tier', operator: 'equals', value: 2 }];
    expect(await members([{ kind: 'event', event: 'upgraded', where }])).toEqual(['nested']);
  });
});

describe('page views by URL', () => {
  const viewed = (operator: string, value: string, more: object = {}) => ({
    kind: 'page',
    url: { operator, value },
    ...more,
  });
  it.each([
    ['URL contains /pricing', viewed('contains', '/pricing'), ['ann', 'guest']],
    ['URL equals https://shop.example/pricing', viewed('equals', 'https://shop.example/pricing'), ['ann']],
    ['a Track API page view, named by its URL', viewed('contains', '/docs/'), ['bo']],
    ['URL contains /pricing within 12 hours', viewed('contains', '/pricing', { within: '12h' }), ['guest']],
    [
      'did not view a URL containing /pricing',
      viewed('contains', '/pricing', { performed: false }),
      ['5', 'bo', 'dee', 'iso-time', 'nested'],
    ],
  ])('%s', async (_, condition, expected) => {
    expect(await members([condition])).toEqual(expected);
  });
});

describe('person attributes', () => {
  const attribute = (name: string, operator: string, value?: unknown) => ({ kind: 'attribute', name, operator, value });
  it.each([
    ['email equals ann@example.com', attribute('email', 'equals', 'ann@example.com'), ['ann']],
    [
      'email not_equals ann@example.com (people with another email)',
      attribute('email', 'not_equals', 'ann@example.com'),
      ['bo', 'dee'],
    ],
    ['email contains @example.com', attribute('email', 'contains', '@example.com'), ['ann', 'dee']],
    ['plan equals pro', attribute('plan', 'equals', 'pro'), ['ann', 'dee']],
    ['age greater than 35 (a form-encoded "41")', attribute('age', 'greater', 35), ['bo']],
    ['age less than 35', attribute('age', 'less', 35), ['ann']],
    ['age equals 41', attribute('age', 'equals', 41), ['bo']],
    ['vip equals true', attribute('vip', 'equals', true), ['ann']],
    ['email exists', attribute('email', 'exists'), ['ann', 'bo', 'dee']],
    ['email does not exist', attribute('email', 'not_exists'), ['5', 'guest', 'iso-time', 'nested']],
    ['created_at before 2020 (an ISO date)', attribute('created_at', 'before', '2020-01-01T00:00:00Z'), ['ann']],
    ['created_at after 2020 (unix seconds)', attribute('created_at', 'after', 1577836800), ['bo']],
  ])('%s', async (_, condition, expected) => {
    expect(await members([condition])).toEqual(expected);
  });

  it('compares a time attribute sent as an ISO string', async () => {
    expect(await members([attribute('trial_ends', 'after', '2026-12-01T00:00:00Z')])).toEqual(['iso-time']);
    expect(await members([attribute('trial_ends', 'before', '2026-12-01T00:00:00Z')])).toEqual([]);
  });
});

describe('all-of and any-of groups', () => {
  const pro = { kind: 'attribute', name: 'plan', operator: 'equals', value: 'pro' };
  const free = { kind: 'attribute', name: 'plan', operator: 'equals', value: 'free' };
  it('all of: purchased within 30 days and on the pro plan', async () => {
    expect(await members([purchased({ within: '30d' }), pro])).toEqual(['ann']);
    expect(await members([purchased({ within: '30d' }), pro], { match: 'all' })).toEqual(['ann']);
  });

  it('any of: on the free plan, or purchased within 12 hours', async () => {
    expect(await members([free, purchased({ within: '12h' })], { match: 'any' })).toEqual(['bo', 'guest']);
  });

  it('a group inside: has an email, and (added to cart or older than 35)', async () => {
    const group = {
      kind: 'group',
      match: 'any',
      conditions: [
        { kind: 'event', event: 'added_to_cart' },
        { kind: 'attribute', name: 'age', operator: 'greater', value: 35 },
      ],
    };
    const email = { kind: 'attribute', name: 'email', operator: 'exists' };
    expect(await members([email, group])).toEqual(['bo', 'dee']);
    expect(await members([email, { ...group, match: 'all' }])).toEqual([]);
  });

  it('any of, identified only', async () => {
    expect(await members([pro, purchased({ within: '12h' })], { match: 'any', anonymous: 'exclude' })).toEqual([
      'ann',
      'dee',
    ]);
  });
});

describe('the answer', () => {
  it('gives the total and a page of people, the most recently seen first', async () => {
    const segment = { conditions: [purchased()] };
    const { body } = await query(segment, { limit: 2, offset: 1 });
    expect(body).toMatchObject({ segment, total: 4, limit: 2, offset: 1, warnings: [] });
    expect(body.people).toEqual([
      {
        id: 'ann',
        userId: 'ann',
        anonymousIds: ['a-ann'],
        email: 'ann@example.com',
        events: 5,
        firstAt: ago(20 * DAY_MS),
        lastAt: ago(DAY_MS),
      },
      {
        id: 'bo',
        userId: 'bo',
        anonymousIds: [],
        email: 'bo@shop.test',
        events: 3,
        firstAt: ago(50 * DAY_MS),
        lastAt: ago(3 * DAY_MS),
      },
    ]);
    expect((await query(segment, { offset: 4 })).body).toMatchObject({ total: 4, people: [] });
  });

  it('says when a condition names an event never received, and points at the near miss', async () => {
    const { body } = await query({
      conditions: [
        { kind: 'event', event: 'Added To Cart' },
        { kind: 'group', conditions: [{ kind: 'event', event: 'PURCHASED', performed: false }] },
        { kind: 'event', event: 'bought' },
      ],
      match: 'any',
    });
    expect(body.warnings).toEqual([
      {
        path: 'segment.conditions.0.event',
        event: 'Added To Cart',
        didYouMean: ['added_to_cart'],
        detail:
          'no event named "Added To Cart" has been received (names are case-sensitive); did you mean "added_to_cart" (1 event)?',
      },
      {
        path: 'segment.conditions.1.conditions.0.event',
        event: 'PURCHASED',
        didYouMean: ['purchased'],
        detail:
          'no event named "PURCHASED" has been received (names are case-sensitive); did you mean "purchased" (6 events)?',
      },
      {
        path: 'segment.conditions.2.event',
        event: 'bought',
        didYouMean: [],
        detail: 'no event named "bought" has been received (names are case-sensitive)',
      },
    ]);
  });
});

describe('refusals name the field', () => {
  it.each([
    ['no conditions', { conditions: [] }, 'segment.conditions must be a list of 1 to 20 conditions'],
    [
      'an unknown kind',
      { conditions: [{ kind: 'cohort' }] },
      'segment.conditions.0.kind must be event, page, attribute, group',
    ],
    [
      'a misspelt field',
      { conditions: [purchased({ whithin: '3d' })] },
      'segment.conditions.0.whithin is not a field here: segment.conditions.0 must be an event condition: { kind, event, performed, min, within, where }',
    ],
    [
      'min 0',
      { conditions: [purchased({ min: 0 })] },
      'segment.conditions.0.min must be a whole number from 1 to 999999',
    ],
    [
      'a window without a unit',
      { conditions: [purchased({ within: '30' })] },
      'segment.conditions.0.within must be a whole number of days or hours, e.g. 30d or 12h (leave it out for ever)',
    ],
    [
      'an unknown operator',
      { conditions: [purchased({ where: [price('between', 1)] })] },
      'segment.conditions.0.where.0.operator must be one of equals, not_equals, contains, greater, less, exists, not_exists',
    ],
    [
      'greater than a word',
      { conditions: [purchased({ where: [price('greater', 'lots')] })] },
      'segment.conditions.0.where.0.value must be a number',
    ],
    [
      'before something that is not a time',
      { conditions: [{ kind: 'attribute', name: 'created_at', operator: 'before', value: 'someday' }] },
      'segment.conditions.0.value must be a time: unix seconds or an ISO 8601 date',
    ],
    [
      'a group in a group',
      { conditions: [{ kind: 'group', conditions: [{ kind: 'group', conditions: [purchased()] }] }] },
      'segment.conditions.0.conditions.0.kind must be event, page, attribute',
    ],
    [
      'anonymous neither include nor exclude',
      { conditions: [purchased()], anonymous: 'only' },
      'segment.anonymous must be include or exclude',
    ],
  ])('%s', async (_, segment, detail) => {
    const { status, body } = await query(segment);
    expect(status).toBe(400);
    expect(body.detail).toBe(detail);
  });
});
