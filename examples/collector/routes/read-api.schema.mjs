// The read API's query strings, as JSON Schema: Fastify checks and converts them (ajv) before a
// handler runs; a refusal names the field with its `description` (errors.mjs).
export const MAX_EVENTS = 1000;
export const MAX_CHART_MINUTES = 24 * 60;

/** Every read may name the site when reads without a key are on (the demo); else the key decides. */
const site = { type: 'string', description: 'must be a site id' };

export const eventsQuery = {
  type: 'object',
  properties: {
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_EVENTS,
      default: 100,
      description: `must be a whole number from 1 to ${MAX_EVENTS}`,
    },
    site,
  },
};

export const statsQuery = {
  type: 'object',
  properties: {
    minutes: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_CHART_MINUTES,
      default: 30,
      description: `must be a whole number from 1 to ${MAX_CHART_MINUTES}`,
    },
    site,
  },
};

export const siteQuery = { type: 'object', properties: { site } };

export const sessionBody = {
  type: 'object',
  required: ['site', 'key'],
  properties: {
    site: { type: 'string', minLength: 1, description: 'must be a site id' },
    key: { type: 'string', minLength: 1, description: "must be the site's API key or dashboard password" },
  },
};
