// CORS for the batch endpoint and the JSON API: the request's Origin is echoed when allowed, with
// credentials and Retry-After exposed, as docs/protocol.md asks of collectors on another origin.

/** Any http://localhost:PORT or http://127.0.0.1:PORT page: the demo's default. */
export const isLocalOrigin = (/** @type {string} */ origin) =>
  /^http:\/\/(localhost|127\.0\.0\.1)(:\d{1,5})?$/.test(origin);

/**
 * @param {string[] | ((origin: string) => boolean)} origins a list of exact origins, or a predicate
 * @returns {(origin: string | undefined) => boolean}
 */
export function createOriginCheck(origins) {
  if (typeof origins == 'function') return (origin) => !!origin && origins(origin);
  const allowed = new Set(origins);
  return (origin) => !!origin && allowed.has(origin);
}

/**
 * Sets the CORS headers on `res` when the request's origin is allowed.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {(origin: string | undefined) => boolean} isAllowedOrigin
 */
export function applyCors(req, res, isAllowedOrigin) {
  const origin = req.headers.origin;
  res.setHeader('Vary', 'Origin');
  if (!isAllowedOrigin(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', /** @type {string} */ (origin));
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
}

/**
 * Answers an OPTIONS preflight: 204 with the allowed method and headers, or 403 for an origin
 * that is not allowed (the browser then blocks the real request).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {(origin: string | undefined) => boolean} isAllowedOrigin
 */
export function answerPreflight(req, res, isAllowedOrigin) {
  applyCors(req, res, isAllowedOrigin);
  if (!isAllowedOrigin(req.headers.origin)) return void res.writeHead(403).end();
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type',
    'Access-Control-Max-Age': '600',
  });
  res.end();
}
