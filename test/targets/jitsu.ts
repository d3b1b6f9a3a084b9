// Jitsu's ingest service, as jitsucom/bulker's source has it: batches on /v1/batch and its
// aliases, JSON or text/plain only, gzip only under Content-Encoding, the write key from Basic
// auth, X-Write-Key, ?writekey= or the body, per-event failures inside a `200 {ok:false, errors}`,
// and a fixed CORS answer that allows seven request headers and exposes none.
import { gzipSync } from 'node:zlib';
import {
  exposesNothingProbe,
  gunzipOrUndefined,
  parseJson,
  sampleBatch,
  sampleMessage,
  sentryPreflightProbe,
  startTarget,
  type Answer,
  type Incoming,
  type Rule,
  type TargetOptions,
} from './target-kit';

const SRC = 'jitsucom/bulker@c5548cf';
export const JITSU_WRITE_KEY = 'jitsu-browser-write-key';
/** `MAX_INGEST_PAYLOAD_SIZE`, default 1000000 (ingest/config.go). */
export const JITSU_MAX_MESSAGE_BYTES = 1_000_000;
/** The batch routes of ingest/router.go (NewRouter). */
const BATCH_PATHS = ['/v1/batch', '/v1/b', '/v1/batch/b', '/batch', '/b', '/batch/b', '/api/s/s2s/batch'];
const ALLOWED_HEADERS =
  'x-enable-debug, x-write-key, authorization, content-type, x-ip-policy, cache-control, x-jitsu-custom';

const textPlain = { 'content-type': 'text/plain;charset=UTF-8' };
const errorsOf = (text: string): string[] => parseJson(text)?.errors ?? [];

