// What every target test collector shares: a real HTTP server on 127.0.0.1 and an OS-chosen
// port, the record of what it received and stored, the faults a scenario needs (an outage, the
// target's own 429, a dropped connection), and rules that can be switched off by name.
//
// A target file (rudderstack.ts, segment.ts, customerio.ts, jitsu.ts, plain.ts) holds the
// target's rules, each with the source file or doc page it is written from, and a handler that
// asks `isOn(name)` before applying one. test/collector/target-rules.test.ts sends each rule's
// probe with the rule on and with it off, so a rule that stops being modelled fails a spec.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

/** A request as a handler sees it: the body read whole, nothing decoded yet. */
export interface Incoming {
  method: string;
  /** The path without its query. */
  path: string;
  query: URLSearchParams;
  /** Lower-case names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What a handler answers. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** The messages the target keeps from this request, in the shape it keeps them. */
  stored?: any[];
}

/** A request one rule acts on, and how to tell from the answer (and the store) that it did. */
export interface Probe {
  /** Default POST. */
  method?: string;
  /** Path and query. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** True when the answer shows the rule at work; must be false once the rule is switched off. */
  isApplied(answer: ProbeAnswer, target: TargetCollector): boolean;
}

export interface ProbeAnswer {
  status: number;
  /** Lower-case names. */
  headers: IncomingHttpHeaders;
  text: string;
}

export interface Rule {
  /** kebab-case; `off: [name]` switches it off. */
  name: string;
  /** What the target does, in one line. */
  says: string;
  /** Where it is written: `owner/repo@commit path`, or a doc URL. "(assumed)" marks what no source states. */
  cite: string;
  /** A request this rule acts on; built for the collector it is sent to. */
  probe: (target: TargetCollector) => Probe;
}

/** How the next requests are answered (preflights are always answered by the target's CORS). */
export type Fault =
  | { kind: 'ok' }
  /** A 503 from whatever stands in front of the target, with the target's CORS headers. */
  | { kind: 'down' }
  /** The target's own 429 (see `TargetSpec.rateLimited`). */
  | { kind: 'rate-limited' }
  | { kind: 'drop' };

export interface Received {
  at: number;
  method: string;
  /** As requested, query included. */
  url: string;
  contentType: string;
  contentEncoding: string;
  /** Bytes on the wire. */
  bytes: number;
  /**
   * Whether a collector that reads Segment JSON could read this body: it is JSON, or it is
   * announced by `Content-Encoding: gzip` and gunzips to JSON. A gzip body announced only by
   * `?encoding=gzip` is not (no target but tracklet's own reads that form).
   */
  isReadable: boolean;
  /** `Sec-Fetch-Mode`: `no-cors` for a beacon, `cors` for a fetch (Chromium sends it). */
  mode: string;
  /** For a preflight: the headers the browser asked to send, lower-case, comma-separated. */
  requestedHeaders: string;
  status: number;
  /** messageIds of what this request stored. */
  storedIds: string[];
}

export interface TargetSpec {
  name: string;
  rules: Rule[];
  /** The write key the collector knows (a source's key; the snippet's site id). */
  writeKey: string;
  /** CORS headers on every answer that is not a preflight. */
  corsHeaders(req: Incoming, isOn: (rule: string) => boolean): Record<string, string>;
  /** The answer to an OPTIONS preflight. */
  preflight(req: Incoming, isOn: (rule: string) => boolean): Answer;
  handle(req: Incoming, isOn: (rule: string) => boolean): Answer;
  /** The target's own 429; absent where its source or docs give it no 429. */
  rateLimited?: () => Answer;
  /** Whether a page can read Retry-After on the target's answers (CORS exposes it). */
  exposesRetryAfter(isOn: (rule: string) => boolean): boolean;
}

export interface TargetCollector {
  name: string;
  url: string;
  writeKey: string;
  rules: Rule[];
  /** Every request, preflights included, in arrival order. */
  requests: Received[];
  /** Every message stored, in arrival order, copies included. */
  stored: any[];
  /** Whether the target can answer 429 at all (its source or docs give one). */
  canRateLimit: boolean;
  /** Whether a page can read the target's Retry-After (false: the 429 cannot say when to come back). */
  exposesRetryAfter(): boolean;
  /** Stored copies by messageId: a count above 1 is a duplicate. */
  counts(): Map<string, number>;
  behave(fault: Fault): void;
  /** Answer the next requests with these faults, one each, then go back to `behave`'s. */
  behaveNext(...faults: Fault[]): void;
  setRule(name: string, isOn: boolean): void;
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** Rules to switch off, by name. */
  off?: string[];
}

