// Customer.io's Track API v1 as Customer.io documents it (docs.customer.io/api/track/): Basic auth
// site_id:api_key; form-encoded bodies with data[key] fields or JSON; unix-seconds timestamps;
// `id` deduplicates; its limits, refused with an answer that names the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector } from '../harness';

const NOW = Date.parse('2026-11-29T12:00:00.000Z');
const NOW_ISO = new Date(NOW).toISOString();
let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  collector = await startCollector({
    now: () => NOW,
    sites: [
      { id: 'demo', apiKey: 'demo-secret' },
      { id: 'other', apiKey: 'other-secret' },
    ],
  });
});
afterAll(() => collector.stop());

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const DEMO = basic('demo', 'demo-secret');

/** A Track API call; a URLSearchParams body goes form-encoded, an object as JSON. */
async function call(
  method: string,
  path: string,
  body?: URLSearchParams | object,
  authorization: string | null = DEMO,
) {
  const headers: Record<string, string> = authorization ? { Authorization: authorization } : {};
  let payload: string | undefined;
  if (body instanceof URLSearchParams) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    payload = body.toString();
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`${collector.url}/api/v1${path}`, { method, headers, body: payload });
  return { status: res.status, body: await res.json() };
}
const timeline = async (id: string, key = 'demo-secret') =>
  (
    await getJson(`${collector.url}/api/people/${encodeURIComponent(id)}`, {
      headers: { Authorization: `Bearer ${key}` },
    })
  ).body.timeline as any[];

describe('POST /api/v1/customers/{id}/events', () => {
  it('takes the form-encoded example, data[price] in bracket notation, at its unix time', async () => {
    const form = new URLSearchParams([
      ['name', 'purchased'],
      ['data[price]', '23.45'],
      ['timestamp', '1359389415'],
    ]);
    expect(await call('POST', '/customers/5/events', form)).toEqual({ status: 200, body: {} });
    const [event] = await timeline('5');
    expect(event).toMatchObject({
      type: 'track',
      name: 'purchased',
      person: { id: '5', userId: '5' },
      timestamp: '2013-01-28T16:10:15.000Z',
      receivedAt: NOW_ISO,
      raw: { type: 'track', event: 'purchased', userId: '5', properties: { price: '23.45' } },
    });
  });

  it('takes JSON: nested data, and type "page" for a page view named by its URL', async () => {
    const page = {
      name: 'https://shop.example/pricing',
      type: 'page',
      data: { plan: { tier: 2 } },
      timestamp: 1700000000,
    };
    expect(await call('POST', '/customers/json-1/events', page)).toEqual({ status: 200, body: {} });
    expect((await timeline('json-1')).map((e) => [e.type, e.name, e.timestamp, e.raw.properties])).toEqual([
      ['page', 'https://shop.example/pricing', '2023-11-14T22:13:20.000Z', { plan: { tier: 2 } }],
    ]);
  });

  it('files an event without a timestamp at the server’s time', async () => {
    await call('POST', '/customers/no-time/events', { name: 'signed_up' });
    expect((await timeline('no-time')).map((e) => e.timestamp)).toEqual([NOW_ISO]);
  });

  it('stores an event sent twice with the same id once, the id as its messageId', async () => {
    const event = { name: 'invited_friend', id: '01HXYZ0000000000000000000A' };
    expect((await call('POST', '/customers/twice/events', event)).status).toBe(200);
    expect((await call('POST', '/customers/twice/events', event)).status).toBe(200);
    expect((await timeline('twice')).map((e) => e.messageId)).toEqual(['01HXYZ0000000000000000000A']);
  });
});

describe('PUT /api/v1/customers/{id} and anonymous events', () => {
  it('stores attributes as an identify at _timestamp, and joins the anonymous events of its anonymous_id', async () => {
    const anonymous = { name: 'viewed_pricing', anonymous_id: 'cookie-7', timestamp: 1700000000 };
    expect(await call('POST', '/events', anonymous)).toEqual({ status: 200, body: {} });
    expect((await getJson(`${collector.url}/api/people/cookie-7`)).body.person).toMatchObject({ userId: null });

    const attributes = {
      email: 'seven@example.com',
      created_at: 1600000000,
      plan: 'pro',
      anonymous_id: 'cookie-7',
      _timestamp: 1700000100,
    };
    expect(await call('PUT', '/customers/7', attributes)).toEqual({ status: 200, body: {} });
    expect((await timeline('7')).map((e) => [e.type, e.name, e.timestamp, e.raw.traits ?? e.raw.properties])).toEqual([
      ['track', 'viewed_pricing', '2023-11-14T22:13:20.000Z', {}],
      [
        'identify',
        null,
        '2023-11-14T22:15:00.000Z',
        { email: 'seven@example.com', created_at: 1600000000, plan: 'pro' },
      ],
    ]);
    expect((await getJson(`${collector.url}/api/people/cookie-7`)).body.person).toMatchObject({
      id: '7',
      anonymousIds: ['cookie-7'],
    });
  });

  it('takes form-encoded attributes', async () => {
    const form = new URLSearchParams([
      ['email', 'form@example.com'],
      ['created_at', '1600000000'],
    ]);
    expect(await call('PUT', '/customers/form-person', form)).toEqual({ status: 200, body: {} });
    expect((await timeline('form-person'))[0].raw.traits).toEqual({
      email: 'form@example.com',
      created_at: 1600000000,
    });
  });
});

