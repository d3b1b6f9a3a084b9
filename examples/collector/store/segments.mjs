// The segments repository: who is in a segment (a count and a page of people, from the SQL of
// segment-sql.mjs), who performed one event in a window with their counts (the GET query), and
// the event names a site has seen.
import { compileSegment } from './segment-sql.mjs';
import { PERSON_COLUMNS, toPerson } from './people.mjs';

/** @typedef {import('better-sqlite3').Database} Database */

/**
 * @typedef {object} EventMember someone in a one-event segment
 * @property {string} id
 * @property {string | null} userId
 * @property {string[]} anonymousIds
 * @property {number} count matching events in the window
 * @property {string | null} lastAt the latest of them
 */

/** Prepared statements kept per SQL text: the same segment asked again is not compiled again. */
const MAX_CACHED_STATEMENTS = 100;

/** @param {Database} db */
export function createSegments(db) {
  /** @type {Map<string, import('better-sqlite3').Statement>} */
  const statements = new Map();
  const prepare = (/** @type {string} */ sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      if (statements.size >= MAX_CACHED_STATEMENTS)
        statements.delete(/** @type {string} */ (statements.keys().next().value));
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };

  // Count each person's matching events in the window (one range of messages_by_person), then
  // keep those at or over `min` (have) or under it (have not) among everyone the site knows.
  const matching = `FROM messages m WHERE m.site_id = p.site_id AND m.person_id = p.id
    AND m.type = 'track' AND m.event_key = @event AND m.timestamp_ms >= @fromMs`;
  const selectOneEvent = db.prepare(`
    SELECT * FROM (
      SELECT ${PERSON_COLUMNS}, (SELECT COUNT(*) ${matching}) AS count, (SELECT MAX(m.timestamp_ms) ${matching}) AS match_ms
      FROM people p WHERE p.site_id = @siteId AND (@withAnonymous OR p.user_id IS NOT NULL))
    WHERE (count >= @min) = @isHave
    ORDER BY match_ms DESC, id`);
  const selectEventNames = db.prepare(`
    SELECT name, count, last_ms FROM event_names WHERE site_id = ? AND type = ? ORDER BY count DESC, name`);
  const selectEventCount = db
    .prepare(`SELECT count FROM event_names WHERE site_id = ? AND type = 'track' AND name = ?`)
    .pluck();

  return {
    /**
     * The people in a segment: how many, and one page of them, the most recently seen first.
     * @param {string} siteId
     * @param {import('./segment-sql.mjs').ReadySegment} segment
     * @param {{ limit: number, offset: number }} page
     * @returns {{ total: number, people: import('./people.mjs').Person[] }}
     */
    members(siteId, segment, { limit, offset }) {
      const { where, params } = compileSegment(segment);
      const sql = `
        WITH members AS MATERIALIZED (SELECT p.* FROM people p WHERE p.site_id = @siteId AND ${where})
        SELECT total.count AS total, page.* FROM (SELECT COUNT(*) AS count FROM members) total
        LEFT JOIN (SELECT ${PERSON_COLUMNS} FROM members p ORDER BY p.last_ms DESC, p.id LIMIT @limit OFFSET @offset) page
        ON true`;
      const rows = /** @type {any[]} */ (prepare(sql).all({ ...params, siteId, limit, offset }));
      return { total: rows[0].total, people: rows.filter((row) => row.id != null).map(toPerson) };
    },
    /**
     * How many people are in a segment.
     * @param {string} siteId
     * @param {import('./segment-sql.mjs').ReadySegment} segment
     */
    count(siteId, segment) {
      const { where, params } = compileSegment(segment);
      const sql = `SELECT COUNT(*) FROM people p WHERE p.site_id = @siteId AND ${where}`;
      return /** @type {number} */ (
        prepare(sql)
          .pluck()
          .get({ ...params, siteId })
      );
    },
    /**
     * Who performed (or has not performed) an event at least `min` times since `fromMs`, with
     * their counts; everyone, not a page.
     * @param {string} siteId
     * @param {{ event: string, fromMs: number, negate: boolean, min: number, withAnonymous: boolean }} query
     * @returns {EventMember[]}
     */
    withEvent: (siteId, { event, fromMs, negate, min, withAnonymous }) =>
      selectOneEvent
        .all({ siteId, event, fromMs, min, isHave: negate ? 0 : 1, withAnonymous: withAnonymous ? 1 : 0 })
        .map((/** @type {any} */ row) => ({
          id: row.id,
          userId: row.user_id ?? null,
          anonymousIds: JSON.parse(row.anonymous_ids),
          count: row.count,
          lastAt: row.match_ms == null ? null : new Date(row.match_ms).toISOString(),
        })),
    /**
     * The names of a type of message a site has seen, the most frequent first.
     * @param {string} siteId
     * @param {'track' | 'page'} type
     * @returns {{ name: string, count: number, lastAt: string }[]}
     */
    names: (siteId, type) =>
      selectEventNames.all(siteId, type).map((/** @type {any} */ row) => ({
        name: row.name,
        count: row.count,
        lastAt: new Date(row.last_ms).toISOString(),
      })),
    /**
     * How many `track` events of this name the site has (0 when never seen).
     * @param {string} siteId
     * @param {string} name
     */
    eventCount: (siteId, name) => /** @type {number | undefined} */ (selectEventCount.get(siteId, name)) ?? 0,
  };
}
