// One error shape everywhere: `{ error, detail }` (a code, and a sentence naming the field), from
// the routes, from schema validation, from the plugins (rate limit, body limits) and for 404s.

import { MAX_BATCH_BYTES } from '../../src/limits.js';

/** @typedef {import('fastify').FastifyReply} FastifyReply */
/** @typedef {import('fastify').FastifyRequest} FastifyRequest */

/** A refusal the routes throw; the error handler answers it as `{ error, detail, ...extra }`. */
export class HttpError extends Error {
  /**
   * @param {number} status
   * @param {string} error a code, e.g. `invalid_field`
   * @param {string} detail names the field or the reason
   * @param {Record<string, unknown>} [extra] more fields of the answer (a 207's `rejected`, …)
   * @param {Record<string, string>} [headers] headers of the answer (a 415's `Accept-Encoding`, …)
   */
  constructor(status, error, detail, extra = {}, headers = {}) {
    super(detail);
    this.statusCode = status;
    this.error = error;
    this.detail = detail;
    this.extra = extra;
    this.headers = headers;
  }
}

/** How long a refused upload is still read (and thrown away) so the client sees the 413 before the socket closes. */
const LINGER_MS = 1000;

/**
 * Sends `{ error, detail }`. A 413 or 429 also closes the connection: the body was not (fully)
 * read, and reading it would cost what the refusal is there to save.
 * @param {FastifyReply} reply
 * @param {number} status
 * @param {string} error
 * @param {string} detail
 * @param {Record<string, unknown>} [extra]
 */
export function sendError(reply, status, error, detail, extra = {}) {
  if (status == 429 || status == 413) reply.header('Connection', 'close');
  return reply.code(status).send({ error, detail, ...extra });
}

/** Fastify's own errors that are the client's fault, as this collector names them. */
const FASTIFY_CODES = /** @type {Record<string, [number, string]>} */ ({
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_body'],
  FST_ERR_BAD_URL: [400, 'invalid_path'],
});

/**
 * The error handler of the whole app.
 * @param {(line: string) => void} log where unexpected errors go
 */
export function createErrorHandler(log) {
  /**
   * @param {Error & { statusCode?: number, code?: string }} error
   * @param {FastifyRequest} request
   * @param {FastifyReply} reply
   */
  return function handleError(error, request, reply) {
    if (error instanceof HttpError) {
      if (error.statusCode == 413) lingerThenClose(request, reply);
      reply.headers(error.headers);
      return sendError(reply, error.statusCode, error.error, error.detail, error.extra);
    }
    if (error.statusCode == 429) return sendError(reply, 429, 'rate_limited', error.message);
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known?.[0] == 413) {
      // Fastify's own body limit (Track API bodies): the same words as the Segment side's cap.
      lingerThenClose(request, reply);
      return sendError(reply, 413, known[1], `the request body is over ${MAX_BATCH_BYTES} bytes`);
    }
    if (known) return sendError(reply, known[0], known[1], error.message);
    log(`collector: ${request.method} ${request.url} failed: ${error.stack ?? error}`);
    return sendError(reply, 500, 'internal_error', 'the collector failed; see its log');
  };
}

/**
 * After a 413, throw away (never keep) what is still coming for a moment, then drop the connection.
 * @param {FastifyRequest} request
 * @param {FastifyReply} reply
 */
function lingerThenClose(request, reply) {
  reply.raw.on('finish', () => {
    request.raw.resume();
    setTimeout(() => request.raw.socket.destroy(), LINGER_MS).unref();
  });
}

/**
 * 404 `not_found`; a preflight no route answered (its origin is not allowed) gets 403, so the
 * browser blocks the real request; and the icon browsers ask every site for is an empty 204, so
 * no page of the demo logs a failed request (it needs no <link rel="icon">, so nothing in the CSP).
 * @param {FastifyRequest} request
 * @param {FastifyReply} reply
 */
export function handleNotFound(request, reply) {
  const path = request.url.split('?')[0];
  if (request.method == 'OPTIONS') return reply.code(403).send();
  if (path == '/favicon.ico') return reply.code(204).header('Cache-Control', 'max-age=86400').send();
  return sendError(reply, 404, 'not_found', `nothing at ${path}`);
}

/**
 * Answers 405 `method_not_allowed` for the other methods of a path.
 * @param {import('fastify').FastifyInstance} app
 * @param {string} url
 * @param {string[]} allowed
 * @param {string} detail
 */
export function refuseOtherMethods(app, url, allowed, detail) {
  const others = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].filter((method) => !allowed.includes(method));
  app.route({
    method: others,
    url,
    handler: async (_request, reply) =>
      sendError(reply.header('Allow', allowed.join(', ')), 405, 'method_not_allowed', detail),
  });
}

/**
 * Turns ajv's first error into `{ error, detail }` naming the field: `missing_field` for a
 * required one, `invalid_field` otherwise, with the field's `description` from the schema when
 * it has one ("limit must be a whole number from 1 to 1000"); a name the object does not take is
 * named first ("segment.conditions.0.whithin is not a field here: …").
 * @param {import('ajv').ErrorObject[]} errors
 * @param {string} _dataVar
 */
export function formatSchemaErrors(errors, _dataVar) {
  const [first] = errors;
  const path = first.instancePath.slice(1).replaceAll('/', '.');
  if (first.keyword == 'required') {
    const field = [path, first.params.missingProperty].filter(Boolean).join('.');
    return new HttpError(400, 'missing_field', `${field} is missing`);
  }
  const field = path || 'the body';
  const description = /** @type {any} */ (first.parentSchema)?.description;
  const said = description ? `${field} ${description}` : `${field} ${first.message}`;
  // A misspelt name ("whithin") is named first, then what the object may hold.
  const extra = first.keyword == 'additionalProperties' ? first.params.additionalProperty : undefined;
  const unknown = extra === undefined ? '' : `${[path, extra].filter(Boolean).join('.')} is not a field here: `;
  return new HttpError(400, 'invalid_field', unknown + said);
}
