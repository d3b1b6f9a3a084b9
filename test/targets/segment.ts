// Segment's HTTP Tracking API, as its docs and its own browser SDK (analytics-next) have it:
// batches on /v1/batch (docs) and /v1/b (analytics-next), the write key in the body or in Basic
// auth, 200 for everything but JSON errors and size limits (an event it rejects is still a 200),
// and gzip only under Content-Encoding (Segment's own mobile SDK). Its server is not public:
// what its CORS answers is modelled from what analytics-next sends, marked "(assumed)".
import { gzipSync } from 'node:zlib';
import {
  basicAuthUser,
  credentialedCors,
  exposesNothingProbe,
  gunzipOrUndefined,
  jsonAnswer,
  parseJson,
  sampleBatch,
  sampleMessage,
  sentryPreflightProbe,
  startTarget,
  type Answer,
  type Incoming,
  type Rule,
  type TargetCollector,
  type TargetOptions,
} from './target-kit';

export const SEGMENT_WRITE_KEY = 'segment-source-write-key';
const DOCS = 'https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/';
const NEXT = 'segmentio/analytics-next@0c4fa88 packages/browser/src/plugins/segmentio';
/** "500KB per batch request"; 500 × 1024, as analytics-next counts a kilobyte (batched-dispatcher.ts). */
export const SEGMENT_MAX_BATCH_BYTES = 500 * 1024;
/** "32KB per event in the batch". */
export const SEGMENT_MAX_MESSAGE_BYTES = 32 * 1024;
export const SEGMENT_MAX_BATCH_EVENTS = 2500;
/** The request headers analytics-next sends: Content-Type (text/plain) and Authorization: Basic. */
const ALLOWED_HEADERS = 'Content-Type, Authorization';

const textPlain = { 'content-type': 'text/plain;charset=UTF-8' };
/** Nothing stored since `before`: the 200 said nothing about it. */
const storedNothing = (t: TargetCollector, before: number) => t.stored.length === before;

export const SEGMENT_RULES: Rule[] = [
  {
    name: 'batch-paths',
    says: 'batches are read on /v1/batch (docs) and /v1/b (analytics-next posts `${apiHost}/b`, apiHost api.segment.io/v1); other paths: 404',
    cite: `${DOCS}#batch; ${NEXT}/batched-dispatcher.ts, packages/browser/src/core/constants/index.ts`,
    probe: (t) => ({
      path: '/beacon/v1/batch',
      headers: textPlain,
      body: sampleBatch(t.writeKey),
      isApplied: (a) => a.status === 404,
    }),
  },
  {
    name: 'write-key-required',
    says: 'the write key from the body (writeKey) or Basic auth; a batch without a known key is answered 200 and not stored',
    cite: `${DOCS}#authentication and #errors ("a 200 response for all API requests except ... large payloads and JSON errors")`,
    probe: (t) => {
      const before = t.stored.length;
      return {
        path: '/v1/batch',
        headers: textPlain,
        body: sampleBatch(undefined),
        isApplied: (a) => a.status === 200 && storedNothing(t, before),
      };
    },
  },
  {
    name: 'gzip-by-content-encoding',
    says: 'gzip only under Content-Encoding: gzip (as Segment SDKs send it); a gzip body announced otherwise is a JSON error: 400',
    cite: `segmentio/analytics-ios Segment/Classes/SEGHTTPClient.m (Content-Encoding: gzip); ${DOCS}#errors (JSON errors: 400)`,
    probe: (t) => ({
      path: '/v1/batch?encoding=gzip',
      headers: textPlain,
      body: gzipSync(sampleBatch(t.writeKey)),
      isApplied: (a) => a.status === 400,
    }),
  },
  {
    name: 'batch-500kb',
    says: `a batch body over 500 KB (${SEGMENT_MAX_BATCH_BYTES.toLocaleString('en')} bytes): 400`,
    cite: `${DOCS}#max-request-size`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: textPlain,
      body: sampleBatch(
        t.writeKey,
        Array.from({ length: 20 }, () => sampleMessage({ properties: { pad: 'x'.repeat(26_000) } })),
      ),
      isApplied: (a) => a.status === 400,
    }),
  },
  {
    name: 'message-32kb',
    says: `a message over 32 KB (${SEGMENT_MAX_MESSAGE_BYTES.toLocaleString('en')} bytes of JSON) in a batch: 400`,
    cite: `${DOCS}#max-request-size`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: textPlain,
      body: sampleBatch(t.writeKey, [sampleMessage({ properties: { pad: 'x'.repeat(SEGMENT_MAX_MESSAGE_BYTES) } })]),
      isApplied: (a) => a.status === 400,
    }),
  },
  {
    name: 'max-2500-events',
    says: `a batch of more than ${SEGMENT_MAX_BATCH_EVENTS} events is answered 200 and its events are rejected`,
    cite: `${DOCS}#errors`,
    probe: (t) => {
      const before = t.stored.length;
      const batch = Array.from({ length: SEGMENT_MAX_BATCH_EVENTS + 1 }, (_, i) => ({
        type: 'track',
        event: 'e',
        anonymousId: 'a',
        messageId: `many-${i}`,
      }));
      return {
        path: '/v1/batch',
        headers: textPlain,
        body: sampleBatch(t.writeKey, batch),
        isApplied: (a) => a.status === 200 && storedNothing(t, before),
      };
    },
  },
  {
    name: 'identified-messages',
    says: 'an event with neither userId nor anonymousId is rejected (no_user_anon_id) inside a 200',
    cite: `${DOCS}#errors ("Identifier is not present")`,
    probe: (t) => {
      const before = t.stored.length;
      return {
        path: '/v1/batch',
        headers: textPlain,
        body: sampleBatch(t.writeKey, [sampleMessage({ anonymousId: undefined })]),
        isApplied: (a) => a.status === 200 && storedNothing(t, before),
      };
    },
  },
  {
    name: 'track-needs-event',
    says: 'a track call without `event` is rejected inside a 200',
    cite: `${DOCS}#errors ("Track event is missing name")`,
    probe: (t) => {
      const before = t.stored.length;
      return {
        path: '/v1/batch',
        headers: textPlain,
        body: sampleBatch(t.writeKey, [sampleMessage({ event: undefined })]),
        isApplied: (a) => a.status === 200 && storedNothing(t, before),
      };
    },
  },
  {
    name: 'cors-allowed-headers',
    says: `(assumed) a preflight allows the headers analytics-next sends, ${ALLOWED_HEADERS}, and no other`,
    cite: `${NEXT}/shared-dispatcher.ts (createHeaders), fetch-dispatcher.ts (Authorization: Basic); Segment's CORS is not public`,
    probe: sentryPreflightProbe((allowed) => !/sentry-trace/i.test(allowed)),
  },
  {
    name: 'cors-exposes-nothing',
    says: '(assumed) no Access-Control-Expose-Headers: a page cannot read Retry-After or X-RateLimit-Reset',
    cite: 'not public; assumed, so that the library never depends on reading Retry-After from Segment',
    probe: exposesNothingProbe(),
  },
];

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
/** Bodies are not documented: `{"success":true}` for a 200, a short JSON error otherwise. */
const answer = jsonAnswer;

