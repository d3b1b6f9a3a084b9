// The segments part of the read API (behind read-api.mjs's auth hook, one site per request):
//   GET    /api/segments?event=…            who performed (or did not) one event, with counts
//   POST   /api/segments/query              { segment, limit, offset } → { total, people, warnings }
//   GET    /api/saved-segments              every saved segment with its live count
//   POST   /api/saved-segments              { name, segment } → 201 the saved segment
//   GET    /api/saved-segments/:id          the segment, its live count and a page of its people
//   PUT    /api/saved-segments/:id          { name, segment }
//   DELETE /api/saved-segments/:id
//   GET    /api/event-names                 the event names seen, with counts
//   GET    /api/attribute-names             the attribute names people have
// `warnings` name each condition whose event was never received, and the names it was
// probably meant to be (other case, spaces, underscores).
import { HttpError, refuseOtherMethods } from '../errors.mjs';
import { describeUnseen, eventsOf, nearMisses, parseWindow, readySegment } from '../segments.mjs';
import * as schema from './read-api-segments.schema.mjs';

/** @typedef {import('./read-api.mjs').ReadApiDeps} ReadApiDeps */
/** @typedef {import('../segments.mjs').Definition} Definition */

/**
 * What a segment's answer needs: its members and its warnings.
 * @param {ReadApiDeps} deps
 */
function createAnswers({ store, now }) {
  /**
   * @param {string} siteId
   * @param {Definition} definition
   * @returns {{ path: string, event: string, detail: string, didYouMean: string[] }[]}
   */
  function warningsOf(siteId, definition) {
    const unseen = eventsOf(definition).filter(({ event }) => !store.segments.eventCount(siteId, event));
    if (!unseen.length) return [];
    const seen = store.segments.names(siteId, 'track');
    return unseen.map(({ path, event }) => {
      const misses = nearMisses(event, seen);
      return { path, event, detail: describeUnseen(event, misses), didYouMean: misses.map((m) => m.name) };
    });
  }

  /**
   * @param {string} siteId
   * @param {Definition} definition
   * @param {{ limit: number, offset: number }} [page]
   */
  function answer(siteId, definition, { limit, offset } = { limit: 100, offset: 0 }) {
    const { total, people } = store.segments.members(siteId, readySegment(definition, now()), { limit, offset });
    return { total, limit, offset, people, warnings: warningsOf(siteId, definition) };
  }

  return { warningsOf, answer };
}

/**
 * @param {import('fastify').FastifyInstance} app
 * @param {ReadApiDeps} deps
 */
export default async function segmentRoutes(app, deps) {
  const { store, now } = deps;
  const { warningsOf, answer } = createAnswers(deps);

  app.get('/api/segments', { schema: { querystring: schema.eventQuery } }, async (request) => {
    const { event, within, negate, min, anonymous } = /** @type {any} */ (request.query);
    const fromMs = within ? now() - parseWindow(within) : -Number.MAX_SAFE_INTEGER;
    const withAnonymous = anonymous == 'include';
    const people = store.segments.withEvent(request.siteId, { event, fromMs, negate, min, withAnonymous });
    const warnings = warningsOf(request.siteId, { conditions: [{ kind: 'event', event }] });
    return { event, within: within ?? null, negate, min, anonymous, people, warnings };
  });

  app.post('/api/segments/query', { schema: { body: schema.queryBody } }, async (request) => {
    const { segment, limit, offset } = /** @type {any} */ (request.body);
    return { segment, ...answer(request.siteId, segment, { limit, offset }) };
  });

  app.get('/api/event-names', { schema: { querystring: schema.pageQuery } }, async (request) => ({
    events: store.segments.names(request.siteId, 'track'),
  }));

  app.get('/api/attribute-names', { schema: { querystring: schema.pageQuery } }, async (request) => ({
    attributes: store.attributes.names(request.siteId),
  }));

  await app.register(savedSegmentRoutes, deps);
  refuseOtherMethods(app, '/api/segments', ['GET'], 'the read API answers GET only');
  refuseOtherMethods(app, '/api/segments/query', ['POST'], 'use POST with { segment } for /api/segments/query');
  for (const url of ['/api/event-names', '/api/attribute-names'])
    refuseOtherMethods(app, url, ['GET'], 'the read API answers GET only');
}

/**
 * Saved segments: named definitions, counted each time they are read.
 * @param {import('fastify').FastifyInstance} app
 * @param {ReadApiDeps} deps
 */
async function savedSegmentRoutes(app, deps) {
  const { store, now } = deps;
  const { answer } = createAnswers(deps);

  /** @param {import('fastify').FastifyRequest} request */
  function savedOrNotFound(request) {
    const { id } = /** @type {{ id: number }} */ (request.params);
    const saved = store.savedSegments.get(request.siteId, id);
    if (!saved) throw new HttpError(404, 'not_found', `no saved segment ${id}`);
    return saved;
  }

  /**
   * @param {import('fastify').FastifyRequest} request
   * @param {number} [exceptId] the segment being renamed
   */
  function checkNameFree(request, exceptId) {
    const { name } = /** @type {{ name: string }} */ (request.body);
    const takenBy = store.savedSegments.idOf(request.siteId, name);
    if (takenBy !== undefined && takenBy !== exceptId)
      throw new HttpError(409, 'name_taken', `name: a saved segment is already called ${JSON.stringify(name)}`);
  }

  app.get('/api/saved-segments', { schema: { querystring: schema.pageQuery } }, async (request) => ({
    segments: store.savedSegments.list(request.siteId).map((saved) => ({
      ...saved,
      total: store.segments.count(request.siteId, readySegment(/** @type {Definition} */ (saved.segment), now())),
    })),
  }));

  app.post('/api/saved-segments', { schema: { body: schema.savedBody } }, async (request, reply) => {
    checkNameFree(request);
    const saved = store.savedSegments.create(request.siteId, /** @type {any} */ (request.body), now());
    return reply.code(201).send({ ...saved, ...answer(request.siteId, /** @type {Definition} */ (saved.segment)) });
  });

  app.get(
    '/api/saved-segments/:id',
    { schema: { params: schema.savedParams, querystring: schema.pageQuery } },
    async (request) => {
      const saved = savedOrNotFound(request);
      const { limit, offset } = /** @type {{ limit: number, offset: number }} */ (request.query);
      return { ...saved, ...answer(request.siteId, /** @type {Definition} */ (saved.segment), { limit, offset }) };
    },
  );

  app.put(
    '/api/saved-segments/:id',
    { schema: { params: schema.savedParams, body: schema.savedBody } },
    async (request) => {
      const { id } = savedOrNotFound(request);
      checkNameFree(request, id);
      const saved = /** @type {import('../store/saved-segments.mjs').SavedSegment} */ (
        store.savedSegments.replace(request.siteId, id, /** @type {any} */ (request.body), now())
      );
      return { ...saved, ...answer(request.siteId, /** @type {Definition} */ (saved.segment)) };
    },
  );

  app.delete('/api/saved-segments/:id', { schema: { params: schema.savedParams } }, async (request) => {
    const { id } = savedOrNotFound(request);
    store.savedSegments.remove(request.siteId, id);
    return {};
  });

  refuseOtherMethods(app, '/api/saved-segments', ['GET', 'POST'], 'use GET or POST for /api/saved-segments');
  refuseOtherMethods(app, '/api/saved-segments/:id', ['GET', 'PUT', 'DELETE'], 'use GET, PUT or DELETE');
}
