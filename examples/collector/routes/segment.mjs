// The Segment side: Segment's HTTP API (`/v1/batch`, `/v1/track`, `/v1/identify`, `/v1/page`;
// segment.com/docs/connections/sources/catalog/libraries/server/http-api/) and the paths the
// browser SDKs post to (analytics-next and Customer.io's fork send one message to `/v1/{t,i,p}`
// and batches to `/v1/b`: packages/browser/src/plugins/segmentio/index.ts, batched-dispatcher.ts).
// The write key is the site id, in the body or as the Basic auth user (analytics-next 1.84 sends
// `Authorization: Basic base64(writeKey:)`). Every 2xx says `acceptEncoding: "gzip"`: this
// collector reads gzip bodies, and the library compresses only for a collector that says so.
import { randomUUID } from 'node:crypto';
import { HttpError, refuseOtherMethods } from '../errors.mjs';
import { checkMessage, checkWriteKey, validateBatch } from '../validate.mjs';
import { checkEncoding, parseSegmentBody } from '../plugins/segment-body.mjs';
import { parseBasicAuth } from '../plugins/auth.mjs';
import { toRow } from '../ingest/rows.mjs';

/** Added to every 2xx answer of the Segment side (docs/collector.md, "Gzip"). */
const ACCEPT_ENCODING = 'gzip';

/** Single-message paths and the type each takes. */
const SINGLE = /** @type {const} */ ([
  ['/v1/track', 'track'],
  ['/v1/identify', 'identify'],
  ['/v1/page', 'page'],
  ['/v1/t', 'track'],
  ['/v1/i', 'identify'],
  ['/v1/p', 'page'],
]);

/**
 * @typedef {object} SegmentDeps
 * @property {import('../store/index.mjs').Store} store
 * @property {import('../event-stream.mjs').EventStream} stream
 * @property {import('../ingest/rows.mjs').Writer} writer
 * @property {import('../plugins/auth.mjs').Sites} sites
 * @property {() => number} now
 */

/**
 * @param {import('fastify').FastifyInstance} app
 * @param {SegmentDeps} deps
 */
export default async function segmentRoutes(app, deps) {
  const { sites, now } = deps;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', parseSegmentBody);
  app.addHook('preParsing', async (request, _reply, payload) => (await checkEncoding(request), payload));

  /** @type {import('fastify').RouteHandlerMethod} */
  async function receiveBatch(request, reply) {
    if (request.body === undefined) throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
    const result = validateBatch(request.body, sites.isKnown, parseBasicAuth(request.headers.authorization)?.user);
    if (result.problem) throw new HttpError(result.problem.status, result.problem.error, result.problem.detail);
    const receivedAtMs = now();
    const request_ = { siteId: result.writeKey, sentAt: result.sentAt, receivedAtMs };
    const rows = result.valid.map(({ message, json }) => toRow(message, json, request_));
    const { accepted, duplicates } = await deps.writer.save(result.writeKey, rows);
    const { rejected } = result;
    if (!rejected.length) return { ok: true, accepted, duplicates, acceptEncoding: ACCEPT_ENCODING };
    const more = rejected.length > 1 ? ` (and ${rejected.length - 1} more)` : '';
    const answer = { error: 'invalid_message', detail: rejected[0].detail + more, accepted, duplicates, rejected };
    if (!accepted) throw new HttpError(400, answer.error, answer.detail, { accepted, duplicates, rejected });
    return reply.code(207).send({ ...answer, acceptEncoding: ACCEPT_ENCODING });
  }

  /** @param {'track' | 'identify' | 'page'} type */
  const receiveOne = (type) =>
    /** @type {import('fastify').RouteHandlerMethod} */ (
      async function receiveMessage(request) {
        const body = /** @type {Record<string, any>} */ (request.body);
        if (typeof body != 'object' || body === null || Array.isArray(body))
          throw new HttpError(400, 'invalid_body', 'the body must be a JSON object');
        const { writeKey: bodyWriteKey, sentAt, ...sent } = body;
        const writeKey = parseBasicAuth(request.headers.authorization)?.user ?? bodyWriteKey;
        const problem = checkWriteKey(writeKey, sites.isKnown);
        if (problem) throw new HttpError(problem.status, problem.error, problem.detail);
        if (sent.type !== undefined && sent.type !== type)
          throw new HttpError(400, 'invalid_field', `type must be ${type} on ${request.url.split('?')[0]}`);
        const receivedAtMs = now();
        // Segment's HTTP API fills these in when a caller (curl, a hand-written client) leaves them out.
        const message = {
          ...sent,
          type,
          messageId: sent.messageId ?? randomUUID(),
          timestamp: sent.timestamp ?? new Date(receivedAtMs).toISOString(),
        };
        const checked = checkMessage(message, '');
        if (checked.problem) {
          const rejected = [{ index: 0, messageId: String(message.messageId), ...checked.problem }];
          throw new HttpError(400, checked.problem.error, checked.problem.detail, {
            accepted: 0,
            duplicates: 0,
            rejected,
          });
        }
        const row = toRow(message, checked.json, { siteId: writeKey, sentAt, receivedAtMs });
        const { accepted, duplicates } = await deps.writer.save(writeKey, [row]);
        return { ok: true, accepted, duplicates, acceptEncoding: ACCEPT_ENCODING };
      }
    );

  for (const url of ['/v1/batch', '/v1/b']) {
    app.post(url, receiveBatch);
    refuseOtherMethods(app, url, ['POST'], `use POST for ${url}`);
  }
  for (const [url, type] of SINGLE) {
    app.post(url, receiveOne(type));
    refuseOtherMethods(app, url, ['POST'], `use POST for ${url}`);
  }
}
