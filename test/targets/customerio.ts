// Customer.io Data Pipelines (cdp.customer.io, cdp-eu.customer.io), as its Pipelines API
// reference and its browser SDK (customerio/cdp-analytics-js, a fork of analytics-next) have it:
// batches on /v1/batch (API) and /v1/b (the SDK's batching mode, `{ batch, writeKey }` as
// text/plain), the key in Basic auth or in the body, 200 to anything it cannot process unless the
// request says `X-Strict-Mode: 1`, and a batch's `context` standing for all its calls. Its server
// is not public: the CORS answers and the absence of gzip are modelled and marked "(assumed)".
import { gzipSync } from 'node:zlib';
import {
  basicAuth,
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
  type TargetOptions,
} from './target-kit';

export const CUSTOMERIO_WRITE_KEY = 'cio-js-source-write-key';
const BATCH_DOC = 'https://docs.customer.io/integrations/api/cdp/tag/default/batch/';
const API_DOC = 'https://docs.customer.io/integrations/api/cdp/';
const SDK = 'customerio/cdp-analytics-js@acd68d0 packages/browser/src/plugins/customerio';
/** "A batch request is limited to 500KB total"; the SDK counts a kilobyte as 1024 bytes (batched-dispatcher.ts). */
export const CUSTOMERIO_MAX_BATCH_BYTES = 500 * 1024;
/** "32KB per call in the request" (packages/node/src/plugins/customerio/context-batch.ts: 32 * 1024). */
export const CUSTOMERIO_MAX_MESSAGE_BYTES = 32 * 1024;
const ALLOWED_HEADERS = 'Content-Type, Authorization, X-Strict-Mode';

const textPlain = { 'content-type': 'text/plain;charset=UTF-8' };
const strict = { ...textPlain, 'x-strict-mode': '1' };
/** The key in Basic auth, so that a body it cannot read fails validation, not authentication. */
const strictWithKey = (key: string) => ({ ...strict, authorization: basicAuth(key) });

export const CUSTOMERIO_RULES: Rule[] = [
  {
    name: 'batch-paths',
    says: 'batches are read on /v1/batch (API reference) and /v1/b (the browser SDK: `${remote}/b`, remote https://cdp.customer.io/v1); other paths: 404',
    cite: `${BATCH_DOC}; ${SDK}/batched-dispatcher.ts, index.ts (apiHost cdp.customer.io/v1)`,
    probe: (t) => ({
      path: '/v1/events',
      headers: strict,
      body: sampleBatch(t.writeKey),
      isApplied: (a) => a.status === 404,
    }),
  },
  {
    name: 'permissive-by-default',
    says: 'without X-Strict-Mode: 1, a request it cannot process is logged and answered 200: nothing is kept, nothing is said',
    cite: `${BATCH_DOC} (header X-Strict-Mode: "When not set ... permissive mode, logging errors but returning HTTP 200")`,
    probe: (t) => {
      const before = t.stored.length;
      return {
        path: '/v1/batch?encoding=gzip',
        headers: textPlain,
        body: gzipSync(sampleBatch(t.writeKey)),
        isApplied: (a) => a.status === 200 && t.stored.length === before,
      };
    },
  },
  {
    name: 'strict-mode-header',
    says: 'with X-Strict-Mode: 1 a validation failure is answered 400, an authentication failure 401',
    cite: `${BATCH_DOC} (header X-Strict-Mode: "returns proper HTTP error codes (400/401)")`,
    probe: (t) => ({
      path: '/v1/batch?encoding=gzip',
      headers: strictWithKey(t.writeKey),
      body: gzipSync(sampleBatch(t.writeKey)),
      isApplied: (a) => a.status === 400,
    }),
  },
  {
    name: 'write-key-required',
    says: "the key is the user name of Basic auth (API) or the body's writeKey (browser SDK); none or an unknown one fails authentication",
    cite: `${API_DOC} (Authentication); ${SDK}/normalize.ts (json.writeKey), batched-dispatcher.ts (body { batch, writeKey })`,
    probe: () => ({
      path: '/v1/batch',
      headers: strict,
      body: sampleBatch(undefined),
      isApplied: (a) => a.status === 401,
    }),
  },
  {
    name: 'no-gzip',
    says: '(assumed) no compressed body is read, even under Content-Encoding: gzip: the API reference names none, and its SDK sends plain JSON',
    cite: `${BATCH_DOC} (Body: application/json only); ${SDK}/batched-dispatcher.ts, fetch-dispatcher.ts (JSON.stringify, no encoding)`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: { ...strictWithKey(t.writeKey), 'content-encoding': 'gzip' },
      body: gzipSync(sampleBatch(t.writeKey)),
      isApplied: (a) => a.status === 400,
    }),
  },
  {
    name: 'batch-500kb',
    says: `a batch body over 500 KB (${CUSTOMERIO_MAX_BATCH_BYTES.toLocaleString('en')} bytes) is not processed`,
    cite: `${API_DOC} (Rate and payload limits); ${BATCH_DOC}`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: strict,
      body: sampleBatch(
        t.writeKey,
        Array.from({ length: 20 }, () => sampleMessage({ properties: { pad: 'x'.repeat(26_000) } })),
      ),
      isApplied: (a) => a.status === 400,
    }),
  },
  {
    name: 'message-32kb',
    says: `a call over 32 KB (${CUSTOMERIO_MAX_MESSAGE_BYTES.toLocaleString('en')} bytes of JSON) in a batch is not processed`,
    cite: `${API_DOC} (Rate and payload limits); ${BATCH_DOC}`,
    probe: (t) => ({
      path: '/v1/batch',
      headers: strict,
      body: sampleBatch(t.writeKey, [sampleMessage({ properties: { pad: 'x'.repeat(CUSTOMERIO_MAX_MESSAGE_BYTES) } })]),
      isApplied: (a) => a.status === 400,
    }),
  },
  {
    name: 'batch-context-applies-to-all',
    says: "a batch's top-level `context` applies to all its calls and calls cannot carry different context: a call's own context (its page) is not kept",
    cite: `${BATCH_DOC} ("the context and integrations objects apply to all calls in the request. You can't set different context ... for different calls")`,
    probe: (t) => {
      const before = t.stored.length;
      return {
        path: '/v1/batch',
        headers: strict,
        body: sampleBatch(t.writeKey),
        isApplied: (a) => a.status === 200 && t.stored.length === before + 1 && !t.stored[before].context?.page,
      };
    },
  },
  {
    name: 'cors-allowed-headers',
    says: `(assumed) a preflight allows ${ALLOWED_HEADERS} (the documented headers) and no other`,
    cite: `${BATCH_DOC} (headers); ${SDK}/fetch-dispatcher.ts (the SDK itself sends only Content-Type: text/plain); Customer.io's CORS is not public`,
    probe: sentryPreflightProbe((allowed) => !/sentry-trace/i.test(allowed)),
  },
  {
    name: 'cors-exposes-nothing',
    says: '(assumed) no Access-Control-Expose-Headers: a page cannot read Retry-After',
    cite: 'not public; assumed, so that the library never depends on reading Retry-After from Customer.io',
    probe: exposesNothingProbe(),
  },
];

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

