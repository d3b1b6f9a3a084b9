// The people part of the read API's query strings, as JSON Schema (see read-api.schema.mjs).
import { MAX_PAGE } from './read-api-segments.schema.mjs';

const site = { type: 'string', description: 'must be a site id' };

export const peopleQuery = {
  type: 'object',
  properties: {
    search: {
      type: 'string',
      maxLength: 200,
      description: 'must be part of an id or email, or an anonymousId (at most 200 characters)',
    },
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_PAGE,
      default: 100,
      description: `must be a whole number from 1 to ${MAX_PAGE}`,
    },
    offset: { type: 'integer', minimum: 0, default: 0, description: 'must be a whole number from 0' },
    site,
  },
};

export const personQuery = { type: 'object', properties: { site } };

export const personParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, description: 'must be a userId or anonymousId' } },
};