export const JITSU_RULES: Rule[] = [
  {
    name: 'batch-paths',
    says: `batches are read on ${BATCH_PATHS.join(', ')}; other paths: gin's 404 "404 page not found"`,
    cite: `${SRC} ingest/router.go (NewRouter)`,
    probe: (t) => ({
      path: '/beacon/v1/batch',
      headers: textPlain,
      body: sampleBatch(t.writeKey),
      isApplied: (a) => a.status === 404 && a.text === '404 page not found',
    }),
  },
  {
    name: 'content-type-json-or-text',
    says: 'a Content-Type that does not end in application/json or text/plain (parameters aside): 400 {"error":"invalid content type: …"}',
    cite: `${SRC} ingest/router_batch_handler.go (BatchHandler)`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: sampleBatch(t.writeKey),
      isApplied: (a) => a.status === 400 && /^invalid content type: /.test(parseJson(a.text)?.error),
    }),
  },
  {
    name: 'gzip-by-content-encoding',
    says: 'a body is gunzipped only when Content-Encoding contains "gzip"; otherwise gzip bytes fail to parse: 400 {"error":"error parsing message: …"}',
    cite: `${SRC} ingest/router_batch_handler.go (BatchHandler)`,
    probe: (t) => ({
      path: '/v1/batch?encoding=gzip',
      headers: textPlain,
      body: gzipSync(sampleBatch(t.writeKey)),
      isApplied: (a) => a.status === 400 && /^error parsing message: /.test(parseJson(a.text)?.error),
    }),
  },
  {
    name: 'known-write-key',
    says: 'the key from Authorization: Basic, else X-Write-Key, else ?writekey=, else the body; a key of no stream: 401 {"error":"stream not found: …"}',
    cite: `${SRC} ingest/router.go (getDataLocator, WriteKeyStreamLocator), ingest/router_batch_handler.go`,
    probe: () => ({
      path: '/v1/batch',
      headers: textPlain,
      body: sampleBatch('no-such-stream'),
      isApplied: (a) => a.status === 401 && /^stream not found: /.test(parseJson(a.text)?.error),
    }),
  },
  {
    name: 'track-needs-event',
    says: 'a track event without `event` is not ingested; the answer is still 200, with ok:false and the reason in errors',
    cite: `${SRC} ingest/router.go (patchEvent), ingest/router_batch_handler.go (response ok/errors)`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: textPlain,
      body: sampleBatch(t.writeKey, [sampleMessage({ event: undefined })]),
      isApplied: (a) =>
        a.status === 200 &&
        parseJson(a.text)?.ok === false &&
        errorsOf(a.text).some((e) => e.endsWith("event error: 'event' property is required for 'track' event")),
    }),
  },
  {
    name: 'event-name-128',
    says: 'a track event name over 128 characters is not ingested (200, ok:false)',
    cite: `${SRC} ingest/router.go (patchEvent)`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: textPlain,
      body: sampleBatch(t.writeKey, [sampleMessage({ event: 'e'.repeat(129) })]),
      isApplied: (a) => a.status === 200 && parseJson(a.text)?.ok === false,
    }),
  },
  {
    name: 'message-size-1mb',
    says: `an event whose ingest message is over ${JITSU_MAX_MESSAGE_BYTES.toLocaleString('en')} bytes is not ingested (200, ok:false); modelled on the event's JSON alone (the real count adds its envelope and headers)`,
    cite: `${SRC} ingest/router.go (buildIngestMessage), ingest/config.go (MAX_INGEST_PAYLOAD_SIZE)`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: textPlain,
      body: sampleBatch(t.writeKey, [sampleMessage({ properties: { pad: 'x'.repeat(JITSU_MAX_MESSAGE_BYTES) } })]),
      isApplied: (a) => a.status === 200 && errorsOf(a.text).some((e) => /message size \d+ is too big/.test(e)),
    }),
  },
  {
    name: 'cors-allowed-headers',
    says: `a preflight allows exactly: ${ALLOWED_HEADERS} (so sentry-trace and baggage are refused)`,
    cite: `${SRC} ingest/router.go (CorsMiddleware)`,
    probe: sentryPreflightProbe((allowed) => allowed === ALLOWED_HEADERS),
  },
  {
    name: 'cors-exposes-nothing',
    says: 'no Access-Control-Expose-Headers: a page cannot read Retry-After',
    cite: `${SRC} ingest/router.go (CorsMiddleware)`,
    probe: exposesNothingProbe(),
  },
];

/** gin's c.JSON: encoding/json sorts a map's keys. */
const reply = (status: number, body: Record<string, unknown>, stored?: any[]): Answer => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(Object.fromEntries(Object.entries(body).sort(([a], [b]) => (a < b ? -1 : 1)))),
  stored,
});

/** getDataLocator's order: Basic auth (base64, a trailing ":" trimmed), X-Write-Key, ?writekey=, the body. */
function writeKeyOf(req: Incoming, envelope: any): string {
  const auth = String(req.headers.authorization ?? '');
  if (auth)
    return Buffer.from(auth.replace(/^Basic /, ''), 'base64')
      .toString('utf8')
      .replace(/:$/, '');
  return String(req.headers['x-write-key'] ?? '') || req.query.get('writekey') || envelope?.writeKey || '';
}

/** The per-event checks of patchEvent and buildIngestMessage; the error, or undefined. */
function eventError(m: any, isOn: (rule: string) => boolean): string | undefined {
  if (m?.type === 'track' && !m.event && isOn('track-needs-event'))
    return "'event' property is required for 'track' event";
  if (m?.type === 'track' && String(m.event ?? '').length > 128 && isOn('event-name-128'))
    return `Invalid track event name '${m.event}'. Max length is 128 characters.`;
  const size = Buffer.byteLength(JSON.stringify(m));
  if (size > JITSU_MAX_MESSAGE_BYTES && isOn('message-size-1mb'))
    return `message size ${size} is too big. max allowed: ${JITSU_MAX_MESSAGE_BYTES}`;
  return undefined;
}

