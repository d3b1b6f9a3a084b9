// Gzip bodies (docs/protocol.md): announced by `?encoding=gzip` (the browser library, which stays
// CORS-simple) or `Content-Encoding: gzip` (server-side senders), decoded within the same 500 KB
// the collector allows a plain body, then handled exactly as the plain JSON would be.
import { gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postBatch, startCollector, track } from '../harness';

const MB = 1024 * 1024;
let collector: Awaited<ReturnType<typeof startCollector>>;
beforeAll(async () => {
  collector = await startCollector();
});
afterAll(() => collector.stop());

const sent = (batch: unknown[]) => ({ writeKey: 'demo', sentAt: new Date().toISOString(), batch });
const gzip = (body: unknown) => gzipSync(typeof body == 'string' ? body : JSON.stringify(body));
const storedRaw = (messageId: string) =>
  collector.db
    .prepare('SELECT raw FROM messages WHERE message_id = ?')
    .all(messageId)
    .map((row: any) => row.raw);

/** POSTs `body` as is (already compressed, or not) to /v1/batch with `query`, as the library's fetch does. */
async function post(
  body: Uint8Array | string,
  { query = '?encoding=gzip', headers = {} as Record<string, string> } = {},
) {
  const res = await fetch(`${collector.url}/v1/batch${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain;charset=UTF-8', ...headers },
    body: typeof body == 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => null) };
}

describe('a gzip batch', () => {
  it('announced by ?encoding=gzip is stored exactly as the same batch sent plain', async () => {
    const zipped = [track('zipped', { properties: { sku: 'A-1', price: 19.5 } }), track('zipped_too')];
    const plain = zipped.map((m) => ({ ...m, messageId: `${m.messageId}-plain` }));
    expect(await post(gzip(sent(zipped)))).toMatchObject({
      status: 200,
      body: { ok: true, accepted: 2, duplicates: 0 },
    });
    expect(await postBatch(collector.url, sent(plain))).toMatchObject({
      status: 200,
      body: { ok: true, accepted: 2, duplicates: 0 },
    });
    for (const [i, message] of zipped.entries()) {
      expect(storedRaw(message.messageId)).toEqual([JSON.stringify(message)]);
      expect(storedRaw(plain[i].messageId)).toEqual([JSON.stringify(plain[i])]);
    }
  });

  it.each([
    ['Content-Encoding: gzip', '', { 'Content-Encoding': 'gzip' }],
    ['Content-Encoding: x-gzip', '', { 'Content-Encoding': 'x-gzip' }],
    ['both the query and the header (one layer, not two)', '?encoding=gzip', { 'Content-Encoding': 'gzip' }],
  ])('announced by %s is accepted too', async (_, query, headers) => {
    const message = track('server_side');
    expect(await post(gzip(sent([message])), { query, headers })).toMatchObject({ status: 200, body: { accepted: 1 } });
    expect(storedRaw(message.messageId)).toEqual([JSON.stringify(message)]);
  });

  it('is deduplicated against the plain one: a retry may switch encodings', async () => {
    const message = track('sent_both_ways');
    await postBatch(collector.url, sent([message]));
    expect((await post(gzip(sent([message])))).body).toEqual({
      ok: true,
      accepted: 1,
      duplicates: 1,
      acceptEncoding: 'gzip',
    });
    expect(storedRaw(message.messageId)).toHaveLength(1);
  });

  it('with an invalid message answers 207 listing it, as the plain batch would', async () => {
    const good = track('kept');
    const res = await post(gzip(sent([good, track('dropped', { type: 'alias' })])));
    expect(res.status).toBe(207);
    expect(res.body).toMatchObject({
      error: 'invalid_message',
      accepted: 1,
      rejected: [{ index: 1, error: 'unknown_type' }],
    });
    expect(storedRaw(good.messageId)).toHaveLength(1);
  });

  it('that inflates to just under 500 KB is accepted', async () => {
    const batch = Array.from({ length: 20 }, () => track('big', { properties: { pad: 'x'.repeat(24 * 1024) } }));
    const body = JSON.stringify(sent(batch));
    expect(body.length).toBeLessThan(500 * 1024);
    expect((await post(gzip(body))).status).toBe(200);
  });

  it('gets the CORS headers a plain batch gets (a query, unlike a header, keeps the request CORS-simple)', async () => {
    const res = await post(gzip(sent([track('a')])), { headers: { Origin: 'http://localhost:5173' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After');
  });
});

describe('a gzip body that is refused', () => {
  it.each([
    ['plain JSON announced as gzip', Buffer.from(JSON.stringify(sent([track('a')]))), 'incorrect header check'],
    ['random bytes', Buffer.concat([Buffer.from('not gzip'), randomBytes(4096)]), 'incorrect header check'],
    [
      'a gzip stream cut short',
      gzip(sent([track('a', { properties: { pad: 'x'.repeat(4096) } })])).subarray(0, 200),
      'unexpected end of file',
    ],
    ['an empty body', Buffer.alloc(0), 'unexpected end of file'],
  ])('%s → 400 invalid_gzip, readable cross-origin', async (_, body, reason) => {
    const res = await post(body, { headers: { Origin: 'http://localhost:5173' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_gzip', detail: `the body is not valid gzip (${reason})` });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  // ~50 KB on the wire each: the wire cap lets them in, the inflated cap stops them. zlib gives
  // up within a chunk of 500 KB, so neither is ever held whole in memory.
  it.each([
    ['50 MB of zeros', () => gzipSync(Buffer.alloc(50 * MB))],
    [
      'a valid batch padded to 50 MB with spaces',
      () => gzipSync(JSON.stringify(sent([track('bomb')])).replace(/}$/, ' '.repeat(50 * MB) + '}')),
    ],
  ])('that inflates to %s → 413 body_too_large, nothing stored', async (_, makeBomb) => {
    const bomb = makeBomb();
    expect(bomb.length).toBeLessThan(100 * 1024);
    const res = await post(bomb);
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(res.body).toEqual({ error: 'body_too_large', detail: 'the body inflates to over 512000 bytes' });
    const bombs = collector.db.prepare("SELECT COUNT(*) AS n FROM messages WHERE name = 'bomb'").get() as { n: number };
    expect(bombs.n).toBe(0);
    expect((await post(gzip(sent([track('still_here')])))).status).toBe(200);
  });

  it('over 500 KB on the wire → 413, the cap counting compressed bytes', async () => {
    const res = await post(gzipSync(randomBytes(600 * 1024)));
    expect(res).toMatchObject({
      status: 413,
      body: { error: 'body_too_large', detail: 'the request body is over 512000 bytes' },
    });
  });
});

describe('an encoding the collector does not know', () => {
  it.each([
    ['?encoding=br', '?encoding=br', {}],
    ['?encoding= (empty)', '?encoding=', {}],
    ['?encoding=gzip twice, once as deflate', '?encoding=gzip&encoding=deflate', {}],
    ['Content-Encoding: br', '', { 'Content-Encoding': 'br' }],
    ['Content-Encoding: gzip, br (two layers)', '', { 'Content-Encoding': 'gzip, br' }],
  ])('%s → 415 unsupported_encoding with Accept-Encoding: gzip, nothing stored', async (_, query, headers) => {
    const message = track('unknown_encoding');
    const res = await post(JSON.stringify(sent([message])), {
      query,
      headers: { ...headers, Origin: 'http://localhost:5173' },
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ error: 'unsupported_encoding', detail: expect.stringContaining('is not supported') });
    expect(res.headers.get('accept-encoding')).toBe('gzip');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(storedRaw(message.messageId)).toEqual([]);
  });

  it('Content-Encoding: identity is plain JSON', async () => {
    expect(
      (await post(JSON.stringify(sent([track('a')])), { query: '', headers: { 'Content-Encoding': 'identity' } }))
        .status,
    ).toBe(200);
  });
});
