// A collector that speaks plain Segment JSON and nothing else, with the CORS answers of
// tracklet's own collector: the "plain collector" of issue 12's measurements (300 events left at
// once) and the page whose fetch another library wrapped (its preflight allows Content-Type only).
import { gzipSync } from 'node:zlib';
import {
  jsonAnswer,
  parseJson,
  sampleBatch,
  sentryPreflightProbe,
  startTarget,
  type Answer,
  type Incoming,
  type Rule,
  type TargetOptions,
} from './target-kit';

export const PLAIN_WRITE_KEY = 'plain-site';

export const PLAIN_RULES: Rule[] = [
  {
    name: 'json-only',
    says: 'a body that is not JSON (a gzip body, whatever announces it) is 400 {"error":"invalid_json"}',
    cite: 'issue 12 ("a test collector that speaks plain JSON only"); docs/protocol.md (the error shape)',
    probe: (t) => ({
      path: '/v1/batch',
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'content-encoding': 'gzip' },
      body: gzipSync(sampleBatch(t.writeKey)),
      isApplied: (a) => a.status === 400 && parseJson(a.text)?.error === 'invalid_json',
    }),
  },
  {
    name: 'cors-allows-content-type-only',
    says: "a preflight allows Content-Type only, as tracklet's collector answers today (so sentry-trace and baggage are refused)",
    cite: 'examples/collector/cors.mjs (answerPreflight)',
    probe: sentryPreflightProbe((allowed) => allowed === 'Content-Type'),
  },
];

const reply = jsonAnswer;

function handle(req: Incoming, isOn: (rule: string) => boolean): Answer {
  if (req.path !== '/v1/batch') return reply(404, { error: 'not_found', detail: req.path });
  const envelope = parseJson(req.body);
  if ((!envelope || !Array.isArray(envelope.batch)) && isOn('json-only'))
    return reply(400, { error: 'invalid_json', detail: 'the body is not a JSON batch' });
  return reply(200, { ok: true }, envelope?.batch ?? []);
}

function preflight(req: Incoming, isOn: (rule: string) => boolean): Answer {
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': String(req.headers.origin ?? '*'),
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST, GET, OPTIONS',
      'access-control-allow-headers': isOn('cors-allows-content-type-only')
        ? 'Content-Type'
        : String(req.headers['access-control-request-headers'] ?? ''),
      'access-control-max-age': '600',
    },
  };
}

const corsHeaders = (req: Incoming): Record<string, string> => ({
  'access-control-allow-origin': String(req.headers.origin ?? '*'),
  'access-control-allow-credentials': 'true',
  'access-control-expose-headers': 'Retry-After',
});

export const startPlain = (options?: TargetOptions) =>
  startTarget(
    {
      name: 'plain JSON',
      rules: PLAIN_RULES,
      writeKey: PLAIN_WRITE_KEY,
      corsHeaders,
      preflight,
      handle,
      rateLimited: () => ({
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '3' },
        body: JSON.stringify({ error: 'rate_limited', detail: 'retry after 3 s' }),
      }),
      exposesRetryAfter: () => true,
    },
    options,
  );
