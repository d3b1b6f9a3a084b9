// Schema version 2: people as rows of their own, with their attributes, the event names seen,
// and saved segments, so that segments are answered from an index and small tables instead of a
// pass over every message (docs/collector.md, "Segments at a million events").
//
// Each message keeps the person it belongs to (`person_id`: its userId, else the userId its
// anonymousId is linked to, else that anonymousId). store/summaries.mjs fills it, and the
// tables below, once per stored batch; the trigger on `identities` moves an anonymous visitor's
// messages, summary and attributes to the person they turn out to be.

/** @typedef {import('better-sqlite3').Database} Database */

/**
 * A trait's value as a time in ms, for before/after: a number is unix seconds (Customer.io's
 * `created_at`, docs.customer.io/journeys/segmentation-and-timestamp-rules), a string of digits
 * the same (form-encoded Track API calls send every value as text), a string starting with a
 * date an ISO 8601 time; anything else has no time. `v` and `t` are json_each's value and type.
 * @param {string} v
 * @param {string} t
 */
export const timeOfValue = (v, t) => `CASE
    WHEN ${t} IN ('integer', 'real') THEN CAST(${v} * 1000 AS INTEGER)
    WHEN ${t} = 'text' AND ${v} GLOB '[0-9]*' AND NOT ${v} GLOB '*[^0-9]*' AND length(${v}) <= 12 THEN CAST(${v} AS INTEGER) * 1000
    WHEN ${t} = 'text' AND ${v} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN CAST(unixepoch(${v}, 'subsec') * 1000 AS INTEGER)
  END`;

const SCHEMA_V2 = `
ALTER TABLE messages ADD COLUMN person_id TEXT; -- who it belongs to; NULL for an event with neither id
-- The view's person is now the stored one (the same value, without a second column of that name).
DROP VIEW attributed;
CREATE VIEW attributed AS
  SELECT m.*, COALESCE(m.user_id, i.user_id) AS person_user_id
  FROM messages m LEFT JOIN identities i ON i.site_id = m.site_id AND i.anonymous_id = m.anonymous_id;
-- What a segment matches a message by: a track's event name, a page view's URL (the library's
-- properties.url; the Track API names a page view by its URL). Computed when read or indexed.
ALTER TABLE messages ADD COLUMN event_key TEXT GENERATED ALWAYS AS
  (CASE type WHEN 'page' THEN COALESCE(json_extract(raw, '$.properties.url'), name) ELSE name END) VIRTUAL;
-- Segments on events and page views: one person's messages of one name (or URL) in one time
-- window are one range of this index, reached by a seek per person. Ordered by person, so the
-- batch a browser sends (one person) dirties a page or two of it, not one page per message; it
-- serves a person's timeline too, which is why messages_by_user_id goes.
CREATE INDEX messages_by_person ON messages (site_id, person_id, type, event_key, timestamp_ms)
  WHERE person_id IS NOT NULL;
DROP INDEX IF EXISTS messages_by_user_id; -- absent where the ingest work (one unique index only) made the database

CREATE TABLE people (
  site_id TEXT NOT NULL,
  id TEXT NOT NULL,               -- the userId, or the anonymousId of a visitor never identified
  user_id TEXT,                   -- NULL for an anonymous visitor
  first_ms INTEGER NOT NULL,      -- corrected time of their first and last message
  last_ms INTEGER NOT NULL,
  messages INTEGER NOT NULL,
  PRIMARY KEY (site_id, id)
) WITHOUT ROWID;
CREATE INDEX people_by_last_seen ON people (site_id, last_ms);

-- The latest value of each trait (identify) or attribute (Track API PUT) by the corrected time of
-- the message that set it; a later message with an earlier time does not overwrite it.
CREATE TABLE person_attributes (
  site_id TEXT NOT NULL,
  person_id TEXT NOT NULL,
  name TEXT NOT NULL,
  value,                          -- as json_each gives it: text, integer, real, 1/0 for true/false, JSON text for objects and arrays, NULL for null
  type TEXT NOT NULL,             -- json_type: text, integer, real, true, false, null, object, array
  time_ms INTEGER,                -- the value as a time (see timeOfValue), for before/after
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (site_id, person_id, name)
) WITHOUT ROWID;

-- How many messages of each type and name each site has had: the live view's list, and the
-- near misses a segment naming an unseen event is pointed at. name '' stands for none.
CREATE TABLE event_names (
  site_id TEXT NOT NULL,
  type TEXT NOT NULL,
  name TEXT NOT NULL,
  count INTEGER NOT NULL,
  last_ms INTEGER NOT NULL,
  PRIMARY KEY (site_id, type, name)
) WITHOUT ROWID;

CREATE TABLE saved_segments (
  id INTEGER PRIMARY KEY,
  site_id TEXT NOT NULL,
  name TEXT NOT NULL,
  definition TEXT NOT NULL,       -- the segment as JSON (docs/collector.md, "Segments")
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  UNIQUE (site_id, name)
);

-- An anonymousId linked to a userId (the first link wins, so this runs once per anonymousId):
-- the visitor's messages without a userId of their own, their summary and their attributes
-- become the person's (an attribute only where the visitor's value is the later one).
CREATE TRIGGER identities_merge_visitor AFTER INSERT ON identities BEGIN
  UPDATE messages SET person_id = NEW.user_id
    WHERE site_id = NEW.site_id AND anonymous_id = NEW.anonymous_id AND user_id IS NULL;
  INSERT INTO people (site_id, id, user_id, first_ms, last_ms, messages)
    SELECT site_id, NEW.user_id, NEW.user_id, first_ms, last_ms, messages FROM people
    WHERE site_id = NEW.site_id AND id = NEW.anonymous_id AND user_id IS NULL
    ON CONFLICT (site_id, id) DO UPDATE SET user_id = excluded.user_id,
      first_ms = MIN(first_ms, excluded.first_ms), last_ms = MAX(last_ms, excluded.last_ms),
      messages = messages + excluded.messages;
  DELETE FROM people WHERE site_id = NEW.site_id AND id = NEW.anonymous_id AND user_id IS NULL;
  INSERT INTO person_attributes (site_id, person_id, name, value, type, time_ms, updated_ms)
    SELECT site_id, NEW.user_id, name, value, type, time_ms, updated_ms FROM person_attributes
    WHERE site_id = NEW.site_id AND person_id = NEW.anonymous_id
    ON CONFLICT (site_id, person_id, name) DO UPDATE SET value = excluded.value, type = excluded.type,
      time_ms = excluded.time_ms, updated_ms = excluded.updated_ms
      WHERE excluded.updated_ms > person_attributes.updated_ms;
  DELETE FROM person_attributes WHERE site_id = NEW.site_id AND person_id = NEW.anonymous_id;
END;
`;