function handle(req: Incoming, isOn: (rule: string) => boolean): Answer {
  if (!BATCH_PATHS.includes(req.path) && isOn('batch-paths'))
    return { status: 404, headers: { 'content-type': 'text/plain' }, body: '404 page not found' };
  if (req.method !== 'POST')
    return { status: 404, headers: { 'content-type': 'text/plain' }, body: '404 page not found' };
  // gin's c.ContentType(): the header up to its first ";" or space.
  const contentType = String(req.headers['content-type'] ?? '').split(/[; ]/)[0];
  if (!/(application\/json|text\/plain)$/.test(contentType) && isOn('content-type-json-or-text'))
    return reply(400, { error: `invalid content type: ${contentType}. Expected: application/json` });
  const isGzip =
    String(req.headers['content-encoding'] ?? '').includes('gzip') ||
    (!isOn('gzip-by-content-encoding') && /gzip/i.test(req.query.get('encoding') ?? ''));
  const payload = isGzip ? gunzipOrUndefined(req.body) : req.body;
  const envelope = payload && parseJson(payload);
  if (!envelope || typeof envelope !== 'object')
    return reply(400, {
      error: 'error parsing message: Client Ip: 127.0.0.1: invalid character looking for beginning of value',
    });
  const key = writeKeyOf(req, envelope);
  if (key !== JITSU_WRITE_KEY && isOn('known-write-key'))
    return reply(401, {
      error: `stream not found: for: [slug: ][domain: 127.0.0.1][writeKey: ${key}][ingestType: browser]`,
    });

  const batch: any[] = Array.isArray(envelope.batch) ? envelope.batch : [];
  const errors: string[] = [];
  const stored: any[] = [];
  for (const m of batch) {
    const messageId = String(m?.messageId || 'generated')
      .replace(/[^a-zA-Z0-9._-]/g, '_')
      .slice(0, 64);
    const error = eventError(m, isOn);
    if (error) errors.push(`Message ID: ${messageId}: event error: ${error}`);
    // patchEvent: the batch's context first, the event's own context over it.
    else stored.push({ ...m, messageId, context: { ...envelope.context, ...m.context } });
  }
  const body: Record<string, unknown> = {
    ok: errors.length === 0,
    receivedEvents: batch.length,
    okEvents: stored.length,
  };
  if (errors.length) body.errors = errors;
  return reply(200, body, stored);
}

/** CorsMiddleware: every OPTIONS is answered 200 with the same fixed headers. */
function preflight(req: Incoming, isOn: (rule: string) => boolean): Answer {
  const requested = String(req.headers['access-control-request-headers'] ?? '');
  return {
    status: 200,
    headers: {
      'access-control-allow-origin': String(req.headers.origin || '*'),
      'access-control-allow-methods': 'GET,POST,HEAD,OPTIONS',
      'access-control-allow-headers': isOn('cors-allowed-headers') ? ALLOWED_HEADERS : requested,
      'access-control-allow-credentials': 'true',
      'access-control-max-age': '86400',
    },
  };
}

function corsHeaders(req: Incoming, isOn: (rule: string) => boolean): Record<string, string> {
  const origin = String(req.headers.origin ?? '');
  if (!origin) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'GET,POST,HEAD,OPTIONS',
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-allow-credentials': 'true',
    'access-control-max-age': '86400',
    ...(isOn('cors-exposes-nothing') ? {} : { 'access-control-expose-headers': 'Retry-After' }),
  };
}

export const startJitsu = (options?: TargetOptions) =>
  startTarget(
    {
      name: 'Jitsu',
      rules: JITSU_RULES,
      writeKey: JITSU_WRITE_KEY,
      corsHeaders,
      preflight,
      handle,
      // BatchHandler never answers 429 (a throttled stream's events fail inside the 200 with
      // "quota exceeded", router.go sendToRotor): no rate-limited answer is modelled.
      exposesRetryAfter: (isOn) => !isOn('cors-exposes-nothing'),
    },
    options,
  );
