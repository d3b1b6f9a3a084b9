// A collector for browser tests that can misbehave on command: answer with a status (503, 429
// with Retry-After), answer slowly, or drop the connection. It records every request, so a test
// can count what arrived, what arrived twice, and when. Listens on 127.0.0.1, an OS-chosen port.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  at: number;
  path: string;
  contentType: string;
  bytes: number;
  /** Parsed body, or undefined when it was not JSON. */
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
      let body: any;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      const b = nextBehaviours.shift() ?? behaviour;
      const record = (status: number) =>
        requests.push({ at: Date.now(), path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), bytes: raw.length, body, status, mode: String(req.headers['sec-fetch-mode'] ?? '') });
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
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      };
      if (b.kind === 'slow') setTimeout(answer, b.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  // Only what was acknowledged counts as delivered.
  const messages = () => requests.filter((r) => r.status === 200 && Array.isArray(r.body?.batch)).flatMap((r) => r.body.batch);
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
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
