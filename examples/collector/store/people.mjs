// The people repository: everyone a site has seen (identified people and anonymous visitors not
// merged into one), a page of them at a time, found by id, anonymousId or email; one person with
// their attributes and merged timeline; and removal. Reads the summaries of store/summaries.mjs.
import { toEvent } from './messages.mjs';
import { createAttributes } from './attributes.mjs';

/** @typedef {import('better-sqlite3').Database} Database */

/**
 * @typedef {object} Person
 * @property {string} id the userId, or the anonymousId of a visitor never identified
 * @property {string | null} userId
 * @property {string[]} anonymousIds linked to the person, in the order they were linked (a visitor: their own)
 * @property {string | null} email the `email` attribute, when it is a string
 * @property {number} events all the person's messages
 * @property {string} firstAt
 * @property {string} lastAt
 */

/**
 * The columns of a person, for a query whose `people` row is `p` (segments.mjs uses them too).
 * The email and the anonymousIds are looked up per row: only for the page of people shown.
 */
export const PERSON_COLUMNS = `p.id, p.user_id, p.messages, p.first_ms, p.last_ms,
  (SELECT a.value FROM person_attributes a
    WHERE a.site_id = p.site_id AND a.person_id = p.id AND a.name = 'email' AND a.type = 'text') AS email,
  CASE WHEN p.user_id IS NULL THEN json_array(p.id) ELSE
    (SELECT json_group_array(anonymous_id) FROM (SELECT i.anonymous_id FROM identities i
      WHERE i.site_id = p.site_id AND i.user_id = p.id ORDER BY i.linked_at_ms, i.anonymous_id)) END AS anonymous_ids`;

/**
 * @param {any} row a row with PERSON_COLUMNS
 * @returns {Person}
 */
export const toPerson = (row) => ({
  id: row.id,
  userId: row.user_id ?? null,
  anonymousIds: JSON.parse(row.anonymous_ids),
  email: row.email ?? null,
  events: row.messages,
  firstAt: new Date(row.first_ms).toISOString(),
  lastAt: new Date(row.last_ms).toISOString(),
});

/** Messages of one person: one range of messages_by_person. */
const OF_PERSON = `m.site_id = @siteId AND m.person_id = @personId`;

/** @param {Database} db */
export function createPeople(db) {
  const attributes = createAttributes(db);
  // `search`, lowercased, is found in the id or the email; an exact anonymousId finds its person.
  const selectPage = db.prepare(`
    WITH found AS MATERIALIZED (
      SELECT * FROM people p WHERE p.site_id = @siteId AND (@search IS NULL
        OR instr(lower(p.id), @search) > 0
        OR p.id IN (SELECT person_id FROM person_attributes
          WHERE site_id = @siteId AND name = 'email' AND type = 'text' AND instr(lower(value), @search) > 0)
        OR p.id IN (SELECT user_id FROM identities WHERE site_id = @siteId AND anonymous_id = @exact)))
    SELECT total.count AS total, page.* FROM (SELECT COUNT(*) AS count FROM found) total
    LEFT JOIN (SELECT ${PERSON_COLUMNS} FROM found p ORDER BY p.last_ms DESC, p.id LIMIT @limit OFFSET @offset) page
    ON true`);
  const selectPerson = db.prepare(`SELECT ${PERSON_COLUMNS} FROM people p WHERE p.site_id = ? AND p.id = ?`);
  const selectTimeline = db.prepare(`
    SELECT m.*, @userId AS person_user_id FROM messages m WHERE ${OF_PERSON} ORDER BY m.timestamp_ms, m.id`);
  const selectOwner = db.prepare('SELECT user_id FROM identities WHERE site_id = ? AND anonymous_id = ?').pluck();
  const forgetNames = db.prepare(`
    UPDATE event_names SET count = event_names.count - gone.messages
    FROM (SELECT m.type, COALESCE(m.name, '') AS name, COUNT(*) AS messages FROM messages m WHERE ${OF_PERSON} GROUP BY 1, 2) gone
    WHERE event_names.site_id = @siteId AND event_names.type = gone.type AND event_names.name = gone.name`);
  const deleteUnusedNames = db.prepare('DELETE FROM event_names WHERE site_id = @siteId AND count <= 0');
  const deleteMessages = db.prepare(`DELETE FROM messages AS m WHERE ${OF_PERSON}`);
  const deleteIdentities = db.prepare('DELETE FROM identities WHERE site_id = @siteId AND user_id = @personId');
  const deleteAttributes = db.prepare(
    'DELETE FROM person_attributes WHERE site_id = @siteId AND person_id = @personId',
  );
  const deletePerson = db.prepare('DELETE FROM people WHERE site_id = @siteId AND id = @personId');
  const removeAll = db.transaction((/** @type {{ siteId: string, personId: string }} */ who) => {
    forgetNames.run(who);
    deleteUnusedNames.run(who);
    const messages = deleteMessages.run(who).changes;
    const identities = deleteIdentities.run(who).changes;
    deleteAttributes.run(who);
    deletePerson.run(who);
    return { messages, identities };
  });

  return {
    /**
     * A page of people, the most recently seen first.
     * @param {string} siteId
     * @param {{ search?: string, limit?: number, offset?: number }} [query] `search`: part of an id or email (any case), or a whole anonymousId
     * @returns {{ total: number, people: Person[] }}
     */
    list(siteId, { search, limit = 100, offset = 0 } = {}) {
      const text = search?.trim() || null;
      const rows = /** @type {any[]} */ (
        selectPage.all({ siteId, search: text?.toLowerCase() ?? null, exact: text, limit, offset })
      );
      return { total: rows[0].total, people: rows.filter((row) => row.id != null).map(toPerson) };
    },
    /**
     * A person by userId or by any of their anonymousIds, with their attributes and merged
     * timeline; null when unknown.
     * @param {string} siteId
     * @param {string} id
     */
    find(siteId, id) {
      const owner = /** @type {string | undefined} */ (selectOwner.get(siteId, id));
      const row = /** @type {any} */ (selectPerson.get(siteId, owner ?? id));
      if (!row) return null;
      const person = { ...toPerson(row), attributes: attributes.of(siteId, row.id) };
      const timeline = selectTimeline.all({ siteId, personId: row.id, userId: row.user_id }).map(toEvent);
      return { person, timeline };
    },
    /**
     * Deletes a person: their messages (those of every anonymousId linked to them included),
     * the links, their attributes and their summary.
     * @param {string} siteId
     * @param {string} userId
     * @returns {{ messages: number, identities: number }} how many rows went
     */
    remove: (siteId, userId) => removeAll({ siteId, personId: userId }),
  };
}