describe('DELETE /api/v1/customers/{id}', () => {
  it('deletes the person, their anonymous history and identity links, and no one else', async () => {
    await call('POST', '/events', { name: 'browsed', anonymous_id: 'cookie-gone' });
    await call('PUT', '/customers/gone', { anonymous_id: 'cookie-gone' });
    await call('POST', '/customers/gone/events', { name: 'purchased' });
    await call('POST', '/customers/stays/events', { name: 'purchased' });
    expect(await call('DELETE', '/customers/gone')).toEqual({ status: 200, body: {} });
    expect((await getJson(`${collector.url}/api/people/gone`)).status).toBe(404);
    expect((await getJson(`${collector.url}/api/people/cookie-gone`)).status).toBe(404);
    expect(collector.db.prepare("SELECT COUNT(*) AS n FROM identities WHERE user_id = 'gone'").get()).toEqual({ n: 0 });
    expect((await timeline('stays')).map((e) => e.name)).toEqual(['purchased']);
  });
});

describe("Customer.io's limits, refused naming the field", () => {
  const big = (bytes: number) => 'x'.repeat(bytes);
  it.each([
    ['no name', 'POST', '/customers/5/events', {}, 'missing_field', 'name is missing'],
    [
      'a name over 100 bytes',
      'POST',
      '/customers/5/events',
      { name: 'é'.repeat(51) },
      'invalid_field',
      'name must be a string of 1 to 100 bytes',
    ],
    [
      'data over 100,000 bytes',
      'POST',
      '/customers/5/events',
      { name: 'a', data: { pad: big(100_000) } },
      'invalid_field',
      'data must be an object of at most 100000 bytes of JSON',
    ],
    [
      'data that is not an object',
      'POST',
      '/customers/5/events',
      { name: 'a', data: [1] },
      'invalid_field',
      'data must be an object of at most 100000 bytes of JSON',
    ],
    [
      'an id over 150 bytes',
      'POST',
      '/customers/5/events',
      { name: 'a', id: big(151) },
      'invalid_field',
      'id must be a string of 1 to 150 bytes',
    ],
    [
      'a customer id over 150 bytes',
      'POST',
      `/customers/${big(151)}/events`,
      { name: 'a' },
      'invalid_field',
      'identifier must be a string of 1 to 150 bytes',
    ],
    [
      'a timestamp that is not unix seconds',
      'POST',
      '/customers/5/events',
      { name: 'a', timestamp: 'soon' },
      'invalid_field',
      'timestamp must be a unix time in seconds between 1970 and 9999',
    ],
    [
      'a timestamp in milliseconds past 9999',
      'POST',
      '/customers/5/events',
      { name: 'a', timestamp: 1359389415000000 },
      'invalid_field',
      'timestamp must be a unix time in seconds between 1970 and 9999',
    ],
    [
      'a type other than event or page',
      'POST',
      '/customers/5/events',
      { name: 'a', type: 'screen' },
      'invalid_field',
      'type must be event or page',
    ],
    [
      'over 300 attributes',
      'PUT',
      '/customers/5',
      Object.fromEntries(Array.from({ length: 301 }, (_, i) => [`a${i}`, i])),
      'invalid_field',
      'the body must have at most 300 attributes',
    ],
    [
      'an attribute value over 1,000 bytes',
      'PUT',
      '/customers/5',
      { plan: big(1000) },
      'invalid_field',
      'plan must be at most 1000 bytes',
    ],
    [
      'an anonymous_id over 150 bytes',
      'POST',
      '/events',
      { name: 'a', anonymous_id: big(151) },
      'invalid_field',
      'anonymous_id must be a string of 1 to 150 bytes',
    ],
  ])('%s → 400 %s', async (_, method, path, body, error, detail) => {
    expect(await call(method, path, body)).toEqual({ status: 400, body: { error, detail } });
  });

  it('refuses a body over 512,000 bytes with 413, as the Segment side does', async () => {
    const res = await call('PUT', '/customers/5', { pad: 'x'.repeat(512_000) });
    expect(res).toEqual({
      status: 413,
      body: { error: 'body_too_large', detail: 'the request body is over 512000 bytes' },
    });
  });

  it('accepts exactly 300 attributes and a value of exactly 1,000 bytes of JSON', async () => {
    const attributes = Object.fromEntries(Array.from({ length: 299 }, (_, i) => [`a${i}`, i]));
    expect((await call('PUT', '/customers/limits', { ...attributes, plan: 'x'.repeat(998) })).status).toBe(200);
  });
});

describe('Basic auth site_id:api_key', () => {
  it.each([
    ['no credentials', null, 'the Track API needs Basic auth: site_id:api_key'],
    ['a wrong API key', basic('demo', 'nope'), 'the site id or API key is wrong'],
    ['another site’s API key', basic('demo', 'other-secret'), 'the site id or API key is wrong'],
    ['an unknown site', basic('nobody', 'demo-secret'), 'the site id or API key is wrong'],
    ['a write key alone (Segment style)', basic('demo', ''), 'the site id or API key is wrong'],
  ])('refuses %s with 401, storing nothing', async (_, authorization, detail) => {
    const res = await call('POST', '/customers/refused/events', { name: 'refused' }, authorization);
    expect(res).toEqual({ status: 401, body: { error: 'unauthorized', detail } });
    expect(collector.db.prepare("SELECT COUNT(*) AS n FROM messages WHERE name = 'refused'").get()).toEqual({ n: 0 });
  });

  it('files each call under its own site: one site’s key reads none of the other’s', async () => {
    await call('POST', '/customers/shared-id/events', { name: 'on_other' }, basic('other', 'other-secret'));
    expect((await timeline('shared-id', 'other-secret')).map((e) => [e.writeKey, e.name])).toEqual([
      ['other', 'on_other'],
    ]);
    expect((await getJson(`${collector.url}/api/people/shared-id`)).status).toBe(404);
  });
});