function handle(req: Incoming, isOn: (rule: string) => boolean): Answer {
  const isStrict = req.headers['x-strict-mode'] === '1' && isOn('strict-mode-header');
  // Response bodies are not documented: `{}` for a 200, a short JSON error otherwise.
  const reply = jsonAnswer;
  const fail = (status: number, error: string) =>
    isStrict || !isOn('permissive-by-default') ? reply(status, { error }) : reply(200, {});

  const isBatchPath = req.path === '/v1/batch' || req.path === '/v1/b';
  if (!isBatchPath && isOn('batch-paths')) return reply(404, { error: 'not found' });
  if (req.method !== 'POST') return reply(405, { error: 'method not allowed' });
  const isGzip = !isOn('no-gzip') && /^\s*gzip\s*$/i.test(String(req.headers['content-encoding'] ?? ''));
  const payload = isGzip ? gunzipOrUndefined(req.body) : req.body;
  const envelope = payload && parseJson(payload);
  const key = basicAuthUser(req.headers) || envelope?.writeKey;
  if (key !== CUSTOMERIO_WRITE_KEY && isOn('write-key-required')) return fail(401, 'unauthorized');
  if (!envelope || typeof envelope !== 'object' || !Array.isArray(envelope.batch)) return fail(400, 'invalid JSON');
  if (payload.length > CUSTOMERIO_MAX_BATCH_BYTES && isOn('batch-500kb')) return fail(400, 'batch over 500KB');
  const batch: any[] = envelope.batch;
  if (isOn('message-32kb') && batch.some((m) => bytesOf(m) > CUSTOMERIO_MAX_MESSAGE_BYTES))
    return fail(400, 'call over 32KB');
  const context = envelope.context;
  const stored = batch.map((m) => {
    const kept = { ...m };
    if (isOn('batch-context-applies-to-all')) {
      delete kept.context;
      if (context !== undefined) kept.context = context;
    } else kept.context = { ...context, ...m.context };
    return kept;
  });
  return reply(200, {}, stored);
}

function preflight(req: Incoming, isOn: (rule: string) => boolean): Answer {
  const requested = String(req.headers['access-control-request-headers'] ?? '');
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': String(req.headers.origin ?? '*'),
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': isOn('cors-allowed-headers') ? ALLOWED_HEADERS : requested,
      'access-control-max-age': '600',
    },
  };
}

const corsHeaders = credentialedCors('Retry-After');

export const startCustomerIo = (options?: TargetOptions) =>
  startTarget(
    {
      name: 'Customer.io',
      rules: CUSTOMERIO_RULES,
      writeKey: CUSTOMERIO_WRITE_KEY,
      corsHeaders,
      preflight,
      handle,
      // The Pipelines API reference documents no 429: no rate-limited answer is modelled.
      exposesRetryAfter: (isOn) => !isOn('cors-exposes-nothing'),
    },
    options,
  );
