// Segments as JSON Schema (docs/collector.md, "Segments"): Fastify checks a definition before a
// handler runs, and a refusal names the field with its `description` (errors.mjs), e.g.
// "segment.conditions.1.min must be a whole number from 1 to 999999". The conditions are told
// apart by `kind`; a group holds conditions that are not groups.
import { MAX_EVENT_NAME_BYTES } from '../../../src/limits.js';

export const MAX_CONDITIONS = 20;
export const MAX_PAGE = 1000;
export const MAX_SEGMENT_NAME = 100;
const MAX_VALUE_CHARS = 1000; // Customer.io's attribute value limit (track-api.schema.mjs) in characters

const site = { type: 'string', description: 'must be a site id' };
const within = {
  type: 'string',
  nullable: true,
  pattern: '^[1-9][0-9]{0,5}[dh]$',
  description: 'must be a whole number of days or hours, e.g. 30d or 12h (leave it out for ever)',
};
const performed = { type: 'boolean', description: 'must be true (performed) or false (did not perform)' };
const min = { type: 'integer', minimum: 1, maximum: 999_999, description: 'must be a whole number from 1 to 999999' };
const match = { enum: ['all', 'any'], description: 'must be all or any' };
const eventName = {
  type: 'string',
  minLength: 1,
  maxBytes: MAX_EVENT_NAME_BYTES,
  description: `must be an event name of 1 to ${MAX_EVENT_NAME_BYTES} bytes`,
};

const DATA_OPERATORS = ['equals', 'not_equals', 'contains', 'greater', 'less', 'exists', 'not_exists'];
const ATTRIBUTE_OPERATORS = [...DATA_OPERATORS, 'before', 'after'];

/**
 * What `value` must be for each operator. Fastify's ajv coerces types (a number sent to
 * `contains` becomes its text, "20" sent to `greater` becomes 20); an `equals` value keeps its
 * JSON type, so its type is checked in ../segments.mjs instead (a type list would coerce 25 to "25").
 */
const valueRules = /** @type {[string[], object][]} */ ([
  [['equals', 'not_equals'], {}],
  [
    ['contains'],
    { type: 'string', minLength: 1, maxLength: MAX_VALUE_CHARS, description: 'must be a non-empty string' },
  ],
  [['greater', 'less'], { type: 'number', description: 'must be a number' }],
  [
    ['before', 'after'],
    { type: 'string', maxLength: 40, description: 'must be a time: unix seconds or an ISO 8601 date' },
  ],
]).map(([operators, value]) => ({
  if: { properties: { operator: { enum: operators } }, required: ['operator'] },
  then: { required: ['value'], properties: { value } },
}));

/** @param {string[]} operators */
const operator = (operators) => ({ enum: operators, description: `must be one of ${operators.join(', ')}` });

const dataCondition = {
  type: 'object',
  required: ['field', 'operator'],
  additionalProperties: false,
  description: 'must be a condition on the event data: { field, operator, value }',
  properties: {
    field: {
      type: 'string',
      pattern: '^[^".]+(\\.[^".]+)*$',
      maxLength: 200,
      description: 'must be a data field, nested fields joined by dots (e.g. price, plan.tier)',
    },
    operator: operator(DATA_OPERATORS),
    value: {},
  },
  allOf: valueRules,
};

const eventCondition = {
  type: 'object',
  required: ['event'],
  additionalProperties: false,
  description: 'must be an event condition: { kind, event, performed, min, within, where }',
  properties: {
    kind: {},
    event: eventName,
    performed,
    min,
    within,
    where: { type: 'array', maxItems: MAX_CONDITIONS, items: dataCondition, description: 'must be a list' },
  },
};

const pageCondition = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  description: 'must be a page view condition: { kind, url: { operator, value }, performed, min, within }',
  properties: {
    kind: {},
    url: {
      type: 'object',
      required: ['operator', 'value'],
      additionalProperties: false,
      description: 'must be { operator: equals or contains, value }',
      properties: {
        operator: operator(['equals', 'contains']),
        value: { type: 'string', minLength: 1, maxLength: 2000, description: 'must be a URL or part of one' },
      },
    },
    performed,
    min,
    within,
  },
};

