// A RudderStack data plane's gateway, as rudder-server's source has it: the write key only in
// `Authorization: Basic` on /v1/batch, only in `?writeKey=` on /beacon/v1/batch, gzip only
// under `Content-Encoding: gzip`, plain-text errors, rs/cors with every request header allowed
// and none exposed. Each rule below cites the file it is read from.
import { gzipSync } from 'node:zlib';
import {
  basicAuth,
  basicAuthUser,
  exposesNothingProbe,
  gunzipOrUndefined,
  parseJson,
  sampleBatch,
  sampleMessage,
  startTarget,
  type Answer,
  type Incoming,
  type Rule,
  type TargetOptions,
} from './target-kit';

const SRC = 'rudderlabs/rudder-server@f2655fb';
export const RUDDERSTACK_WRITE_KEY = 'rs-source-write-key';
/** `Gateway.maxReqSizeInKB`, default 4000 (gateway/handle_lifecycle.go), times 1024 (gateway/handle.go). */
export const RUDDERSTACK_MAX_REQUEST_BYTES = 4000 * 1024;

/** What tracklet sends (docs/protocol.md). */
const textPlain = { 'content-type': 'text/plain;charset=UTF-8' };

export const RUDDERSTACK_RULES: Rule[] = [
  {
    name: 'batch-key-in-basic-auth',
    says: '/v1/batch reads the write key only from Authorization: Basic; without it: 401 "failed to read writekey from header"',
    cite: `${SRC} gateway/handle_http_auth.go (writeKeyAuth), gateway/response/response.go`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: textPlain,
      body: sampleBatch(t.writeKey),
      isApplied: (a) => a.status === 401 && a.text === 'failed to read writekey from header\n',
    }),
  },
  {
    name: 'known-write-key',
    says: 'a write key of no source: 401 "invalid write key"',
    cite: `${SRC} gateway/handle_http_auth.go (writeKeyAuth: authRequestContextForWriteKey)`,
    probe: () => ({
      path: '/v1/batch',
      headers: { ...textPlain, authorization: basicAuth('no-such-source') },
      body: sampleBatch('no-such-source'),
      isApplied: (a) => a.status === 401 && a.text === 'invalid write key\n',
    }),
  },
  {
    name: 'beacon-key-in-query',
    says: '/beacon/v1/batch reads the write key only from ?writeKey= (and copies it into Basic auth); without it: 401 "failed to read writekey from query params"',
    cite: `${SRC} gateway/handle_http_beacon.go (beaconInterceptor), gateway/handle_lifecycle.go (route)`,
    probe: (t) => ({
      path: '/beacon/v1/batch',
      headers: { ...textPlain, authorization: basicAuth(t.writeKey) },
      body: sampleBatch(t.writeKey),
      isApplied: (a) => a.status === 401 && a.text === 'failed to read writekey from query params\n',
    }),
  },
  {
    name: 'gzip-by-content-encoding',
    says: 'a body is gunzipped only under Content-Encoding: gzip (exactly); a gzip body announced otherwise is 400 "invalid json"',
    cite: `${SRC} middleware/uncompress.go, gateway/handle.go (getJobDataFromRequest: gjson.ValidBytes)`,
    probe: (t) => ({
      path: '/v1/batch?encoding=gzip',
      headers: { ...textPlain, authorization: basicAuth(t.writeKey) },
      body: gzipSync(sampleBatch(t.writeKey)),
      isApplied: (a) => a.status === 400 && a.text === 'invalid json\n',
    }),
  },
  {
    name: 'identified-messages',
    says: 'a message with neither anonymousId nor userId fails the whole request: 400 "request neither has anonymousId nor userId"',
    cite: `${SRC} gateway/handle.go (isNonIdentifiable; Gateway.allowReqsWithoutUserIDAndAnonymousID defaults to false)`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: { ...textPlain, authorization: basicAuth(t.writeKey) },
      body: sampleBatch(t.writeKey, [sampleMessage({ anonymousId: undefined })]),
      isApplied: (a) => a.status === 400 && a.text === 'request neither has anonymousId nor userId\n',
    }),
  },
  {
    name: 'max-request-size',
    says: `a body over ${RUDDERSTACK_MAX_REQUEST_BYTES.toLocaleString('en')} bytes (after gunzip): 413 "request size exceeds max limit"`,
    cite: `${SRC} gateway/handle.go (len(body) > maxReqSize), gateway/handle_lifecycle.go (Gateway.maxReqSizeInKB 4000)`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: { ...textPlain, authorization: basicAuth(t.writeKey) },
      body: sampleBatch(t.writeKey, [
        sampleMessage({ properties: { pad: 'x'.repeat(RUDDERSTACK_MAX_REQUEST_BYTES) } }),
      ]),
      isApplied: (a) => a.status === 413 && a.text === 'request size exceeds max limit\n',
    }),
  },
  {
    name: 'plain-text-errors',
    says: 'every refusal is http.Error: text/plain; charset=utf-8, the message and a newline (no JSON to read a detail from)',
    cite: `${SRC} gateway/handle_http_auth.go (handleHttpError), gateway/handle_http.go (webRequestHandler)`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: textPlain,
      body: sampleBatch(t.writeKey),
      isApplied: (a) => a.headers['content-type'] === 'text/plain; charset=utf-8' && parseJson(a.text) === undefined,
    }),
  },
  {
    name: 'cors-exposes-nothing',
    says: 'rs/cors is set up without ExposedHeaders: no Access-Control-Expose-Headers, so a page cannot read Retry-After',
    cite: `${SRC} gateway/handle_lifecycle.go (cors.New options); rs/cors@v1.11.1 cors.go (handleActualRequest)`,
    probe: exposesNothingProbe((t) => ({ authorization: basicAuth(t.writeKey) })),
  },
];