export async function startTarget(spec: TargetSpec, { off = [] }: TargetOptions = {}): Promise<TargetCollector> {
  const names = new Set(spec.rules.map((r) => r.name));
  const switchedOff = new Set<string>();
  const setRule = (name: string, isOn: boolean) => {
    if (!names.has(name)) throw new Error(`${spec.name} has no rule "${name}"`);
    isOn ? switchedOff.delete(name) : switchedOff.add(name);
  };
  off.forEach((name) => setRule(name, false));
  const isOn = (name: string) => {
    if (!names.has(name)) throw new Error(`${spec.name} asks for an unknown rule "${name}"`);
    return !switchedOff.has(name);
  };

  const requests: Received[] = [];
  const stored: any[] = [];
  let fault: Fault = { kind: 'ok' };
  const nextFaults: Fault[] = [];

  const answerFor = (req: Incoming): Answer | 'drop' => {
    if (req.method === 'OPTIONS') return spec.preflight(req, isOn);
    const f = nextFaults.shift() ?? fault;
    if (f.kind === 'drop') return 'drop';
    const cors = spec.corsHeaders(req, isOn);
    if (f.kind === 'down') {
      return { status: 503, headers: { ...cors, 'content-type': 'text/plain' }, body: 'service unavailable' };
    }
    if (f.kind === 'rate-limited' && spec.rateLimited) {
      const a = spec.rateLimited();
      return { ...a, headers: { ...cors, ...a.headers } };
    }
    const a = spec.handle(req, isOn);
    return { ...a, headers: { ...cors, ...a.headers } };
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const incoming: Incoming = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      const answer = answerFor(incoming);
      const ids = answer === 'drop' ? [] : (answer.stored ?? []).map((m) => m?.messageId);
      if (answer !== 'drop') stored.push(...(answer.stored ?? []));
      requests.push({
        at: Date.now(),
        method: incoming.method,
        url: req.url ?? '',
        contentType: String(req.headers['content-type'] ?? ''),
        contentEncoding: String(req.headers['content-encoding'] ?? ''),
        bytes: incoming.body.length,
        isReadable: isReadableSegmentBody(incoming),
        mode: String(req.headers['sec-fetch-mode'] ?? ''),
        requestedHeaders: String(req.headers['access-control-request-headers'] ?? ''),
        status: answer === 'drop' ? 0 : answer.status,
        storedIds: ids,
      });
      if (answer === 'drop') return void req.socket.destroy();
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    name: spec.name,
    url: `http://127.0.0.1:${port}`,
    writeKey: spec.writeKey,
    rules: spec.rules,
    requests,
    stored,
    canRateLimit: !!spec.rateLimited,
    exposesRetryAfter: () => spec.exposesRetryAfter(isOn),
    counts() {
      const m = new Map<string, number>();
      for (const msg of stored) m.set(msg.messageId, (m.get(msg.messageId) ?? 0) + 1);
      return m;
    },
    behave(f) {
      fault = f;
    },
    behaveNext(...f) {
      nextFaults.push(...f);
    },
    setRule,
    async waitFor(predicate, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > end) throw new Error(`timed out waiting for the ${spec.name} test collector`);
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

/** See `Received.isReadable`. Preflights and empty bodies count as readable (nothing to read). */
function isReadableSegmentBody(req: Incoming): boolean {
  if (req.method === 'OPTIONS' || req.body.length === 0) return true;
  const isGzip = /^\s*(x-)?gzip\s*$/i.test(String(req.headers['content-encoding'] ?? ''));
  try {
    JSON.parse((isGzip ? gunzipSync(req.body) : req.body).toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

// Helpers the target files share.

/** The JSON of `body`, or undefined when it is not JSON. */
export function parseJson(body: Buffer | string): any {
  try {
    return JSON.parse(body.toString());
  } catch {
    return undefined;
  }
}

/** Gunzips, or undefined when the bytes are not gzip. */
export function gunzipOrUndefined(body: Buffer): Buffer | undefined {
  try {
    return gunzipSync(body);
  } catch {
    return undefined;
  }
}

/**
 * The user name of an `Authorization: Basic` header, as Go's `Request.BasicAuth` reads it: the
 * scheme in any case, standard base64, and a colon required (`key:`); undefined otherwise.
 */
export function basicAuthUser(headers: IncomingHttpHeaders): string | undefined {
  const m = /^basic (.*)$/i.exec(String(headers.authorization ?? ''));
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(0, colon);
}

/** `Authorization: Basic base64(key:)`, as Segment's and RudderStack's own SDKs send it. */
export const basicAuth = (key: string) => 'Basic ' + Buffer.from(key + ':').toString('base64');

let probeCounter = 0;

/** A message as tracklet builds one (docs/protocol.md), with a fresh messageId. */
export function sampleMessage(overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    type: 'track',
    event: 'probe_event',
    messageId: `probe-${process.pid}-${++probeCounter}`,
    timestamp: new Date().toISOString(),
    anonymousId: '6f7c2b0a-3f0e-4b8e-9f2d-2b1f3f4d5e6a',
    properties: { n: probeCounter },
    context: {
      page: { url: 'http://shop.test/p/a-1', path: '/p/a-1', referrer: '', title: 'A-1', search: '' },
      library: { name: 'tracklet', version: 'test' },
    },
    ...overrides,
  };
}

/** A batch body as tracklet sends one: `{ writeKey, sentAt, batch }`. */
export function sampleBatch(writeKey: string | undefined, batch: object[] = [sampleMessage()], extra: object = {}) {
  return JSON.stringify({ writeKey, sentAt: new Date().toISOString(), batch, ...extra });
}

/** Sends one probe with node:http (no header is forbidden here, unlike a browser's fetch). */
export function sendProbe(target: TargetCollector, probe: Probe): Promise<ProbeAnswer> {
  const url = new URL(probe.path, target.url);
  const body = probe.body ?? '';
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: probe.method ?? 'POST',
        headers: { 'content-length': String(Buffer.byteLength(body)), ...probe.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The rules of `targets` as Markdown tables, one per target: name, what it does, where that is written. */
export function rulesTable(targets: { name: string; rules: Rule[] }[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return targets
    .map(
      (t) =>
        `### ${t.name}\n\n| rule | what the target does | source |\n| --- | --- | --- |\n` +
        t.rules.map((r) => `| \`${r.name}\` | ${cell(r.says)} | ${cell(r.cite)} |`).join('\n'),
    )
    .join('\n\n');
}

/** A JSON answer, as the targets that answer JSON send one. */
export const jsonAnswer = (status: number, body: object, stored?: any[]): Answer => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
  stored,
});

/**
 * The probe of a target's allowed headers: a preflight asking for `content-type,sentry-trace`,
 * as a page whose fetch Sentry wraps makes one (getsentry/sentry-javascript#5868). The rule is at
 * work when `isApplied` holds for the `Access-Control-Allow-Headers` answered.
 */
export const sentryPreflightProbe = (isApplied: (allowHeaders: string) => boolean) => (): Probe => ({
  method: 'OPTIONS',
  path: '/v1/batch',
  headers: {
    origin: 'http://shop.test',
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type,sentry-trace',
  },
  isApplied: (a) => isApplied(String(a.headers['access-control-allow-headers'] ?? '')),
});

/**
 * The probe of "a page can read no header of the answer": a cross-origin batch the target takes
 * (200) whose answer has no `Access-Control-Expose-Headers`. `headers` adds what the target
 * needs to take it (its write key in Basic auth, for one).
 */
export const exposesNothingProbe =
  (headers: (target: TargetCollector) => Record<string, string> = () => ({})) =>
  (target: TargetCollector): Probe => ({
    path: '/v1/batch',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'http://shop.test', ...headers(target) },
    body: sampleBatch(target.writeKey),
    isApplied: (a) => a.status === 200 && a.headers['access-control-expose-headers'] === undefined,
  });

/**
 * The CORS headers of an answer that is not a preflight, for a target that allows any origin with
 * credentials; `exposed` (e.g. `Retry-After`) only while the rule `cors-exposes-nothing` is off.
 */
export const credentialedCors =
  (exposed: string) =>
  (req: Incoming, isOn: (rule: string) => boolean): Record<string, string> => ({
    'access-control-allow-origin': String(req.headers.origin ?? '*'),
    'access-control-allow-credentials': 'true',
    ...(isOn('cors-exposes-nothing') ? {} : { 'access-control-expose-headers': exposed }),
  });
