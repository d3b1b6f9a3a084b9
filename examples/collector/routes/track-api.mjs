// Customer.io's Track API v1 (docs.customer.io/api/track/), Basic auth `site_id:api_key`:
//   PUT    /api/v1/customers/{identifier}         attributes (an identify)
//   DELETE /api/v1/customers/{identifier}         the person, their identity links, their events
//   POST   /api/v1/customers/{identifier}/events  an event or page view of that person
//   POST   /api/v1/events                         an anonymous event (`anonymous_id`, joined to
//                                                 the person later identified with it)
// Bodies are JSON or form-encoded with bracket notation (`data[price]=23.45`, parsed by qs).
// Each call is stored as the Segment message it means, so one store and one read API serve both
// sides; `id` becomes the messageId, so a call sent twice is stored once.
import { randomUUID } from 'node:crypto';
import formBody from '@fastify/formbody';
import qs from 'qs';
import { formatSchemaErrors } from '../errors.mjs';
import { authenticateTrackApi } from '../plugins/auth.mjs';
import { toRow } from '../ingest/rows.mjs';
import * as schema from './track-api.schema.mjs';

/** Marks what came through the Track API in the stored message's context. */
const LIBRARY = { name: 'customerio-track-api', version: '1' };

/**
 * @typedef {object} TrackApiDeps
 * @property {import('../store/index.mjs').Store} store
 * @property {import('../event-stream.mjs').EventStream} stream
 * @property {import('../ingest/rows.mjs').Writer} writer
 * @property {import('../plugins/auth.mjs').Sites} sites
 * @property {() => number} now
 */

/**
 * @param {{ name: string, data?: object, timestamp?: number, type?: 'event' | 'page', id?: string }} body
 * @param {{ userId?: string, anonymousId?: string, receivedAtMs: number }} who
 */
function eventMessage({ name, data = {}, timestamp, type = 'event', id }, { userId, anonymousId, receivedAtMs }) {
  return {
    type: type == 'page' ? 'page' : 'track',
    ...(type == 'page' ? { name } : { event: name }),
    properties: data,
    ...(userId === undefined ? {} : { userId }),
    ...(anonymousId === undefined ? {} : { anonymousId }),
    messageId: id ?? randomUUID(),
    timestamp: new Date(timestamp === undefined ? receivedAtMs : timestamp * 1000).toISOString(),
    context: { library: LIBRARY },
  };
}

/**
 * @param {import('fastify').FastifyInstance} app
 * @param {TrackApiDeps} deps
 */
export default async function trackApiRoutes(app, deps) {
  const { store, sites, now } = deps;
  await app.register(formBody, { parser: (text) => qs.parse(text, { depth: 5, parameterLimit: 1000 }) });
  app.setSchemaErrorFormatter(formatSchemaErrors);
  // preParsing: after the rate limit (onRequest), and before a body from an unknown caller is read.
  const authenticate = authenticateTrackApi(sites);
  app.addHook('preParsing', async (request, _reply, payload) => (await authenticate(request), payload));

  /**
   * @param {import('fastify').FastifyRequest} request
   * @param {Record<string, any>} message
   */
  const save = async (request, message) => {
    const siteId = request.siteId;
    const row = toRow(message, JSON.stringify(message), { siteId, sentAt: undefined, receivedAtMs: now() });
    await deps.writer.save(siteId, [row]);
    return {};
  };
  const identifierOf = (/** @type {import('fastify').FastifyRequest} */ request) =>
    /** @type {{ identifier: string }} */ (request.params).identifier;

  app.put(
    '/customers/:identifier',
    { schema: { params: schema.customerParams, body: schema.attributesBody } },
    async (request) => {
      const { _timestamp, anonymous_id, ...traits } = /** @type {Record<string, any>} */ (request.body ?? {});
      const receivedAtMs = now();
      return save(request, {
        type: 'identify',
        userId: identifierOf(request),
        ...(anonymous_id === undefined ? {} : { anonymousId: anonymous_id }),
        traits,
        messageId: randomUUID(),
        timestamp: new Date(_timestamp === undefined ? receivedAtMs : _timestamp * 1000).toISOString(),
        context: { library: LIBRARY },
      });
    },
  );

  app.delete('/customers/:identifier', { schema: { params: schema.customerParams } }, async (request) => {
    store.people.remove(request.siteId, identifierOf(request));
    return {};
  });

  app.post(
    '/customers/:identifier/events',
    { schema: { params: schema.customerParams, body: schema.eventBody } },
    async (request) =>
      save(
        request,
        eventMessage(/** @type {any} */ (request.body), { userId: identifierOf(request), receivedAtMs: now() }),
      ),
  );

  app.post('/events', { schema: { body: schema.anonymousEventBody } }, async (request) => {
    const body = /** @type {any} */ (request.body);
    return save(request, eventMessage(body, { anonymousId: body.anonymous_id, receivedAtMs: now() }));
  });
}
