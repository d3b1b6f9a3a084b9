// Segments: who performed (or has not performed) an event at least `min` times within a window
// of corrected event time, so backfilled events count where they belong, not when they arrived.
// "Have not" is asked of everyone the collector knows on the site: identified people and
// anonymous visitors not yet merged into one (a visitor is a person to retarget too). The SQL is
// in store/segments.mjs; the query's shape is checked by the read API's schema.
import { HttpError } from './errors.mjs';

const UNIT_MS = { h: 3_600_000, d: 86_400_000 };
export const MAX_WINDOW_DAYS = 3650;

/**
 * @param {string} within a whole number of days or hours, e.g. 30d, 12h (checked by the schema)
 * @returns {number} the window in ms
 */
export function parseWindow(within) {
  const unit = /** @type {'d' | 'h'} */ (within.slice(-1));
  const windowMs = Number(within.slice(0, -1)) * UNIT_MS[unit];
  if (windowMs > MAX_WINDOW_DAYS * UNIT_MS.d)
    throw new HttpError(400, 'invalid_field', `within must be at most ${MAX_WINDOW_DAYS}d`);
  return windowMs;
}
