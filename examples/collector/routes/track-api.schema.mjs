// Customer.io's Track API v1 bodies, as JSON Schema, with Customer.io's limits (Track API
// reference, docs.customer.io/api/track/: "Limits": identifier 150 bytes, event name 100 bytes,
// event data 100,000 bytes, 300 attributes, attribute value 1,000 bytes). Form bodies arrive as
// strings (`timestamp=1359389415`); ajv converts what the schema says is a number.
import { MAX_EVENT_NAME_BYTES, MAX_ID_BYTES, YEAR_10000_MS } from '../../../src/limits.js';

export const MAX_EVENT_DATA_BYTES = 100_000;
export const MAX_ATTRIBUTES = 300;
export const MAX_ATTRIBUTE_VALUE_BYTES = 1000;

/** Unix seconds from 1970 to 9999 (what the store can keep). */
const unixSeconds = {
  type: 'integer',
  minimum: 0,
  maximum: YEAR_10000_MS / 1000 - 1,
  description: 'must be a unix time in seconds between 1970 and 9999',
};
const identifier = {
  type: 'string',
  minLength: 1,
  maxBytes: MAX_ID_BYTES,
  description: `must be a string of 1 to ${MAX_ID_BYTES} bytes`,
};

export const customerParams = {
  type: 'object',
  required: ['identifier'],
  properties: { identifier },
};

/** `POST /api/v1/customers/{identifier}/events`; the anonymous form adds `anonymous_id`. */
export const eventBody = {
  type: 'object',
  required: ['name'],
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxBytes: MAX_EVENT_NAME_BYTES,
      description: `must be a string of 1 to ${MAX_EVENT_NAME_BYTES} bytes`,
    },
    data: {
      type: 'object',
      maxJsonBytes: MAX_EVENT_DATA_BYTES,
      description: `must be an object of at most ${MAX_EVENT_DATA_BYTES} bytes of JSON`,
    },
    timestamp: unixSeconds,
    type: { enum: ['event', 'page'], description: 'must be event or page' },
    id: identifier,
  },
};

export const anonymousEventBody = {
  ...eventBody,
  properties: { ...eventBody.properties, anonymous_id: identifier },
};

/** `PUT /api/v1/customers/{identifier}`: attributes, a few of them known to Customer.io. */
export const attributesBody = {
  type: 'object',
  maxProperties: MAX_ATTRIBUTES,
  description: `must have at most ${MAX_ATTRIBUTES} attributes`,
  properties: {
    email: {
      type: 'string',
      maxBytes: MAX_ATTRIBUTE_VALUE_BYTES,
      description: `must be a string of at most ${MAX_ATTRIBUTE_VALUE_BYTES} bytes`,
    },
    created_at: unixSeconds,
    _timestamp: unixSeconds,
    anonymous_id: identifier,
  },
  additionalProperties: {
    maxJsonBytes: MAX_ATTRIBUTE_VALUE_BYTES,
    description: `must be at most ${MAX_ATTRIBUTE_VALUE_BYTES} bytes`,
  },
};
