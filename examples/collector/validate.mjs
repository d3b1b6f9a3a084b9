// Request checks of the Segment side (docs/collector.md): a message is described by a JSON Schema
// and checked by ajv; a batch's request-level problems (not an object, no batch, unknown site)
// refuse the whole request, a message's problems reject only that message, so the route keeps
// the valid ones and answers 207. The limits are the library's own (src/limits.js).
import Ajv from 'ajv';
import { MAX_EVENT_NAME_BYTES, MAX_ID_BYTES, MAX_MESSAGE_BYTES } from '../../src/limits.js';
import { isStorableTime } from './ingest/skew.mjs';
import { addByteKeywords } from './schema-keywords.mjs';

const id = { type: ['string', 'null'], minLength: 1, maxBytes: MAX_ID_BYTES };
const object = { type: ['object', 'null'] };

/** A Segment message as this collector stores it (Segment's Spec: Common Fields; track, identify, page). */
export const MESSAGE_SCHEMA = {
  type: 'object',
  required: ['type', 'messageId', 'timestamp'],
  properties: {
    type: { enum: ['track', 'identify', 'page'] },
    messageId: { type: 'string', minLength: 1, maxBytes: MAX_ID_BYTES },
    timestamp: { type: 'string', format: 'storable-time' },
    anonymousId: id,
    userId: id,
    name: { type: ['string', 'null'] },
    properties: object,
    traits: object,
    context: object,
  },
  // null counts as absent: analytics.js sends `userId: null` until identify.
  anyOf: [
    { required: ['anonymousId'], properties: { anonymousId: { type: 'string' } } },
    { required: ['userId'], properties: { userId: { type: 'string' } } },
  ],
  if: { properties: { type: { const: 'track' } } },
  then: {
    required: ['event'],
    properties: { event: { type: 'string', minLength: 1, maxBytes: MAX_EVENT_NAME_BYTES } },
  },
};

const ajv = addByteKeywords(new Ajv({ allErrors: true, strict: false }));
ajv.addFormat('storable-time', (value) => isStorableTime(Date.parse(value)));
const isValidMessage = ajv.compile(MESSAGE_SCHEMA);

/** @typedef {{ error: string, detail: string, status: number }} RequestProblem */
/** @typedef {{ index: number, messageId: string | null, error: string, detail: string }} Rejection */
/** @typedef {Record<string, any>} Message */
/** @typedef {{ index: number, message: Message, json: string }} ValidMessage */

const isObject = (/** @type {unknown} */ value) => typeof value == 'object' && value !== null && !Array.isArray(value);

/**
 * The problems ajv found, in the order they are reported: a missing field before a wrong one,
 * and fields in the order of the Spec (the first problem is the one an answer names).
 * @type {[string, string, (f: (field: string) => string) => [string, string]][]}
 */
const PROBLEMS = [
  ['missing', 'type', (f) => ['missing_field', `${f('type')} is missing`]],
  ['missing', 'messageId', (f) => ['missing_field', `${f('messageId')} is missing`]],
  ['missing', 'timestamp', (f) => ['missing_field', `${f('timestamp')} is missing`]],
  ['invalid', 'type', (f) => ['unknown_type', `${f('type')} must be one of track, identify, page`]],
  [
    'invalid',
    'messageId',
    (f) => ['invalid_field', `${f('messageId')} must be a string of 1 to ${MAX_ID_BYTES} bytes`],
  ],
  [
    'invalid',
    'timestamp',
    (f) => ['invalid_field', `${f('timestamp')} must be an ISO-8601 date between 1970 and 9999`],
  ],
  ['missing', 'ids', (f) => ['missing_field', `${f('anonymousId')} or ${f('userId')} is missing`]],
  [
    'invalid',
    'anonymousId',
    (f) => ['invalid_field', `${f('anonymousId')} must be a string of 1 to ${MAX_ID_BYTES} bytes`],
  ],
  ['invalid', 'userId', (f) => ['invalid_field', `${f('userId')} must be a string of 1 to ${MAX_ID_BYTES} bytes`]],
  ['missing', 'event', (f) => ['missing_field', `${f('event')} is missing`]],
  ['invalid', 'event', (f) => ['invalid_field', `${f('event')} is longer than ${MAX_EVENT_NAME_BYTES} bytes`]],
  ['invalid', 'name', (f) => ['invalid_field', `${f('name')} must be a string`]],
  ['invalid', 'properties', (f) => ['invalid_field', `${f('properties')} must be an object`]],
  ['invalid', 'traits', (f) => ['invalid_field', `${f('traits')} must be an object`]],
  ['invalid', 'context', (f) => ['invalid_field', `${f('context')} must be an object`]],
];

