// Checks a parsed /v1/batch body against docs/protocol.md. Request-level problems (not an object,
// no batch, unknown writeKey) refuse the whole request; message-level problems reject only that
// message, so the caller can keep the valid ones and answer 207.

import { isStorableTime } from './skew.mjs';

export const MAX_MESSAGE_BYTES = 32 * 1024;
const MAX_EVENT_BYTES = 100;
const MAX_ID_CHARS = 200;
const TYPES = new Set(['track', 'identify', 'page']);

/** @typedef {{ error: string, detail: string, status: number }} RequestProblem */
/** @typedef {{ index: number, messageId: string | null, error: string, detail: string }} Rejection */
/** @typedef {Record<string, any>} Message */

const isObject = (/** @type {unknown} */ value) => typeof value == 'object' && value !== null && !Array.isArray(value);
const isIsoTime = (/** @type {unknown} */ value) => typeof value == 'string' && isStorableTime(Date.parse(value));
const isId = (/** @type {unknown} */ value) =>
  typeof value == 'string' && value.length > 0 && value.length <= MAX_ID_CHARS;

/**
 * @param {unknown} body the parsed JSON
 * @param {(writeKey: string) => boolean} isKnownWriteKey
 * @returns {{ problem: RequestProblem } | { problem: null, writeKey: string, sentAt: unknown, valid: { index: number, message: Message }[], rejected: Rejection[] }}
 */
export function validateBatch(body, isKnownWriteKey) {
  if (!isObject(body))
    return { problem: { status: 400, error: 'invalid_body', detail: 'the body must be a JSON object' } };
  const { writeKey, batch, sentAt } = /** @type {Message} */ (body);
  if (writeKey === undefined)
    return { problem: { status: 400, error: 'missing_field', detail: 'writeKey is missing' } };
  if (typeof writeKey != 'string')
    return { problem: { status: 400, error: 'invalid_field', detail: 'writeKey must be a string' } };
  if (!isKnownWriteKey(writeKey))
    return { problem: { status: 401, error: 'unknown_write_key', detail: 'writeKey is not a known site id' } };
  if (batch === undefined) return { problem: { status: 400, error: 'missing_field', detail: 'batch is missing' } };
  if (!Array.isArray(batch))
    return { problem: { status: 400, error: 'invalid_field', detail: 'batch must be an array' } };
  if (batch.length == 0) return { problem: { status: 400, error: 'invalid_field', detail: 'batch is empty' } };

  /** @type {{ index: number, message: Message }[]} */
  const valid = [];
  /** @type {Rejection[]} */
  const rejected = [];
  batch.forEach((message, index) => {
    const reason = findProblem(message, `batch[${index}]`);
    if (!reason) return void valid.push({ index, message });
    const messageId = isObject(message) && typeof message.messageId == 'string' ? message.messageId : null;
    rejected.push({ index, messageId, ...reason });
  });
  return { problem: null, writeKey, sentAt, valid, rejected };
}

/**
 * @param {unknown} message
 * @param {string} at the field path used in `detail`, e.g. "batch[2]"
 * @returns {{ error: string, detail: string } | null}
 */
function findProblem(message, at) {
  if (!isObject(message)) return { error: 'invalid_message', detail: `${at} must be an object` };
  const m = /** @type {Message} */ (message);
  const bytes = Buffer.byteLength(JSON.stringify(m));
  if (bytes > MAX_MESSAGE_BYTES)
    return { error: 'message_too_large', detail: `${at} is ${bytes} bytes of JSON; the limit is ${MAX_MESSAGE_BYTES}` };
  for (const field of ['type', 'messageId', 'timestamp']) {
    if (m[field] === undefined || m[field] === null)
      return { error: 'missing_field', detail: `${at}.${field} is missing` };
  }
  if (typeof m.type != 'string' || !TYPES.has(m.type))
    return { error: 'unknown_type', detail: `${at}.type must be one of track, identify, page` };
  if (!isId(m.messageId))
    return { error: 'invalid_field', detail: `${at}.messageId must be a string of 1 to ${MAX_ID_CHARS} characters` };
  if (!isIsoTime(m.timestamp))
    return { error: 'invalid_field', detail: `${at}.timestamp must be an ISO-8601 date between 1970 and 9999` };
  if (m.anonymousId === undefined && m.userId === undefined)
    return { error: 'missing_field', detail: `${at}.anonymousId or ${at}.userId is missing` };
  for (const field of ['anonymousId', 'userId']) {
    if (m[field] !== undefined && !isId(m[field]))
      return { error: 'invalid_field', detail: `${at}.${field} must be a string of 1 to ${MAX_ID_CHARS} characters` };
  }
  if (m.type == 'track') {
    if (typeof m.event != 'string' || m.event.length == 0)
      return { error: 'missing_field', detail: `${at}.event is missing` };
    if (Buffer.byteLength(m.event) > MAX_EVENT_BYTES)
      return { error: 'invalid_field', detail: `${at}.event is longer than ${MAX_EVENT_BYTES} bytes` };
  }
  if (m.name !== undefined && typeof m.name != 'string')
    return { error: 'invalid_field', detail: `${at}.name must be a string` };
  for (const field of ['properties', 'traits', 'context']) {
    if (m[field] !== undefined && !isObject(m[field]))
      return { error: 'invalid_field', detail: `${at}.${field} must be an object` };
  }
  return null;
}
