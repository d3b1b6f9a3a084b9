// The collector as a Fastify app, without listening: the plugins every route shares (CORS, rate
// limit, cookies, the error shape), then one plugin per route family, then the demo's pages.
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import { MAX_BATCH_BYTES } from '../../src/limits.js';
import { createErrorHandler, formatSchemaErrors, handleNotFound, sendError } from './errors.mjs';
import { addByteKeywords } from './schema-keywords.mjs';
import { registerCors, isLocalOrigin } from './plugins/cors.mjs';
import { registerRateLimit } from './plugins/rate-limit.mjs';
import { createSites } from './plugins/auth.mjs';
import { openStore } from './store/index.mjs';
import { createEventStream } from './event-stream.mjs';
import { createWriter } from './ingest/rows.mjs';
import segmentRoutes from './routes/segment.mjs';
import trackApiRoutes from './routes/track-api.mjs';
import readApiRoutes from './routes/read-api.mjs';
import demoRoutes, { defaultStaticDirs } from './demo/index.mjs';

/** The demo's one site: `npm start` and the tests use it unless told otherwise. */
export const DEMO_SITES = { demo: 'demo-secret' };

/**
 * @typedef {object} AppOptions
 * @property {string} [dbPath] SQLite file; its folder is created. Default ./data/tracklet.db.
 * @property {Record<string, string> | import('./plugins/auth.mjs').Site[]} [sites] site id → API key, or
 *   `[{ id, apiKey, password }]`. The site id is the Segment write key and the Customer.io site id.
 *   Default `{ demo: 'demo-secret' }`.
 * @property {boolean} [readsWithoutKeyOnLoopback] loopback clients read without a key (the demo). Default false.
 * @property {string[] | ((origin: string) => boolean)} [origins] CORS origins. Default: any http://localhost:* or http://127.0.0.1:*.
 * @property {{ perSecond?: number, burst?: number } | false} [rateLimit] per client IP; false lifts it. Default 50/s, burst 200.
 * @property {Record<string, string>} [staticDirs] demo pages: URL prefix (ending in /) → folder; replaces the defaults; `{}` serves none.
 * @property {string} [sessionSecret] signs session cookies. Default: random per start (sessions end with the process).
 * @property {(line: string) => void} [log] where unexpected errors are reported. Default console.error.
 * @property {() => number} [now] the server clock (ms), for tests.
 */

/** @param {AppOptions} [options] */
export async function buildApp({
  dbPath = './data/tracklet.db',
  sites: siteOptions = DEMO_SITES,
  readsWithoutKeyOnLoopback = false,
  origins = isLocalOrigin,
  rateLimit = {},
  staticDirs = defaultStaticDirs(),
  sessionSecret = randomBytes(32).toString('hex'),
  log = (line) => console.error(line),
  now = Date.now,
} = {}) {
  const sites = createSites(siteOptions);
  const store = openStore(dbPath);
  const stream = createEventStream();
  /** @type {((address: string) => { ttl: number }) | null} */
  let takeToken = null;
  const app = Fastify({
    bodyLimit: MAX_BATCH_BYTES,
    requestTimeout: 30_000, // slow uploads are cut
    keepAliveTimeout: 5000,
    forceCloseConnections: true,
    // Ids in paths may be 150 bytes, percent-encoded up to 3 characters each (find-my-way's default is 100).
    routerOptions: { maxParamLength: 600 },
    // A path that is not valid percent-encoding (Fastify's only framework error a client can
    // cause): no route or hook sees it, so it takes its rate-limit token here.
    frameworkErrors: (_error, request, reply) => {
      const limit = takeToken?.(request.socket.remoteAddress ?? 'unknown');
      if (!limit?.ttl) return sendError(reply, 400, 'invalid_path', 'the path is not valid percent-encoding');
      const seconds = Math.ceil(limit.ttl / 1000);
      reply.header('Retry-After', String(seconds));
      return sendError(reply, 429, 'rate_limited', `too many requests from this address; retry after ${seconds} s`);
    },
    ajv: { customOptions: { verbose: true, removeAdditional: false }, plugins: [addByteKeywords] },
  });
  app.server.headersTimeout = 10_000;
  app.decorateRequest('siteId', '');
  app.setErrorHandler(createErrorHandler(log));
  app.setSchemaErrorFormatter(formatSchemaErrors);
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff').header('Cache-Control', 'no-store');
  });
  app.addHook('onClose', async () => (stream.close(), store.close()));
  await registerCors(app, origins);
  takeToken = await registerRateLimit(app, { ...(rateLimit || {}), now, isOff: rateLimit === false });
  // Unknown paths count against the limit too (the plugin's hook, as for every route).
  app.setNotFoundHandler(takeToken ? { preHandler: app.rateLimit() } : {}, handleNotFound);
  await app.register(cookie, { secret: sessionSecret });

  const deps = { store, stream, writer: createWriter({ store, stream }), sites, now, readsWithoutKeyOnLoopback };
  await app.register(segmentRoutes, deps);
  await app.register(trackApiRoutes, { ...deps, prefix: '/api/v1' });
  await app.register(readApiRoutes, deps);
  if (Object.keys(staticDirs).length) await app.register(demoRoutes, { staticDirs, siteId: sites.list[0].id });
  return { app, store, sites };
}
