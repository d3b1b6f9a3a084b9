// The checks every public call makes on its input. Each returns a problem to warn about (in
// the words of the warning), or nothing when the input is good.
import { utf8Bytes } from './outbox';
import { MAX_EVENT_NAME_BYTES, MAX_ID_BYTES, YEAR_10000_MS } from './limits';

export function checkEventName(name: unknown): string | undefined {
  if (typeof name != 'string' || !name.trim()) return 'the event name must be a non-empty string';
  // A UTF-16 unit is at most 3 bytes of UTF-8: short names need no counting (track()'s hot path).
  if (name.length * 3 > MAX_EVENT_NAME_BYTES && utf8Bytes(name) > MAX_EVENT_NAME_BYTES)
    return `the event name is over ${MAX_EVENT_NAME_BYTES} bytes`;
}

export function checkId(id: unknown): string | undefined {
  if (typeof id == 'number' ? !isFinite(id) : typeof id != 'string' || !id.trim())
    return 'id must be a non-empty string or a number';
  if (utf8Bytes(String(id)) > MAX_ID_BYTES) return `id is over ${MAX_ID_BYTES} bytes`;
}

export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v == 'object' && !Array.isArray(v);

/** `o[key]` when `o` is an object that has `key` itself: an inherited name (a page that extended Object.prototype) is not the caller's. */
export const ownValue = (o: unknown, key: string): unknown =>
  o != null && Object.keys(o).includes(key) ? (o as Record<string, unknown>)[key] : undefined;

/**
 * A backfilled time in ms, from unix seconds, a Date or an ISO string. A number above 1e11 is
 * read as milliseconds (1e11 s is the year 5138): passing Date.now() where Customer.io expects
 * seconds is a classic mistake that files events thousands of years in the future.
 */
export function parseTimestamp(t: unknown, warn: (problem: string) => void): number | undefined {
  const isMs = typeof t == 'number' && t > 1e11;
  const ms =
    typeof t == 'number' ? (isMs ? t : t * 1000) : t instanceof Date ? +t : typeof t == 'string' ? Date.parse(t) : NaN;
  // NaN, negative, or past 9999 (an ISO string then needs a six-digit year, which the Segment
  // spec's collectors refuse): microseconds passed as a timestamp land there.
  if (!(ms >= 0 && ms < YEAR_10000_MS))
    return void warn('timestamp must be unix seconds, a Date or an ISO string; the time of the call is used');
  if (isMs) warn('timestamp looks like milliseconds; it was read as such (pass unix seconds)');
  return ms;
}
