// The schema, as an ordered list of migrations: `PRAGMA user_version` says how many have run, so
// opening a database made by an older collector brings it up to date and a new one starts at the end.
import { addPeopleAndSegments } from './migrations-people.mjs';
import { seekVisitorMessages } from './migrations-ingest.mjs';

/** @typedef {import('better-sqlite3').Database} Database */

const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  site_id TEXT NOT NULL,          -- the site (Segment writeKey, Customer.io site id) it was sent to
  message_id TEXT NOT NULL,
  type TEXT NOT NULL,             -- track, identify or page
  name TEXT,                      -- track: event; page: name
  anonymous_id TEXT,
  user_id TEXT,
  original_timestamp TEXT NOT NULL,
  timestamp_ms INTEGER NOT NULL,  -- corrected for clock skew
  sent_at TEXT,
  received_at_ms INTEGER NOT NULL,
  skew_ms INTEGER,                -- receivedAt - sentAt; NULL when sentAt was missing
  raw TEXT NOT NULL,              -- the message, Segment-shaped (Track API calls are converted)
  UNIQUE (site_id, message_id)
);
-- No other index on messages: every index is written on every insert, and only the unique key
-- serves a query today (people and segments scan the site's rows; docs/collector.md, "Ingest
-- speed"). Indexes for reads belong beside the queries that use them.
-- The first userId seen with an anonymousId owns it: reset() makes a new anonymousId, so a
-- second userId on the same one is rare, and keeping the first keeps history stable.
CREATE TABLE IF NOT EXISTS identities (
  site_id TEXT NOT NULL,
  anonymous_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  linked_at_ms INTEGER NOT NULL,
  PRIMARY KEY (site_id, anonymous_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identities_by_user_id ON identities (site_id, user_id);
-- Who a message belongs to: its own userId, else the userId its anonymousId was linked to (on the
-- same site), else the anonymous visitor itself (person_id is then the anonymousId). A Track API
-- event sent with neither id belongs to nobody (person_id NULL).
CREATE VIEW IF NOT EXISTS attributed AS
  SELECT m.*, COALESCE(m.user_id, i.user_id) AS person_user_id,
         COALESCE(m.user_id, i.user_id, m.anonymous_id) AS person_id
  FROM messages m LEFT JOIN identities i ON i.site_id = m.site_id AND i.anonymous_id = m.anonymous_id;
`;

/**
 * A database from before sites (one `write_key` column, identities shared by every site): the
 * column becomes `site_id`, and each identity link is kept for every site its anonymousId was seen on.
 * @param {Database} db
 */
function migrateFromWriteKey(db) {
  db.exec(`
    DROP VIEW IF EXISTS attributed;
    DROP INDEX IF EXISTS messages_by_event;
    DROP INDEX IF EXISTS messages_by_anonymous_id;
    DROP INDEX IF EXISTS messages_by_user_id;
    ALTER TABLE messages RENAME COLUMN write_key TO site_id;
    ALTER TABLE identities RENAME TO identities_before_sites;`);
  db.exec(SCHEMA_V1);
  db.exec(`
    INSERT OR IGNORE INTO identities (site_id, anonymous_id, user_id, linked_at_ms)
      SELECT DISTINCT m.site_id, i.anonymous_id, i.user_id, i.linked_at_ms
      FROM identities_before_sites i JOIN messages m ON m.anonymous_id = i.anonymous_id;
    DROP TABLE identities_before_sites;`);
}

/** Each entry brings the schema from version i to i + 1. */
const MIGRATIONS = [
  /** @param {Database} db */
  (db) => {
    const columns = db.prepare("SELECT name FROM pragma_table_info('messages')").pluck().all();
    if (columns.includes('write_key')) migrateFromWriteKey(db);
    else db.exec(SCHEMA_V1);
  },
  addPeopleAndSegments,
  seekVisitorMessages,
];

/**
 * Runs the migrations this database has not had yet, each in its own transaction.
 * @param {Database} db
 */
export function migrate(db) {
  const version = /** @type {number} */ (db.pragma('user_version', { simple: true }));
  MIGRATIONS.slice(version).forEach((step, index) => {
    db.transaction(() => {
      step(db);
      db.pragma(`user_version = ${version + index + 1}`);
    })();
  });
}

/** The schema version a fully migrated database has. */
export const SCHEMA_VERSION = MIGRATIONS.length;
