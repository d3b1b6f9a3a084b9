// The Segment side beyond /v1/batch: the write key by Basic auth (Segment's HTTP API,
// segment.com/docs/connections/sources/catalog/libraries/server/http-api/#authentication), the
// single-message endpoints (/v1/track, /v1/identify, /v1/page) and the paths the browser SDKs post
// to (analytics-next packages/browser/src/plugins/segmentio/index.ts: `/v1/${type.charAt(0)}`;
// batched-dispatcher.ts: `/v1/b`), their preflights, and the gzip agreement in every 2xx.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startCollector, track } from '../harness';

const NOW = Date.parse('2026-11-29T12:00:00.000Z');
let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  collector = await startCollector({
    now: () => NOW,
    sites: { demo: 'demo-secret', other: 'other-secret' },
  });
});
afterAll(() => collector.stop());

const basic = (user: string, password = '') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${collector.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
const stored = (messageId: string) =>
  collector.db.prepare('SELECT site_id, type, name, timestamp_ms FROM messages WHERE message_id = ?').all(messageId);
const OK = { ok: true, accepted: 1, duplicates: 0, acceptEncoding: 'gzip' };

describe('the write key by Basic auth', () => {
  it('/v1/batch takes it as the Basic user, with no writeKey in the body', async () => {
    const message = track('by_basic_auth');
    expect(await post('/v1/batch', { batch: [message] }, { Authorization: basic('other') })).toEqual({
      status: 200,
      body: OK,
    });
    expect(stored(message.messageId)).toEqual([
      { site_id: 'other', type: 'track', name: 'by_basic_auth', timestamp_ms: Date.parse(message.timestamp) },
    ]);
  });

  it('takes the Basic user over the body’s writeKey when both are sent', async () => {
    const message = track('header_wins');
    await post('/v1/batch', { writeKey: 'demo', batch: [message] }, { Authorization: basic('other') });
    expect(stored(message.messageId)).toMatchObject([{ site_id: 'other' }]);
  });

  it('refuses an unknown write key sent by Basic auth with 401', async () => {
    expect(await post('/v1/batch', { batch: [track('a')] }, { Authorization: basic('nope') })).toEqual({
      status: 401,
      body: { error: 'unknown_write_key', detail: 'writeKey is not a known site id' },
    });
  });
});

describe('single messages', () => {
  // Segment's HTTP API examples send no messageId and no timestamp: Segment fills them in.
  it.each([
    ['/v1/track', { userId: 'u-1', event: 'Item Purchased', properties: { price: 5 } }, 'track', 'Item Purchased'],
    ['/v1/identify', { userId: 'u-1', traits: { email: 'u@example.com' } }, 'identify', null],
    ['/v1/page', { userId: 'u-1', name: 'Pricing', properties: { path: '/pricing' } }, 'page', 'Pricing'],
  ])('%s stores a message without messageId or timestamp at the server time', async (path, message, type, name) => {
    const res = await post(path, { writeKey: 'demo', ...message });
    expect(res).toEqual({ status: 200, body: OK });
    const row = collector.db
      .prepare('SELECT type, name, timestamp_ms, raw FROM messages ORDER BY id DESC LIMIT 1')
      .get() as any;
    expect({ ...row, raw: undefined }).toEqual({ type, name, timestamp_ms: NOW, raw: undefined });
    expect(JSON.parse(row.raw)).toEqual({
      ...message,
      type,
      messageId: expect.any(String),
      timestamp: new Date(NOW).toISOString(),
    });
  });

  it.each([
    ['/v1/t', 'track', { event: 'clicked' }],
    ['/v1/i', 'identify', { traits: {} }],
    ['/v1/p', 'page', { name: null, properties: { url: 'http://x.example/' } }],
  ])(
    '%s takes what analytics.js sends: a message with its own writeKey, sentAt and userId: null',
    async (path, type, fields) => {
      const message = { ...track('x'), event: undefined, type, userId: null, anonymousId: 'ajs-anon', ...fields };
      const body = {
        ...message,
        writeKey: 'demo',
        sentAt: new Date(NOW - 1000).toISOString(),
        _metadata: { bundled: [] },
      };
      expect(await post(path, body, { Authorization: basic('demo') })).toEqual({ status: 200, body: OK });
      expect(stored(message.messageId)).toHaveLength(1);
    },
  );

  it('refuses a message whose type is not the path’s', async () => {
    expect(await post('/v1/track', { writeKey: 'demo', type: 'page', userId: 'u' })).toEqual({
      status: 400,
      body: { error: 'invalid_field', detail: 'type must be track on /v1/track' },
    });
  });

  it('refuses an invalid message with 400, naming the field without a batch index', async () => {
    const message = track('x', { event: undefined });
    expect(await post('/v1/track', { writeKey: 'demo', ...message })).toEqual({
      status: 400,
      body: {
        error: 'missing_field',
        detail: 'event is missing',
        accepted: 0,
        duplicates: 0,
        rejected: [{ index: 0, messageId: message.messageId, error: 'missing_field', detail: 'event is missing' }],
      },
    });
  });

  it('/v1/b takes the batches of analytics.js’s batching delivery', async () => {
    const batch = [track('batched_1'), track('batched_2')];
    const res = await post('/v1/b', { writeKey: 'demo', batch, sentAt: new Date(NOW).toISOString() });
    expect(res).toEqual({ status: 200, body: { ...OK, accepted: 2 } });
  });
});

describe('the gzip agreement', () => {
  it('is in a 207 too', async () => {
    const res = await post('/v1/batch', { writeKey: 'demo', batch: [track('kept'), { type: 'nope' }] });
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ accepted: 1, acceptEncoding: 'gzip' });
  });

  it('is not in a refusal', async () => {
    expect((await post('/v1/batch', { writeKey: 'demo', batch: [] })).body).toEqual({
      error: 'invalid_field',
      detail: 'batch is empty',
    });
  });
});

describe('preflights', () => {
  const preflight = async (path: string, requestHeaders: string) =>
    fetch(`${collector.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': requestHeaders,
      },
    });

  it.each([
    ['/v1/t', 'authorization,content-type'], // analytics.js 1.84: Authorization: Basic base64(writeKey:)
    ['/v1/batch', 'content-type,sentry-trace,baggage'], // a fetch wrapped by Sentry's tracing
    ['/api/v1/customers/5/events', 'authorization'],
  ])('%s allows the headers asked for (%s), with credentials', async (path, requested) => {
    const res = await preflight(path, requested);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-allow-headers')).toBe(requested);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });
});

it('answers 405 to a GET on a single-message path', async () => {
  expect(await getJson(`${collector.url}/v1/track`)).toEqual({
    status: 405,
    body: { error: 'method_not_allowed', detail: 'use POST for /v1/track' },
  });
});