/** http.Error: the message and a newline, as plain text (Go's net/http). */
const textError = (status: number, message: string): Answer => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  body: message + '\n',
});

function handle(req: Incoming, isOn: (rule: string) => boolean): Answer {
  const refuse = (status: number, message: string): Answer =>
    isOn('plain-text-errors')
      ? textError(status, message)
      : { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: message }) };
  const isBeacon = req.path === '/beacon/v1/batch';
  // chi answers an unknown route with http.NotFound, a known one with the wrong method with 405.
  if (req.path !== '/v1/batch' && !isBeacon) return refuse(404, '404 page not found');
  if (req.method !== 'POST') return { status: 405 };
  const body = req.body;
  const isGzip =
    req.headers['content-encoding'] === 'gzip' ||
    (!isOn('gzip-by-content-encoding') && /gzip/i.test(req.query.get('encoding') ?? ''));
  // The uncompress middleware wraps the body first; a body that does not gunzip fails the read (500).
  const payload = isGzip ? gunzipOrUndefined(body) : body;
  const envelope = payload && parseJson(payload);

  // The key: the beacon path copies ?writeKey= into Basic auth, /v1/batch reads Basic auth.
  let key: string | undefined;
  if (isBeacon && isOn('beacon-key-in-query')) {
    key = req.query.get('writeKey') || undefined;
    if (!key) return refuse(401, 'failed to read writekey from query params');
  } else {
    key = basicAuthUser(req.headers) || undefined;
    if (!key && !isOn('batch-key-in-basic-auth')) key = envelope?.writeKey;
    if (!key) return refuse(401, 'failed to read writekey from header');
  }
  if (key !== RUDDERSTACK_WRITE_KEY && isOn('known-write-key')) return refuse(401, 'invalid write key');

  if (!payload) return refuse(500, 'failed to read body from request');
  if (envelope === undefined) return refuse(400, 'invalid json');
  const batch: any[] = Array.isArray(envelope?.batch) ? envelope.batch : [];
  for (const m of batch) {
    if (!m || typeof m !== 'object' || Array.isArray(m)) return refuse(400, 'event is not a valid rudder event');
    if (!m.anonymousId && !m.userId && isOn('identified-messages'))
      return refuse(400, 'request neither has anonymousId nor userId');
  }
  if (payload.length > RUDDERSTACK_MAX_REQUEST_BYTES && isOn('max-request-size'))
    return refuse(413, 'request size exceeds max limit');
  if (!batch.length) return refuse(400, 'empty batch payload');
  return {
    status: 200,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
    body: 'ok',
    stored: batch.map((m) => ({ ...m, receivedAt: new Date().toISOString() })),
  };
}

/** rs/cors v1.11.1 with AllowOriginFunc → true, AllowCredentials, AllowedHeaders ["*"], MaxAge 900. */
function preflight(req: Incoming): Answer {
  const origin = String(req.headers.origin ?? '');
  const method = String(req.headers['access-control-request-method'] ?? '');
  const headers: Record<string, string> = {
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  };
  // Default AllowedMethods: GET, POST, HEAD; a preflight for another method gets no CORS headers.
  if (origin && ['GET', 'POST', 'HEAD'].includes(method)) {
    headers['access-control-allow-origin'] = origin;
    headers['access-control-allow-methods'] = method;
    const requested = String(req.headers['access-control-request-headers'] ?? '');
    if (requested) headers['access-control-allow-headers'] = requested;
    headers['access-control-allow-credentials'] = 'true';
    headers['access-control-max-age'] = '900';
  }
  return { status: 204, headers };
}

function corsHeaders(req: Incoming, isOn: (rule: string) => boolean): Record<string, string> {
  const origin = String(req.headers.origin ?? '');
  if (!origin) return { vary: 'Origin' };
  return {
    vary: 'Origin',
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    ...(isOn('cors-exposes-nothing') ? {} : { 'access-control-expose-headers': 'Retry-After' }),
  };
}

export const startRudderStack = (options?: TargetOptions) =>
  startTarget(
    {
      name: 'RudderStack',
      rules: RUDDERSTACK_RULES,
      writeKey: RUDDERSTACK_WRITE_KEY,
      corsHeaders,
      preflight,
      handle,
      // With Gateway.enableRateLimit: http.Error(w, "max requests limit reached", 429), no Retry-After
      // (gateway/handle.go, errRequestDropped → response.TooManyRequests).
      rateLimited: () => textError(429, 'max requests limit reached'),
      exposesRetryAfter: (isOn) => !isOn('cors-exposes-nothing'),
    },
    options,
  );
