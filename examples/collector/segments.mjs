// Segments: who performed (or has not performed) an event at least `min` times within a window
// of corrected event time, so backfilled events count where they belong, not when they arrived.
// "Have not" is asked of everyone the collector knows: identified people and anonymous visitors
// not yet merged into one (a visitor is a person to retarget too; `userId` is null for them).

const UNIT_MS = { h: 3_600_000, d: 86_400_000 };
const MAX_WINDOW_DAYS = 3650;

/**
 * @param {URLSearchParams} params event, within (e.g. 30d, 12h), negate (true/false), min (>= 1)
 * @returns {{ error: string, detail: string } | { error: null, event: string, within: string, windowMs: number, negate: boolean, min: number }}
 */
export function parseSegmentQuery(params) {
  const event = params.get('event');
  if (!event) return { error: 'missing_field', detail: 'event is missing' };
  if (Buffer.byteLength(event) > 100) return { error: 'invalid_field', detail: 'event is longer than 100 bytes' };
  const within = params.get('within') ?? '30d';
  const match = /^([1-9]\d{0,5})([dh])$/.exec(within);
  if (!match)
    return { error: 'invalid_field', detail: 'within must be a whole number of days or hours, e.g. 30d or 12h' };
  const windowMs = Number(match[1]) * UNIT_MS[/** @type {'d' | 'h'} */ (match[2])];
  if (windowMs > MAX_WINDOW_DAYS * UNIT_MS.d)
    return { error: 'invalid_field', detail: `within must be at most ${MAX_WINDOW_DAYS}d` };
  const negateText = params.get('negate') ?? 'false';
  if (negateText != 'true' && negateText != 'false')
    return { error: 'invalid_field', detail: 'negate must be true or false' };
  const minText = params.get('min') ?? '1';
  if (!/^[1-9]\d{0,5}$/.test(minText))
    return { error: 'invalid_field', detail: 'min must be a whole number from 1 to 999999' };
  return { error: null, event, within, windowMs, negate: negateText == 'true', min: Number(minText) };
}

/**
 * @param {any} db a better-sqlite3 Database
 * @returns {(query: { event: string, windowMs: number, negate: boolean, min: number }, nowMs: number) =>
 *   { id: string, userId: string | null, anonymousIds: string[], count: number, lastAt: string | null }[]}
 */
export function createSegmentQuery(db) {
  // One pass over everyone known: count each person's matching events in the window, then keep
  // those at or over `min` (have) or under it (have not).
  const select = db.prepare(`
    SELECT person_id, MAX(person_user_id) AS user_id,
      json_group_array(DISTINCT anonymous_id) FILTER (WHERE anonymous_id IS NOT NULL) AS anonymous_ids,
      COUNT(*) FILTER (WHERE is_match) AS count,
      MAX(timestamp_ms) FILTER (WHERE is_match) AS last_ms
    FROM (SELECT *, (type = 'track' AND name = @event AND timestamp_ms >= @fromMs) AS is_match FROM attributed)
    GROUP BY person_id
    HAVING (COUNT(*) FILTER (WHERE is_match) >= @min) = @isHave
    ORDER BY last_ms DESC, person_id`);
  return ({ event, windowMs, negate, min }, nowMs) =>
    select.all({ event, fromMs: nowMs - windowMs, min, isHave: negate ? 0 : 1 }).map((/** @type {any} */ row) => ({
      id: row.person_id,
      userId: row.user_id ?? null,
      anonymousIds: JSON.parse(row.anonymous_ids),
      count: row.count,
      lastAt: row.last_ms == null ? null : new Date(row.last_ms).toISOString(),
    }));
}
