// Abuse limits: the body cap is enforced while the body streams in, garbage gets a 400, each
// client IP has its own token bucket, and a flood of bad requests does not starve a good client.
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, track } from '../harness';

const MB = 1024 * 1024;
const valid = () =>
  JSON.stringify({ writeKey: 'demo', sentAt: new Date().toISOString(), batch: [track('still_here')] });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request from a chosen loopback address (127.0.0.2 is another client IP to the server). */
function send(
  url: string,
  options: { method?: string; path?: string; body?: string | Buffer; from?: string; headers?: Record<string, string> },
): Promise<Answer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path ?? '/v1/batch',
        localAddress: options.from,
        headers: options.headers,
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the 500 KB body limit', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(() => collector.stop());

  it('answers 413 to a 10 MB upload once 500 KB arrived, without waiting for the rest, and keeps serving', async () => {
    const { port } = new URL(collector.url);
    const answer = await new Promise<Answer>((resolve, reject) => {
      // Chunked, so no Content-Length warns the server: it must count while reading.
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/batch', agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', () => {}); // the server drops the connection after answering: expected
      req.on('close', () => reject(new Error('connection closed without an answer')));
      // 1 MB now; the other 9 MB only after the answer came, so a server that waited for the
      // whole body would never answer and this test would time out.
      const chunk = Buffer.alloc(64 * 1024, 'a');
      for (let sent = 0; sent < MB; sent += chunk.length) req.write(chunk);
      req.once('response', () => {
        for (let sent = MB; sent < 10 * MB; sent += chunk.length) req.write(chunk);
        req.end();
      });
    });
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({
      error: 'body_too_large',
      detail: 'the request body is over 512000 bytes',
    });
    expect((await send(collector.url, { body: valid() })).status).toBe(200);
  });

  it('answers 413 at once to a declared Content-Length over the limit', async () => {
    const { port } = new URL(collector.url);
    const status = await new Promise<number>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/batch',
          agent: false,
          headers: { 'Content-Length': String(10 * MB) },
        },
        (res) => {
          resolve(res.statusCode!);
          res.resume();
        },
      );
      req.on('error', () => {});
      req.write('{"writeKey":'); // and never the rest
    });
    expect(status).toBe(413);
    expect((await send(collector.url, { body: valid() })).status).toBe(200);
  });

  it('accepts a body just under the limit', async () => {
    const batch = Array.from({ length: 20 }, () => track('big', { properties: { pad: 'x'.repeat(24 * 1024) } }));
    const body = JSON.stringify({ writeKey: 'demo', batch });
    expect(body.length).toBeLessThan(500 * 1024);
    expect((await send(collector.url, { body })).status).toBe(200);
  });

  it('keeps serving after a client hangs up in the middle of its body', async () => {
    const { port } = new URL(collector.url);
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/batch',
        agent: false,
        headers: { 'Content-Length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"writeKey":"demo","batch":[', () => setTimeout(() => (req.destroy(), resolve()), 50));
    });
    expect((await send(collector.url, { body: valid() })).status).toBe(200);
  });

  it('answers 400 to random bytes and keeps serving', async () => {
    const answer = await send(collector.url, { body: randomBytes(64 * 1024) });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'invalid_json' });
    expect((await send(collector.url, { body: valid() })).status).toBe(200);
  });
});

describe('the per-IP rate limit', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    collector = await startCollector({ rateLimit: { perSecond: 0.5, burst: 3 } });
  });
  afterAll(() => collector.stop());

  it('answers 429 with Retry-After in seconds once the bucket is empty, readable cross-origin', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await send(collector.url, { body: valid(), from: '127.0.0.1' })).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await send(collector.url, {
      body: valid(),
      from: '127.0.0.1',
      headers: { Origin: 'http://localhost:8080' },
    });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    expect(limited.headers['access-control-allow-origin']).toBe('http://localhost:8080');
    expect(limited.headers['access-control-expose-headers']).toBe('Retry-After');
    expect(JSON.parse(limited.body)).toMatchObject({ error: 'rate_limited' });
  });

  it('keeps a separate bucket for another client address', async () => {
    expect((await send(collector.url, { body: valid(), from: '127.0.0.2' })).status).toBe(200);
  });
});

describe('a garbage flood', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    // The default burst of 200 per IP, refilled at 1/s instead of 50/s: each flooder's 500
    // requests then meet a 429 however slow a busy machine makes them (at 50/s, a flooder taking
    // over 6 s never would).
    collector = await startCollector({ rateLimit: { perSecond: 1, burst: 200 } });
  });
  afterAll(() => collector.stop());

  it('of 2,000 bad requests from 4 clients leaves a valid client with 200s, and the bad ones get 4xx', async () => {
    const garbage = [
      () => ({ body: randomBytes(2048) }),
      () => ({ body: '{"writeKey":"demo","batch":[' }),
      () => ({ body: JSON.stringify({ writeKey: 'stolen', batch: [track('x')] }) }),
      () => ({ body: JSON.stringify({ writeKey: 'demo', batch: Array(50).fill({ type: 'nope' }) }) }),
      () => ({ method: 'GET', path: '/api/segments?event=&within=forever' }),
      () => ({ method: 'DELETE', path: '/v1/batch' }),
      () => ({ method: 'GET', path: '/%E0%A4%A' }),
    ];
    const badStatuses: number[] = [];
    const flooder = async (from: string) => {
      for (let i = 0; i < 500; i++) {
        const answer = await send(collector.url, { ...garbage[i % garbage.length](), from });
        badStatuses.push(answer.status);
      }
    };
    const goodStatuses: number[] = [];
    const goodClient = async () => {
      for (let i = 0; i < 25; i++)
        goodStatuses.push((await send(collector.url, { body: valid(), from: '127.0.0.1' })).status);
    };
    await Promise.all([
      flooder('127.0.0.2'),
      flooder('127.0.0.3'),
      flooder('127.0.0.4'),
      flooder('127.0.0.5'),
      goodClient(),
    ]);

    expect(goodStatuses).toEqual(Array(25).fill(200));
    expect(badStatuses).toHaveLength(2000);
    expect(badStatuses.every((status) => status >= 400 && status < 500)).toBe(true);
    expect(badStatuses).toContain(429);
    const stored = collector.db.prepare("SELECT COUNT(*) AS n FROM messages WHERE name != 'still_here'").get() as {
      n: number;
    };
    expect(stored.n).toBe(0);
  });
});
