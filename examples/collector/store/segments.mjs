// The segments repository: who performed (or has not performed) an event at least `min` times
// since a moment of corrected event time, on one site.

/** @typedef {import('better-sqlite3').Database} Database */

/**
 * @typedef {object} SegmentMember
 * @property {string} id
 * @property {string | null} userId
 * @property {string[]} anonymousIds
 * @property {number} count matching events in the window
 * @property {string | null} lastAt the latest matching event
 */

/** @param {Database} db */
export function createSegments(db) {
  // One pass over everyone known: count each person's matching events in the window, then keep
  // those at or over `min` (have) or under it (have not).
  const select = db.prepare(`
    SELECT person_id, MAX(person_user_id) AS user_id,
      json_group_array(DISTINCT anonymous_id) FILTER (WHERE anonymous_id IS NOT NULL) AS anonymous_ids,
      COUNT(*) FILTER (WHERE is_match) AS count,
      MAX(timestamp_ms) FILTER (WHERE is_match) AS last_ms
    FROM (SELECT *, (type = 'track' AND name = @event AND timestamp_ms >= @fromMs) AS is_match
          FROM attributed WHERE site_id = @siteId AND person_id IS NOT NULL)
    GROUP BY person_id
    HAVING (COUNT(*) FILTER (WHERE is_match) >= @min) = @isHave
    ORDER BY last_ms DESC, person_id`);

  return {
    /**
     * @param {string} siteId
     * @param {{ event: string, fromMs: number, negate: boolean, min: number }} query
     * @returns {SegmentMember[]}
     */
    members: (siteId, { event, fromMs, negate, min }) =>
      select.all({ siteId, event, fromMs, min, isHave: negate ? 0 : 1 }).map((/** @type {any} */ row) => ({
        id: row.person_id,
        userId: row.user_id ?? null,
        anonymousIds: JSON.parse(row.anonymous_ids),
        count: row.count,
        lastAt: row.last_ms == null ? null : new Date(row.last_ms).toISOString(),
      })),
  };
}
