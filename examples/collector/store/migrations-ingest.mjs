// Schema version 3: linking an anonymous visitor to a user seeks the visitor's messages instead
// of reading every message of the site. Version 2's trigger found them by `anonymous_id`, which no
// index leads with, so each new link scanned the site's messages: at 1,000,000 stored, a
// visitor's first message with a userId held the writer 125 ms (median of 50; 0.05 ms with this
// trigger). A visitor's messages without a userId of their own belong to them until the link
// (store/messages.mjs writes the person with the message), so they are one range of
// messages_by_person.

/** @typedef {import('better-sqlite3').Database} Database */

const SCHEMA_V3 = `
DROP TRIGGER identities_merge_visitor;
CREATE TRIGGER identities_merge_visitor AFTER INSERT ON identities BEGIN
  UPDATE messages SET person_id = NEW.user_id
    WHERE site_id = NEW.site_id AND person_id = NEW.anonymous_id AND anonymous_id = NEW.anonymous_id
      AND user_id IS NULL;
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

/**
 * Brings a version-2 database to version 3 (migrations.mjs runs it in a transaction).
 * @param {Database} db
 */
export function seekVisitorMessages(db) {
  db.exec(SCHEMA_V3);
}
