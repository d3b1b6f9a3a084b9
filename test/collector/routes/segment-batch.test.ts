// POST /v1/batch: what the collector accepts, what it refuses and how it says so (docs/protocol.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postBatch, startCollector, track } from '../harness';

let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  collector = await startCollector({ sites: { demo: 'demo-secret', 'other-site': 'other-secret' } });
});
afterAll(() => collector.stop());

const sent = (batch: unknown[], fields: Record<string, unknown> = {}) => ({
  writeKey: 'demo',
  sentAt: new Date().toISOString(),
  batch,
  ...fields,
});

describe('a valid batch', () => {
  it('is accepted with 200 and a count, whatever the Content-Type', async () => {
    for (const contentType of ['text/plain;charset=UTF-8', 'application/json', 'application/x-www-form-urlencoded']) {
      const res = await postBatch(collector.url, sent([track('a'), track('b')]), {
        headers: { 'Content-Type': contentType },
      });
      expect(res).toMatchObject({ status: 200, body: { ok: true, accepted: 2, duplicates: 0 } });
    }
  });

  it('accepts identify and page messages, and a message with only a userId', async () => {
    const identify = { ...track('x'), type: 'identify', event: undefined, userId: 'u-1', traits: { email: 'a@b.co' } };
    const page = { ...track('x'), type: 'page', event: undefined, name: 'Home', anonymousId: undefined, userId: 'u-1' };
    expect(await postBatch(collector.url, sent([identify, page]))).toMatchObject({
      status: 200,
      body: { accepted: 2 },
    });
  });
});

describe('a request that is refused whole', () => {
  it.each([
    ['malformed JSON', '{"writeKey": "demo", "batch": [', 400, 'invalid_json', 'the body is not valid JSON'],
    ['a JSON array body', '[]', 400, 'invalid_body', 'the body must be a JSON object'],
    ['a JSON string body', '"hello"', 400, 'invalid_body', 'the body must be a JSON object'],
    ['an empty body', '', 400, 'invalid_json', 'the body is not valid JSON'],
    ['no writeKey', JSON.stringify({ batch: [track('a')] }), 400, 'missing_field', 'writeKey is missing'],
    [
      'an unknown writeKey',
      JSON.stringify(sent([track('a')], { writeKey: 'nope' })),
      401,
      'unknown_write_key',
      'writeKey is not a known site id',
    ],
    [
      'a writeKey that is not a string',
      JSON.stringify(sent([track('a')], { writeKey: 42 })),
      400,
      'invalid_field',
      'writeKey must be a string',
    ],
    ['no batch', JSON.stringify({ writeKey: 'demo' }), 400, 'missing_field', 'batch is missing'],
    [
      'a batch that is not an array',
      JSON.stringify({ writeKey: 'demo', batch: { 0: track('a') } }),
      400,
      'invalid_field',
      'batch must be an array',
    ],
    ['an empty batch', JSON.stringify(sent([])), 400, 'invalid_field', 'batch is empty'],
  ])('%s → %i %s naming the field', async (_, body, status, error, detail) => {
    const res = await postBatch(collector.url, body);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error, detail });
  });
});

