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

/**
 * A newly stored message and the person it belongs to once its transaction's identity links are
 * made (what store/summaries.mjs counts).
 * @typedef {{ id: number, row: MessageRow, personId: string | null }} StoredMessage
 */

/** @param {Database} db */
export function createMessages(db) {
  // The person is set as the row is written: its userId, else the userId its anonymousId is
  // linked to, else that anonymousId (NULL with neither). A link made later in the same
  // transaction moves the row (the trigger on identities) and `insertAll` below.
  const insertMessage = db.prepare(`
    INSERT INTO messages (site_id, message_id, type, name, anonymous_id, user_id,
      original_timestamp, timestamp_ms, sent_at, received_at_ms, skew_ms, raw, person_id)
    VALUES (@siteId, @messageId, @type, @name, @anonymousId, @userId,
      @originalTimestamp, @timestampMs, @sentAt, @receivedAtMs, @skewMs, @raw, COALESCE(@userId,
        (SELECT i.user_id FROM identities i WHERE i.site_id = @siteId AND i.anonymous_id = @anonymousId), @anonymousId))
    ON CONFLICT (site_id, message_id) DO NOTHING
    RETURNING id, person_id`);
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

  /** Call inside a transaction (store/index.mjs): commits, not rows, are what ingest pays for. */
  const insertAll = (/** @type {MessageRow[][]} */ batches) => {
    /** @type {Map<string, string>} site and anonymousId → userId, for the links made here */
    const linked = new Map();
    const results = batches.map((rows) => {
      /** @type {StoredMessage[]} */
      const stored = [];
      for (const row of rows) {
        if (row.userId && row.anonymousId) {
          const { changes } = linkIdentity.run(row.siteId, row.anonymousId, row.userId, row.receivedAtMs);
          if (changes) linked.set(`${row.siteId}\n${row.anonymousId}`, row.userId);
        }
        const inserted = /** @type {{ id: number, person_id: string | null } | undefined} */ (insertMessage.get(row));
        if (inserted) stored.push({ id: inserted.id, row, personId: inserted.person_id });
      }
      return { ids: stored.map((message) => message.id), duplicates: rows.length - stored.length, stored };
    });
    // A visitor linked after some of their messages here were written: those are the person's now.
    if (linked.size)
      for (const { stored } of results)
        for (const message of stored)
          if (message.row.userId == null && message.row.anonymousId != null)
            message.personId = linked.get(`${message.row.siteId}\n${message.row.anonymousId}`) ?? message.personId;
    return results;
  };

  return {
    /**
     * Stores batches of rows (call inside a transaction), each row not stored before (by site
     * and messageId); links each anonymousId seen with a userId to that user.
     * @param {MessageRow[][]} batches
     * @returns {{ ids: number[], duplicates: number, stored: StoredMessage[] }[]} per batch: the
     *   new rows' ids, how many were already stored, and the new rows with their person
     */
    insert: insertAll,
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
