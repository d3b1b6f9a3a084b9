// Segments as Customer.io builds them (docs.customer.io/journeys/data-driven-segments): people
// who performed (or did not perform) an event, ever or within the last N hours or days, at least
// N times, with conditions on the event's data; who viewed a page by its URL; whose attributes
// match; in all-of / any-of groups; with or without anonymous visitors. Windows are measured in
// corrected event time and end now, so backfilled events count on their own day; no window means
// ever. A definition checked by the read API's schema (routes/read-api-segments.schema.mjs) is
// made ready here (windows and times in ms) and compiled to SQL in store/segment-sql.mjs.
import { HttpError } from './errors.mjs';

const UNIT_MS = { h: 3_600_000, d: 86_400_000 };

/**
 * @param {string} within a whole number of days or hours, e.g. 30d, 12h (checked by the schema)
 * @returns {number} the window in ms
 */
export function parseWindow(within) {
  const unit = /** @type {'d' | 'h'} */ (within.slice(-1));
  return Number(within.slice(0, -1)) * UNIT_MS[unit];
}

/** The longest string an equals condition compares with (Customer.io's attribute value limit). */
const MAX_VALUE_CHARS = 1000;

/**
 * A time a before/after condition compares with: unix seconds (the schema has made a number
 * text), or an ISO 8601 date.
 * @param {string} value
 * @param {string} field where it is, for the refusal
 * @returns {number} ms
 */
function parseTime(value, field) {
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (!Number.isFinite(ms))
    throw new HttpError(400, 'invalid_field', `${field} must be a time: unix seconds or an ISO 8601 date`);
  return ms;
}

/**
 * An equals value keeps the JSON type it was sent with (the schema does not coerce it).
 * @param {unknown} value
 * @param {string} field
 */
function checkEqualsValue(value, field) {
  const isScalar = typeof value == 'number' || typeof value == 'boolean' || typeof value == 'string';
  if (!isScalar || (typeof value == 'string' && value.length > MAX_VALUE_CHARS))
    throw new HttpError(
      400,
      'invalid_field',
      `${field} must be a string (at most ${MAX_VALUE_CHARS} characters), number or boolean`,
    );
}

/**
 * @param {{ operator: string, value?: unknown }} test
 * @param {string} path
 */
function checkValue({ operator, value }, path) {
  if (operator == 'equals' || operator == 'not_equals') checkEqualsValue(value, `${path}.value`);
}

/**
 * @typedef {object} Definition a segment as the API takes it (docs/collector.md, "Segments")
 * @property {'all' | 'any'} [match] default all
 * @property {'include' | 'exclude'} [anonymous] anonymous visitors; default include
 * @property {any[]} conditions
 */

/**
 * Makes a checked definition ready to compile: defaults filled, windows turned into the moment
 * they start, before/after values into ms.
 * @param {Definition} definition
 * @param {number} nowMs
 * @returns {import('./store/segment-sql.mjs').ReadySegment}
 */
export function readySegment(definition, nowMs) {
  /**
   * @param {any} condition
   * @param {string} path
   * @returns {import('./store/segment-sql.mjs').Condition}
   */
  const ready = (condition, path) => {
    const { kind } = condition;
    if (kind == 'group')
      return {
        kind,
        match: condition.match ?? 'all',
        conditions: condition.conditions.map((/** @type {any} */ c, /** @type {number} */ i) =>
          ready(c, `${path}.conditions.${i}`),
        ),
      };
    if (kind == 'attribute') {
      checkValue(condition, path);
      const isTime = condition.operator == 'before' || condition.operator == 'after';
      return isTime ? { ...condition, timeMs: parseTime(condition.value, `${path}.value`) } : condition;
    }
    const timing = {
      performed: condition.performed ?? true,
      min: condition.min ?? 1,
      fromMs: condition.within ? nowMs - parseWindow(condition.within) : null,
    };
    if (kind == 'page') return { kind, url: condition.url, ...timing };
    const where = condition.where ?? [];
    where.forEach((/** @type {any} */ test, /** @type {number} */ i) => checkValue(test, `${path}.where.${i}`));
    return { kind, event: condition.event, where, ...timing };
  };
  return {
    match: definition.match ?? 'all',
    anonymous: definition.anonymous ?? 'include',
    conditions: definition.conditions.map((c, i) => ready(c, `segment.conditions.${i}`)),
  };
}

/**
 * The event names a definition's conditions use, with where each is.
 * @param {Definition} definition
 * @returns {{ path: string, event: string }[]}
 */
export function eventsOf(definition) {
  /** @type {{ path: string, event: string }[]} */
  const found = [];
  const visit = (/** @type {any[]} */ conditions, /** @type {string} */ path) =>
    conditions.forEach((condition, i) => {
      if (condition.kind == 'event') found.push({ path: `${path}.${i}.event`, event: condition.event });
      if (condition.kind == 'group') visit(condition.conditions, `${path}.${i}.conditions`);
    });
  visit(definition.conditions, 'segment.conditions');
  return found;
}

/** A name without what people most often get wrong in one: case, spaces, underscores, hyphens, dots. */
const looseName = (/** @type {string} */ name) => name.toLowerCase().replace(/[\s_.-]+/g, '');

/**
 * Seen names an unseen one was probably meant to be: the same but for case, spaces, underscores,
 * hyphens or dots (Customer.io's event names are case-sensitive; the seed page warns about spaces).
 * @param {string} name
 * @param {{ name: string, count: number }[]} seen the most frequent first
 * @returns {{ name: string, count: number }[]}
 */
export function nearMisses(name, seen) {
  const loose = looseName(name);
  return seen.filter((other) => other.name != name && looseName(other.name) == loose);
}

/**
 * One sentence for a condition that names an event this site never received.
 * @param {string} event
 * @param {{ name: string, count: number }[]} misses
 */
export function describeUnseen(event, misses) {
  const unseen = `no event named ${JSON.stringify(event)} has been received (names are case-sensitive)`;
  if (!misses.length) return unseen;
  const list = misses.map(
    (m) => `${JSON.stringify(m.name)} (${m.count.toLocaleString('en-US')} event${m.count == 1 ? '' : 's'})`,
  );
  return `${unseen}; did you mean ${list.join(' or ')}?`;
}
