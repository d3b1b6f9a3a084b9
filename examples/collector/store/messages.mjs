// The messages repository: storing each message once per (site, messageId), and reading recent
// events and per-minute counts of one site.

/** @typedef {import('better-sqlite3').Database} Database */

/**
 * A row ready to store: what ingest/rows.mjs makes of a message.
 * @typedef {object} MessageRow
 * @property {string} siteId
 * @property {string} messageId
 * @property {'track' | 'identify' | 'page'} type
 * @property {string | null} name
 * @property {string | null} anonymousId
 * @property {string | null} userId
 * @property {string} originalTimestamp
 * @property {number} timestampMs corrected for clock skew
 * @property {string | null} sentAt
 * @property {number} receivedAtMs
 * @property {number | null} skewMs
 * @property {string} raw the message as JSON
 */

/**
 * An event as the read API answers it.
 * @typedef {object} StoredEvent
 * @property {number} id
 * @property {string} writeKey the site it was sent to
 * @property {string} messageId
 * @property {string} type
 * @property {string | null} name
 * @property {{ id: string | null, userId: string | null, anonymousId: string | null }} person
 * @property {string} timestamp corrected, ISO
 * @property {string} originalTimestamp
 * @property {string | null} sentAt
 * @property {string} receivedAt
 * @property {number | null} skewMs
 * @property {unknown} raw
 */

/**
 * @param {any} row a row of the `attributed` view
 * @returns {StoredEvent}
 */
export function toEvent(row) {
  return {
    id: row.id,
    writeKey: row.site_id,
    messageId: row.message_id,
    type: row.type,
    name: row.name,
    person: { id: row.person_id, userId: row.person_user_id ?? null, anonymousId: row.anonymous_id },
    timestamp: new Date(row.timestamp_ms).toISOString(),
    originalTimestamp: row.original_timestamp,
    sentAt: row.sent_at,
    receivedAt: new Date(row.received_at_ms).toISOString(),
    skewMs: row.skew_ms,
    raw: JSON.parse(row.raw),
  };
}

/** @param {Database} db */
export function createMessages(db) {
  const insertMessage = db.prepare(`
    INSERT INTO messages (site_id, message_id, type, name, anonymous_id, user_id,
      original_timestamp, timestamp_ms, sent_at, received_at_ms, skew_ms, raw)
    VALUES (@siteId, @messageId, @type, @name, @anonymousId, @userId,
      @originalTimestamp, @timestampMs, @sentAt, @receivedAtMs, @skewMs, @raw)
    ON CONFLICT (site_id, message_id) DO NOTHING`);
  const linkIdentity = db.prepare(`
    INSERT INTO identities (site_id, anonymous_id, user_id, linked_at_ms) VALUES (?, ?, ?, ?)
    ON CONFLICT (site_id, anonymous_id) DO NOTHING`);
  const selectByIds = db.prepare(
    'SELECT * FROM attributed WHERE site_id = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY id',
  );
  const selectRecent = db.prepare('SELECT * FROM attributed WHERE site_id = ? ORDER BY id DESC LIMIT ?');
  const selectPerMinute = db.prepare(`
    SELECT timestamp_ms / 60000 AS minute, COUNT(*) AS count FROM messages
    WHERE site_id = ? AND timestamp_ms >= ? AND timestamp_ms < ? GROUP BY minute ORDER BY minute`);

  /** One transaction per call, for every batch in it: commits, not rows, are what ingest pays for. */
  const insertAll = db.transaction((/** @type {MessageRow[][]} */ batches) =>
    batches.map((rows) => {
      /** @type {number[]} */
      const ids = [];
      for (const row of rows) {
        if (row.userId && row.anonymousId) linkIdentity.run(row.siteId, row.anonymousId, row.userId, row.receivedAtMs);
        const { changes, lastInsertRowid } = insertMessage.run(row);
        if (changes) ids.push(Number(lastInsertRowid));
      }
      return { ids, duplicates: rows.length - ids.length };
    }),
  );

  return {
    /**
     * Stores batches of rows in one transaction, each row not stored before (by site and
     * messageId); links each anonymousId seen with a userId to that user.
     * @param {MessageRow[][]} batches
     * @returns {{ ids: number[], duplicates: number }[]} per batch: the new rows' ids, and how many were already stored
     */
    insert: (batches) => insertAll(batches),
    /**
     * @param {string} siteId
     * @param {number[]} ids
     */
    byIds: (siteId, ids) => selectByIds.all(siteId, JSON.stringify(ids)).map(toEvent),
    /**
     * The newest first.
     * @param {string} siteId
     * @param {number} limit
     */
    recent: (siteId, limit) => selectRecent.all(siteId, limit).map(toEvent),
    /**
     * Messages per minute of corrected time, for the chart.
     * @param {string} siteId
     * @param {number} fromMs
     * @param {number} toMs
     * @returns {{ minute: number, count: number }[]}
     */
    perMinute: (siteId, fromMs, toMs) => /** @type {any[]} */ (selectPerMinute.all(siteId, fromMs, toMs)),
  };
}