/** A database that already has messages: the new tables are filled from them. */
const BACKFILL_V2 = `
UPDATE messages SET person_id = COALESCE(user_id,
  (SELECT i.user_id FROM identities i WHERE i.site_id = messages.site_id AND i.anonymous_id = messages.anonymous_id),
  anonymous_id);
INSERT INTO people (site_id, id, user_id, first_ms, last_ms, messages)
  SELECT site_id, person_id, MAX(CASE WHEN user_id IS NULL AND person_id = anonymous_id THEN NULL ELSE person_id END),
    MIN(timestamp_ms), MAX(timestamp_ms), COUNT(*)
  FROM messages WHERE person_id IS NOT NULL GROUP BY site_id, person_id;
INSERT INTO event_names (site_id, type, name, count, last_ms)
  SELECT site_id, type, COALESCE(name, ''), COUNT(*), MAX(timestamp_ms) FROM messages GROUP BY 1, 2, 3;
INSERT INTO person_attributes (site_id, person_id, name, value, type, time_ms, updated_ms)
  SELECT m.site_id, m.person_id, j.key, j.value, j.type, ${timeOfValue('j.value', 'j.type')}, m.timestamp_ms
  FROM messages m, json_each(m.raw, '$.traits') j
  WHERE m.type = 'identify' AND m.person_id IS NOT NULL ORDER BY m.timestamp_ms, m.id
  ON CONFLICT (site_id, person_id, name) DO UPDATE SET value = excluded.value, type = excluded.type,
    time_ms = excluded.time_ms, updated_ms = excluded.updated_ms
    WHERE excluded.updated_ms >= person_attributes.updated_ms;
`;

/**
 * Brings a version-1 database to version 2 (migrations.mjs runs it in a transaction).
 * @param {Database} db
 */
export function addPeopleAndSegments(db) {
  db.exec(SCHEMA_V2);
  db.exec(BACKFILL_V2);
}