/**
 * What one ajv error says, as [kind, field]; null for errors that only repeat another one.
 * @param {import('ajv').ErrorObject} error
 * @param {Message} message
 * @returns {[string, string] | null}
 */
function classify(error, message) {
  if (error.schemaPath.startsWith('#/anyOf/') || error.keyword == 'if') return null;
  if (error.keyword == 'anyOf') return ['missing', 'ids'];
  if (error.keyword == 'required') return ['missing', error.params.missingProperty];
  const field = error.instancePath.slice(1);
  if (field == 'event' && error.keyword != 'maxBytes') return ['missing', 'event']; // not a name: none given
  if (message[field] === null && ['type', 'messageId', 'timestamp'].includes(field)) return ['missing', field];
  return ['invalid', field];
}

/**
 * @param {unknown} message
 * @param {string} at the message's path in `detail`, e.g. "batch[2]"; '' for a single message
 * @returns {{ problem: { error: string, detail: string }, json?: undefined } | { problem: null, json: string }}
 */
export function checkMessage(message, at) {
  const f = (/** @type {string} */ field) => (at ? `${at}.${field}` : field);
  if (!isObject(message))
    return { problem: { error: 'invalid_message', detail: `${at || 'the message'} must be an object` } };
  const json = JSON.stringify(message);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_MESSAGE_BYTES) {
    const detail = `${at || 'the message'} is ${bytes} bytes of JSON; the limit is ${MAX_MESSAGE_BYTES}`;
    return { problem: { error: 'message_too_large', detail } };
  }
  if (isValidMessage(message)) return { problem: null, json };
  const found = (isValidMessage.errors ?? []).map((error) => classify(error, /** @type {Message} */ (message)));
  const first = PROBLEMS.find(([kind, field]) => found.some((k) => k && k[0] == kind && k[1] == field));
  const [error, detail] = first ? first[2](f) : ['invalid_message', `${at || 'the message'} is not a valid message`];
  return { problem: { error, detail } };
}

/**
 * Checks a parsed /v1/batch body. The site comes from the `Authorization: Basic` user when given
 * (Segment's HTTP API), else from the body's `writeKey`.
 * @param {unknown} body the parsed JSON
 * @param {(writeKey: string) => boolean} isKnownWriteKey
 * @param {string | null} [authWriteKey] the write key sent by Basic auth
 * @returns {{ problem: RequestProblem | null, writeKey: string, sentAt: unknown, valid: ValidMessage[], rejected: Rejection[] }}
 *   with a `problem`, the request is refused whole (and the rest is empty)
 */
export function validateBatch(body, isKnownWriteKey, authWriteKey = null) {
  const refuse = (/** @type {RequestProblem} */ problem) => ({
    problem,
    writeKey: '',
    sentAt: undefined,
    valid: [],
    rejected: [],
  });
  if (!isObject(body)) return refuse({ status: 400, error: 'invalid_body', detail: 'the body must be a JSON object' });
  const { batch, sentAt } = /** @type {Message} */ (body);
  const writeKey = authWriteKey ?? /** @type {Message} */ (body).writeKey;
  const problem = checkWriteKey(writeKey, isKnownWriteKey);
  if (problem) return refuse(problem);
  if (batch === undefined) return refuse({ status: 400, error: 'missing_field', detail: 'batch is missing' });
  if (!Array.isArray(batch)) return refuse({ status: 400, error: 'invalid_field', detail: 'batch must be an array' });
  if (batch.length == 0) return refuse({ status: 400, error: 'invalid_field', detail: 'batch is empty' });

  /** @type {ValidMessage[]} */
  const valid = [];
  /** @type {Rejection[]} */
  const rejected = [];
  batch.forEach((message, index) => {
    const checked = checkMessage(message, `batch[${index}]`);
    if (!checked.problem) return void valid.push({ index, message, json: checked.json });
    const messageId = isObject(message) && typeof message.messageId == 'string' ? message.messageId : null;
    rejected.push({ index, messageId, ...checked.problem });
  });
  return { problem: null, writeKey: /** @type {string} */ (writeKey), sentAt, valid, rejected };
}

/**
 * @param {unknown} writeKey
 * @param {(writeKey: string) => boolean} isKnownWriteKey
 * @returns {RequestProblem | null}
 */
export function checkWriteKey(writeKey, isKnownWriteKey) {
  if (writeKey === undefined || writeKey === null)
    return { status: 400, error: 'missing_field', detail: 'writeKey is missing' };
  if (typeof writeKey != 'string') return { status: 400, error: 'invalid_field', detail: 'writeKey must be a string' };
  if (!isKnownWriteKey(writeKey))
    return { status: 401, error: 'unknown_write_key', detail: 'writeKey is not a known site id' };
  return null;
}
