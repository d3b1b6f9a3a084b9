// SQLite storage: every accepted message once per (writeKey, messageId), with its original and
// corrected times, and the anonymousId → userId links that merge a browser's history into a person.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  write_key TEXT NOT NULL,
  message_id TEXT NOT NULL,
  type TEXT NOT NULL,
  name TEXT,                      -- track: event; page: name
  anonymous_id TEXT,
  user_id TEXT,
  original_timestamp TEXT NOT NULL,
  timestamp_ms INTEGER NOT NULL,  -- corrected for clock skew
  sent_at TEXT,
  received_at_ms INTEGER NOT NULL,
  skew_ms INTEGER,                -- receivedAt - sentAt; NULL when sentAt was missing
  raw TEXT NOT NULL,
  UNIQUE (write_key, message_id)
);
CREATE INDEX IF NOT EXISTS messages_by_event ON messages (type, name, timestamp_ms);
CREATE INDEX IF NOT EXISTS messages_by_anonymous_id ON messages (anonymous_id);
CREATE INDEX IF NOT EXISTS messages_by_user_id ON messages (user_id);
-- The first userId seen with an anonymousId owns it: reset() makes a new anonymousId, so a
-- second userId on the same one is rare, and keeping the first keeps history stable.
CREATE TABLE IF NOT EXISTS identities (
  anonymous_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  linked_at_ms INTEGER NOT NULL
);
-- Who a message belongs to: its own userId, else the userId its anonymousId was linked to,
-- else the anonymous visitor itself (person_id is then the anonymousId).
CREATE VIEW IF NOT EXISTS attributed AS
  SELECT m.*, COALESCE(m.user_id, i.user_id) AS person_user_id,
         COALESCE(m.user_id, i.user_id, m.anonymous_id) AS person_id
  FROM messages m LEFT JOIN identities i ON i.anonymous_id = m.anonymous_id;
`;

/** @typedef {ReturnType<typeof toEvent>} StoredEvent */

/** @param {any} row a row of `attributed` */
export function toEvent(row) {
  return {
    id: row.id,
    writeKey: row.write_key,
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

/** @param {any} row a row grouped by person */
const toPerson = (row) => ({
  id: row.person_id,
  userId: row.person_user_id ?? null,
  anonymousIds: JSON.parse(row.anonymous_ids),
  events: row.events,
  firstAt: new Date(row.first_ms).toISOString(),
  lastAt: new Date(row.last_ms).toISOString(),
});

const PEOPLE_SQL = `
  SELECT person_id, MAX(person_user_id) AS person_user_id, COUNT(*) AS events,
         json_group_array(DISTINCT anonymous_id) FILTER (WHERE anonymous_id IS NOT NULL) AS anonymous_ids,
         MIN(timestamp_ms) AS first_ms, MAX(timestamp_ms) AS last_ms
  FROM attributed`;

/** @param {string} dbPath a file path (its folder is created) */
export function createStore(dbPath) {
  mkdirSync(dirname(dbPath), { recursive: true });
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);

  const insertMessage = db.prepare(`
    INSERT OR IGNORE INTO messages (write_key, message_id, type, name, anonymous_id, user_id,
      original_timestamp, timestamp_ms, sent_at, received_at_ms, skew_ms, raw)
    VALUES (@writeKey, @messageId, @type, @name, @anonymousId, @userId,
      @originalTimestamp, @timestampMs, @sentAt, @receivedAtMs, @skewMs, @raw)`);
  const linkIdentity = db.prepare(
    'INSERT OR IGNORE INTO identities (anonymous_id, user_id, linked_at_ms) VALUES (?, ?, ?)',
  );
  const selectEvent = db.prepare('SELECT * FROM attributed WHERE id = ?');
  const selectRecent = db.prepare('SELECT * FROM attributed ORDER BY id DESC LIMIT ?');
  const selectPeople = db.prepare(`${PEOPLE_SQL} GROUP BY person_id ORDER BY last_ms DESC`);
  const selectPerson = db.prepare(`${PEOPLE_SQL} WHERE person_id = ? GROUP BY person_id`);
  const selectTimeline = db.prepare('SELECT * FROM attributed WHERE person_id = ? ORDER BY timestamp_ms, id');
  const selectOwner = db.prepare('SELECT user_id FROM identities WHERE anonymous_id = ?');
  const selectPerMinute = db.prepare(`
    SELECT timestamp_ms / 60000 AS minute, COUNT(*) AS count FROM messages
    WHERE timestamp_ms >= ? AND timestamp_ms < ? GROUP BY minute ORDER BY minute`);

  /** @type {(rows: any[]) => { stored: StoredEvent[], duplicates: number }} */
  const insertAll = db.transaction((/** @type {any[]} */ rows) => {
    /** @type {StoredEvent[]} */
    const stored = [];
    for (const row of rows) {
      if (row.userId && row.anonymousId) linkIdentity.run(row.anonymousId, row.userId, row.receivedAtMs);
      const { changes, lastInsertRowid } = insertMessage.run(row);
      if (changes) stored.push(toEvent(selectEvent.get(lastInsertRowid)));
    }
    return { stored, duplicates: rows.length - stored.length };
  });

  return {
    db,
    /**
     * Stores rows (see insertMessage's named parameters); returns the newly stored events.
     * @param {Record<string, unknown>[]} rows
     */
    insert: (rows) => insertAll(rows),
    /** @param {number} limit */
    recentEvents: (limit) => selectRecent.all(limit).map(toEvent),
    people: () => selectPeople.all().map(toPerson),
    /**
     * A person by userId or by any of their anonymousIds, with their merged timeline.
     * @param {string} id
     */
    person(id) {
      const owner = /** @type {{ user_id: string } | undefined} */ (selectOwner.get(id));
      const personId = owner ? owner.user_id : id;
      const row = selectPerson.get(personId);
      if (!row) return null;
      return { person: toPerson(row), timeline: selectTimeline.all(personId).map(toEvent) };
    },
    /**
     * Messages per minute of corrected time, for the chart.
     * @param {number} fromMs
     * @param {number} toMs
     * @returns {{ minute: number, count: number }[]}
     */
    perMinute: (fromMs, toMs) => /** @type {any[]} */ (selectPerMinute.all(fromMs, toMs)),
    close: () => db.close(),
  };
}
