// Clock-skew correction as Segment does it: the client's clock may be off, but the distance
// between when a message was made (`timestamp`) and when its request was built (`sentAt`) was
// measured on that same clock, so it survives: timestamp = receivedAt - (sentAt - originalTimestamp).
// Backfilled events keep their distance from sentAt, so they land where they belong.
import { YEAR_10000_MS } from '../../../src/limits.js';

/** Times from 1970 to 9999: what the store and the APIs (ISO strings) can carry. */
export const isStorableTime = (/** @type {number} */ ms) => ms >= 0 && ms < YEAR_10000_MS;

/**
 * @param {string} originalTimestamp the message's own ISO time (already validated)
 * @param {unknown} sentAt the request's (or message's) ISO sentAt, if any
 * @param {number} receivedAtMs the server's clock
 * @returns {{ timestampMs: number, skewMs: number | null }} corrected time; skew is null when
 *   sentAt is missing or invalid, and then the time is not corrected
 */
export function correctTimestamp(originalTimestamp, sentAt, receivedAtMs) {
  const originalMs = Date.parse(originalTimestamp);
  const sentAtMs = typeof sentAt == 'string' ? Date.parse(sentAt) : NaN;
  if (!isStorableTime(sentAtMs)) return { timestampMs: originalMs, skewMs: null };
  const skewMs = receivedAtMs - sentAtMs;
  // A sentAt far from both clocks would push the time out of what a Date can print: keep the original.
  if (!isStorableTime(originalMs + skewMs)) return { timestampMs: originalMs, skewMs: null };
  return { timestampMs: originalMs + skewMs, skewMs };
}
