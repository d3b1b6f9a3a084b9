// The read API the live view (and the site's owner) reads: recent events, people with their
// merged timelines (read-api-people.mjs), segments (read-api-segments.mjs), events per minute,
// and the server-sent event stream. Every route here is behind one onRequest hook
// (plugins/auth.mjs) and reads the authenticated site only.
// `POST /api/session` (outside the hook) trades the API key or dashboard password for a cookie.
import { HttpError, formatSchemaErrors, refuseOtherMethods } from '../errors.mjs';
import { SESSION_COOKIE, SESSION_MS, authenticateReads } from '../plugins/auth.mjs';
import * as schema from './read-api.schema.mjs';
import peopleRoutes from './read-api-people.mjs';
import segmentRoutes from './read-api-segments.mjs';

/**
 * @typedef {object} ReadApiDeps
 * @property {import('../store/index.mjs').Store} store
 * @property {import('../event-stream.mjs').EventStream} stream
 * @property {import('../plugins/auth.mjs').Sites} sites
 * @property {boolean} readsWithoutKeyOnLoopback
 * @property {() => number} now
 */

const GET_ONLY = 'the read API answers GET only';
const siteOf = (/** @type {import('fastify').FastifyRequest} */ request) => request.siteId;

/**
 * @param {import('fastify').FastifyInstance} app
 * @param {ReadApiDeps} deps
 */
export default async function readApiRoutes(app, deps) {
  app.setSchemaErrorFormatter(formatSchemaErrors);
  await app.register(sessionRoutes, deps);
  await app.register(protectedRoutes, deps);
}

/**
 * @param {import('fastify').FastifyInstance} app
 * @param {ReadApiDeps} deps
 */
async function sessionRoutes(app, { sites, now }) {
  app.post('/api/session', { schema: { body: schema.sessionBody } }, async (request, reply) => {
    const { site: id, key } = /** @type {{ site: string, key: string }} */ (request.body);
    const site = sites.check(id, key, { orPassword: true });
    if (!site) throw new HttpError(401, 'unauthorized', 'the site id, API key or password is wrong');
    const expiresAtMs = now() + SESSION_MS;
    reply.setCookie(SESSION_COOKIE, `${site.id}|${expiresAtMs}`, {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      path: '/api/',
      maxAge: SESSION_MS / 1000,
    });
    return { site: site.id, expiresAt: new Date(expiresAtMs).toISOString() };
  });
  app.delete('/api/session', async (_request, reply) => {
    reply.clearCookie(SESSION_COOKIE, { path: '/api/' });
    return {};
  });
}

/**
 * @param {import('fastify').FastifyInstance} app
 * @param {ReadApiDeps} deps
 */
async function protectedRoutes(app, deps) {
  const { store, stream, now } = deps;
  // preParsing, not onRequest: after the rate limit's onRequest hook, so refused reads count too.
  const authenticate = authenticateReads(deps);
  app.addHook('preParsing', async (request, _reply, payload) => (await authenticate(request), payload));

  app.get('/api/events', { schema: { querystring: schema.eventsQuery } }, async (request) => {
    const { limit } = /** @type {{ limit: number }} */ (request.query);
    return { events: store.messages.recent(siteOf(request), limit) };
  });
  await app.register(peopleRoutes, deps);
  await app.register(segmentRoutes, deps);
  app.get('/api/stats', { schema: { querystring: schema.statsQuery } }, async (request) => {
    const { minutes } = /** @type {{ minutes: number }} */ (request.query);
    const lastMinute = Math.floor(now() / 60_000);
    const fromMinute = lastMinute - minutes + 1;
    const rows = store.messages.perMinute(siteOf(request), fromMinute * 60_000, (lastMinute + 1) * 60_000);
    const counts = new Map(rows.map((row) => [row.minute, row.count]));
    const starts = Array.from({ length: minutes }, (_, i) => fromMinute + i);
    return { minutes: starts.map((m) => m * 60), counts: starts.map((m) => counts.get(m) ?? 0) };
  });
  app.get('/api/stream', { schema: { querystring: schema.siteQuery } }, async (request, reply) => {
    stream.open(reply, siteOf(request));
  });
  for (const url of ['/api/events', '/api/stats', '/api/stream']) refuseOtherMethods(app, url, ['GET'], GET_ONLY);
}
