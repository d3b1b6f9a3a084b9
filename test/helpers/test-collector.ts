// A collector for browser tests that can misbehave on command: answer with a status (503, 429
// with Retry-After), answer slowly, or drop the connection. It records every request, so a test
// can count what arrived, what arrived twice, and when. Listens on 127.0.0.1, an OS-chosen port.
// Gzip bodies are decoded as the reference collector decodes them (`?encoding=gzip` or
// `Content-Encoding: gzip`), so `body` and `messages()` read the same whether or not they were.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  at: number;
  /** As requested, query included: `/v1/batch`, or `/v1/batch?encoding=gzip` for a compressed fetch. */
  path: string;
  contentType: string;
  /** The body's size on the wire (compressed when gzip); the same as `wireBytes`. */
  bytes: number;
  /** The body's size on the wire, as the browser's 64 KiB keepalive quota counts it. */
  wireBytes: number;
  /** Announced as gzip, by `?encoding=gzip` or `Content-Encoding: gzip`. */
  isGzip: boolean;
  /** The body's size once gunzipped (`wireBytes` when not gzip); undefined when it did not gunzip. */
  jsonBytes: number | undefined;
  /** The Content-Encoding header, '' when absent (a browser's fetch must not send one: it would need a preflight). */
  contentEncoding: string;
  /** Parsed body (gunzipped first when gzip), or undefined when it was not JSON or not valid gzip. */
  body: any;
  /** What the collector answered (0: dropped the connection). */
  status: number;
  /** Sec-Fetch-Mode: `no-cors` for a beacon, `cors` for the library's fetches (Chromium sends it). */
  mode: string;
}

export type Behaviour =
  | { kind: 'ok' }
  /** `delayMs`: answer that late (a collector that is down and slow to say so). */
  | { kind: 'status'; status: number; retryAfter?: string; delayMs?: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'drop' };

export interface TestCollector {
  url: string;
  requests: ReceivedRequest[];
  /** Every message received, in arrival order, duplicates included. */
  messages(): any[];
  /** Messages by messageId: count > 1 means duplicates. */
  counts(): Map<string, number>;
  /** Change how the next requests are answered. */
  behave(b: Behaviour): void;
  /** Answer the next requests with these behaviours, one each, then go back to `behave`'s. */
  behaveNext(...b: Behaviour[]): void;
  /** Resolves once `predicate` holds, or rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTestCollector(): Promise<TestCollector> {
  const requests: ReceivedRequest[] = [];
  let behaviour: Behaviour = { kind: 'ok' };
  const nextBehaviours: Behaviour[] = [];

  const cors = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  };

  const server = createServer((req, res) => {
    cors(req, res);
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const contentEncoding = String(req.headers['content-encoding'] ?? '');
      const isGzip =
        new URL(req.url ?? '/', 'http://x').searchParams.get('encoding')?.toLowerCase() === 'gzip' ||
        /^(x-)?gzip$/i.test(contentEncoding.trim());
      const json = isGzip ? gunzipOrUndefined(raw) : raw;
      let body: any;
      try {
        body = json && JSON.parse(json.toString('utf8'));
      } catch {
        body = undefined;
      }
      const b = nextBehaviours.shift() ?? behaviour;
      const record = (status: number) =>
        requests.push({
          at: Date.now(),
          path: req.url ?? '',
          contentType: String(req.headers['content-type'] ?? ''),
          bytes: raw.length,
          wireBytes: raw.length,
          isGzip,
          jsonBytes: json?.length,
          contentEncoding,
          body,
          status,
          mode: String(req.headers['sec-fetch-mode'] ?? ''),
        });
      if (b.kind === 'drop') {
        record(0);
        return void req.socket.destroy();
      }
      if (b.kind === 'status') {
        record(b.status);
        if (b.retryAfter) res.setHeader('Retry-After', b.retryAfter);
        const refuse = () => res.writeHead(b.status, { 'content-type': 'application/json' }).end('{"error":"test"}');
        return void (b.delayMs ? setTimeout(refuse, b.delayMs) : refuse());
      }
      const answer = () => {
        record(200);
        // As tracklet's collector does (examples/collector/routes/segment.mjs): every 2xx agrees to gzip.
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"acceptEncoding":"gzip"}');
      };
      if (b.kind === 'slow') setTimeout(answer, b.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  // Only what was acknowledged counts as delivered.
  const messages = () =>
    requests.filter((r) => r.status === 200 && Array.isArray(r.body?.batch)).flatMap((r) => r.body.batch);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages,
    counts() {
      const m = new Map<string, number>();
      for (const msg of messages()) m.set(msg.messageId, (m.get(msg.messageId) ?? 0) + 1);
      return m;
    },
    behave(b) {
      behaviour = b;
    },
    behaveNext(...b) {
      nextBehaviours.push(...b);
    },
    async waitFor(predicate, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > end) throw new Error('timed out waiting for the collector');
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A body announced as gzip that is not (the library would have a bug) reads as no body at all. */
function gunzipOrUndefined(raw: Buffer): Buffer | undefined {
  try {
    return gunzipSync(raw);
  } catch {
    return undefined;
  }
}

/**
 * Orders messages as the page made them: by the client's `timestamp`, then by the page's message
 * counter (a `messageId` is a 20-character page prefix and a base-36 counter, docs/protocol.md).
 * Requests go in parallel and may be stored in any order, so arrival order says nothing across
 * requests.
 */
export const byMadeOrder = (a: { timestamp: string; messageId: string }, b: typeof a) =>
  a.timestamp.localeCompare(b.timestamp) || parseInt(a.messageId.slice(20), 36) - parseInt(b.messageId.slice(20), 36);