describe('a message that is rejected on its own', () => {
  const big = 'x'.repeat(33 * 1024);
  it.each([
    ['no type', { type: undefined }, 'missing_field', 'batch[0].type is missing'],
    ['no messageId', { messageId: undefined }, 'missing_field', 'batch[0].messageId is missing'],
    ['no timestamp', { timestamp: undefined }, 'missing_field', 'batch[0].timestamp is missing'],
    ['an unknown type', { type: 'screen' }, 'unknown_type', 'batch[0].type must be one of track, identify, page'],
    [
      'a timestamp that is not a date',
      { timestamp: 'yesterday' },
      'invalid_field',
      'batch[0].timestamp must be an ISO-8601 date between 1970 and 9999',
    ],
    [
      'a timestamp in the year 10000',
      { timestamp: '+010000-01-01T00:00:00.000Z' },
      'invalid_field',
      'batch[0].timestamp must be an ISO-8601 date between 1970 and 9999',
    ],
    [
      'neither anonymousId nor userId',
      { anonymousId: undefined },
      'missing_field',
      'batch[0].anonymousId or batch[0].userId is missing',
    ],
    ['a track without event', { event: undefined }, 'missing_field', 'batch[0].event is missing'],
    [
      'an event name over 100 bytes',
      { event: 'é'.repeat(51) },
      'invalid_field',
      'batch[0].event is longer than 100 bytes',
    ],
    [
      'a userId over 150 bytes',
      { userId: 'é'.repeat(76) },
      'invalid_field',
      'batch[0].userId must be a string of 1 to 150 bytes',
    ],
    [
      'properties that are not an object',
      { properties: [1, 2] },
      'invalid_field',
      'batch[0].properties must be an object',
    ],
    [
      'more than 32 KB of JSON',
      { properties: { big } },
      'message_too_large',
      (m: object) => `batch[0] is ${Buffer.byteLength(JSON.stringify(m))} bytes of JSON; the limit is 32768`,
    ],
  ])('%s → 400 listing it as rejected', async (_, fields, error, expected) => {
    const message = track('a', fields);
    const detail = typeof expected == 'function' ? expected(message) : expected;
    const res = await postBatch(collector.url, sent([message]));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_message', detail, accepted: 0, duplicates: 0 });
    expect(res.body.rejected).toEqual([
      {
        index: 0,
        messageId: typeof message.messageId == 'string' ? message.messageId : null,
        error,
        detail,
      },
    ]);
  });

  it('a mixed batch keeps the valid messages and answers 207 with the rejected ones', async () => {
    const good = [track('kept_1'), track('kept_2')];
    const bad = track('dropped', { type: 'alias' });
    const res = await postBatch(collector.url, sent([good[0], bad, 'not a message', good[1]]));
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(res.body.rejected).toEqual([
      {
        index: 1,
        messageId: bad.messageId,
        error: 'unknown_type',
        detail: 'batch[1].type must be one of track, identify, page',
      },
      { index: 2, messageId: null, error: 'invalid_message', detail: 'batch[2] must be an object' },
    ]);
    const { body } = await getJson(`${collector.url}/api/events?limit=2`);
    expect(body.events.map((e: any) => e.messageId)).toEqual([good[1].messageId, good[0].messageId]);
    expect(collector.db.prepare('SELECT COUNT(*) AS n FROM messages WHERE message_id = ?').get(bad.messageId)).toEqual({
      n: 0,
    });
  });
});

describe('duplicates', () => {
  it('acknowledges a re-sent messageId without storing it twice', async () => {
    const message = track('sent_twice');
    expect((await postBatch(collector.url, sent([message]))).body).toEqual({
      ok: true,
      accepted: 1,
      duplicates: 0,
      acceptEncoding: 'gzip',
    });
    expect((await postBatch(collector.url, sent([message, message]))).body).toEqual({
      ok: true,
      accepted: 2,
      duplicates: 2,
      acceptEncoding: 'gzip',
    });
    const stored = collector.db
      .prepare('SELECT COUNT(*) AS n FROM messages WHERE message_id = ?')
      .get(message.messageId) as { n: number };
    expect(stored.n).toBe(1);
  });

  it('keeps the same messageId once per writeKey', async () => {
    const message = track('two_sites');
    await postBatch(collector.url, sent([message]));
    expect((await postBatch(collector.url, sent([message], { writeKey: 'other-site' }))).body).toMatchObject({
      duplicates: 0,
    });
  });
});

describe('CORS', () => {
  it('echoes an allowed Origin with credentials and exposes Retry-After', async () => {
    const res = await postBatch(collector.url, sent([track('a')]), { headers: { Origin: 'http://localhost:5173' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });

  it('sends no CORS headers to an origin that is not allowed', async () => {
    const res = await postBatch(collector.url, sent([track('a')]), { headers: { Origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers an OPTIONS preflight from an allowed origin with 204', async () => {
    const res = await fetch(`${collector.url}/v1/batch`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://127.0.0.1:3000',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type'); // echoed, whatever it asks for
  });

  it('refuses a preflight from another origin with 403', async () => {
    const res = await fetch(`${collector.url}/v1/batch`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('takes a list of origins or a predicate', async () => {
    const listed = await startCollector({ origins: ['https://shop.example'] });
    try {
      const res = await postBatch(listed.url, sent([track('a')]), { headers: { Origin: 'https://shop.example' } });
      expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      const local = await postBatch(listed.url, sent([track('a')]), { headers: { Origin: 'http://localhost:8080' } });
      expect(local.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await listed.stop();
    }
  });
});

it('answers 405 to a GET on /v1/batch', async () => {
  const res = await fetch(`${collector.url}/v1/batch`);
  expect(res.status).toBe(405);
  expect(await res.json()).toMatchObject({ error: 'method_not_allowed' });
});