function handle(req: Incoming, isOn: (rule: string) => boolean): Answer {
  const isBatchPath = req.path === '/v1/batch' || req.path === '/v1/b';
  if (!isBatchPath && isOn('batch-paths')) return answer(404, { error: 'not found' });
  if (req.method !== 'POST') return answer(405, { error: 'method not allowed' });
  const isGzip =
    /^\s*(x-)?gzip\s*$/i.test(String(req.headers['content-encoding'] ?? '')) ||
    (!isOn('gzip-by-content-encoding') && /gzip/i.test(req.query.get('encoding') ?? ''));
  const payload = isGzip ? gunzipOrUndefined(req.body) : req.body;
  const envelope = payload && parseJson(payload);
  if (!envelope || typeof envelope !== 'object') return answer(400, { error: 'invalid JSON' });
  if (payload.length > SEGMENT_MAX_BATCH_BYTES && isOn('batch-500kb'))
    return answer(400, { error: 'batch exceeds 500KB' });
  const batch: any[] = Array.isArray(envelope.batch) ? envelope.batch : [];
  if (isOn('message-32kb') && batch.some((m) => bytesOf(m) > SEGMENT_MAX_MESSAGE_BYTES))
    return answer(400, { error: 'event exceeds 32KB' });

  const ok = (stored: any[] = []) => answer(200, { success: true }, stored);
  const key = basicAuthUser(req.headers) || envelope.writeKey;
  if (key !== SEGMENT_WRITE_KEY && isOn('write-key-required')) return ok();
  if (batch.length > SEGMENT_MAX_BATCH_EVENTS && isOn('max-2500-events')) return ok();
  const context = envelope.context ?? {};
  return ok(
    batch
      .filter((m) => !isOn('identified-messages') || m?.userId || m?.anonymousId)
      .filter((m) => !isOn('track-needs-event') || m?.type !== 'track' || m?.event)
      // The batch's context "will be merged with any context inside each of the items" (docs #batch).
      .map((m) => ({ ...m, context: { ...context, ...m.context } })),
  );
}

function preflight(req: Incoming, isOn: (rule: string) => boolean): Answer {
  const origin = String(req.headers.origin ?? '');
  const requested = String(req.headers['access-control-request-headers'] ?? '');
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': origin || '*',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': isOn('cors-allowed-headers') ? ALLOWED_HEADERS : requested,
      'access-control-max-age': '600',
    },
  };
}

const corsHeaders = credentialedCors('Retry-After, X-RateLimit-Reset');

export const startSegment = (options?: TargetOptions) =>
  startTarget(
    {
      name: 'Segment',
      rules: SEGMENT_RULES,
      writeKey: SEGMENT_WRITE_KEY,
      corsHeaders,
      preflight,
      handle,
      // "Requests that exceed acceptable limits may be rejected with HTTP Status Code 429 ... the
      // response header contains Retry-After and X-RateLimit-Reset" (docs #rate-limits).
      rateLimited: () => ({
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '3', 'x-ratelimit-reset': '3' },
        body: JSON.stringify({ error: 'rate limited' }),
      }),
      exposesRetryAfter: (isOn) => !isOn('cors-exposes-nothing'),
    },
    options,
  );