const attributeCondition = {
  type: 'object',
  required: ['name', 'operator'],
  additionalProperties: false,
  description: 'must be an attribute condition: { kind, name, operator, value }',
  properties: {
    kind: {},
    name: { type: 'string', minLength: 1, maxLength: 150, description: 'must be an attribute name' },
    operator: operator(ATTRIBUTE_OPERATORS),
    value: {},
  },
  allOf: valueRules,
};

/** @param {string} kind */
const whenKind = (kind) => ({ properties: { kind: { const: kind } }, required: ['kind'] });

/** @param {boolean} isTopLevel only top-level conditions may be groups */
function condition(isTopLevel) {
  const kinds = isTopLevel ? ['event', 'page', 'attribute', 'group'] : ['event', 'page', 'attribute'];
  /** @type {{ if: object, then: object }[]} */
  const rules = [
    { if: whenKind('event'), then: eventCondition },
    { if: whenKind('page'), then: pageCondition },
    { if: whenKind('attribute'), then: attributeCondition },
  ];
  if (isTopLevel) rules.push({ if: whenKind('group'), then: groupCondition });
  return {
    type: 'object',
    required: ['kind'],
    description: `must be a condition: { kind: ${kinds.join(', ')}, … }`,
    properties: { kind: { enum: kinds, description: `must be ${kinds.join(', ')}` } },
    allOf: rules,
  };
}

/** @param {object} items */
const conditions = (items) => ({
  type: 'array',
  minItems: 1,
  maxItems: MAX_CONDITIONS,
  items,
  description: `must be a list of 1 to ${MAX_CONDITIONS} conditions`,
});

const groupCondition = {
  type: 'object',
  required: ['conditions'],
  additionalProperties: false,
  description: 'must be a group: { kind, match, conditions }',
  properties: { kind: {}, match, conditions: conditions(condition(false)) },
};

export const segment = {
  type: 'object',
  required: ['conditions'],
  additionalProperties: false,
  description: 'must be a segment: { match, anonymous, conditions }',
  properties: {
    match,
    anonymous: { enum: ['include', 'exclude'], description: 'must be include or exclude' },
    conditions: conditions(condition(true)),
  },
};

const page = {
  limit: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE,
    default: 100,
    description: `must be a whole number from 1 to ${MAX_PAGE}`,
  },
  offset: { type: 'integer', minimum: 0, default: 0, description: 'must be a whole number from 0' },
};

/** `POST /api/segments/query` */
export const queryBody = {
  type: 'object',
  required: ['segment'],
  additionalProperties: false,
  description: 'must be { segment, limit, offset }',
  properties: { segment, ...page },
};

/** `POST /api/saved-segments`, `PUT /api/saved-segments/:id` */
export const savedBody = {
  type: 'object',
  required: ['name', 'segment'],
  additionalProperties: false,
  description: 'must be { name, segment }',
  properties: {
    name: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_SEGMENT_NAME,
      pattern: '\\S',
      description: `must be a name of 1 to ${MAX_SEGMENT_NAME} characters`,
    },
    segment,
  },
};

export const savedParams = {
  type: 'object',
  properties: { id: { type: 'integer', minimum: 1, description: 'must be the id of a saved segment' } },
};

export const pageQuery = { type: 'object', properties: { ...page, site } };

/** `GET /api/segments?event=…`: one event, performed or not. */
export const eventQuery = {
  type: 'object',
  required: ['event'],
  properties: {
    event: eventName,
    within: { ...within, type: 'string' },
    negate: { type: 'boolean', default: false, description: 'must be true or false' },
    min: { ...min, default: 1 },
    anonymous: { enum: ['include', 'exclude'], default: 'include', description: 'must be include or exclude' },
    site,
  },
};
