// The people part of the read API (behind read-api.mjs's auth hook, one site per request):
//   GET /api/people?search=&limit=&offset=   { total, limit, offset, people }, most recently seen first
//   GET /api/people/:id                      { person (with attributes), timeline }, by userId or anonymousId
import { HttpError, refuseOtherMethods } from '../errors.mjs';
import * as schema from './read-api-people.schema.mjs';

/**
 * @param {import('fastify').FastifyInstance} app
 * @param {import('./read-api.mjs').ReadApiDeps} deps
 */
export default async function peopleRoutes(app, { store }) {
  app.get('/api/people', { schema: { querystring: schema.peopleQuery } }, async (request) => {
    const { search, limit, offset } = /** @type {{ search?: string, limit: number, offset: number }} */ (request.query);
    return { ...store.people.list(request.siteId, { search, limit, offset }), limit, offset };
  });
  app.get(
    '/api/people/:id',
    { schema: { params: schema.personParams, querystring: schema.personQuery } },
    async (request) => {
      const found = store.people.find(request.siteId, /** @type {{ id: string }} */ (request.params).id);
      if (!found) throw new HttpError(404, 'not_found', 'no person with this userId or anonymousId');
      return found;
    },
  );
  for (const url of ['/api/people', '/api/people/:id'])
    refuseOtherMethods(app, url, ['GET'], 'the read API answers GET only');
}
