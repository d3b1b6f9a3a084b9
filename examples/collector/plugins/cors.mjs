// CORS by @fastify/cors, for every route: an allowed Origin is echoed with credentials, Retry-After
// is exposed (the library backs off by it), and a preflight is answered for whatever headers it
// asks for: Segment's analytics.js sends `Authorization`, and a page whose fetch is wrapped by
// Sentry adds `sentry-trace` and `baggage` (getsentry/sentry-javascript #5868, #6077); refusing
// those would hold every event until the page hides. Other origins get no CORS headers, and their
// preflight a 403 (errors.mjs).
import cors from '@fastify/cors';

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
 * @param {import('fastify').FastifyInstance} app
 * @param {string[] | ((origin: string) => boolean)} origins
 */
export async function registerCors(app, origins) {
  const isAllowed = createOriginCheck(origins);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, isAllowed(origin)),
    credentials: true,
    exposedHeaders: 'Retry-After',
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    // No allowedHeaders: @fastify/cors then echoes Access-Control-Request-Headers.
    maxAge: 600,
    strictPreflight: false,
  });
}
