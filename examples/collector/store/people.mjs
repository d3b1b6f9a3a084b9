// The people repository: who a message belongs to (its userId, else the userId its anonymousId
// was linked to, else the anonymous visitor), people with their merged timelines, and removal.
import { toEvent } from './messages.mjs';

/** @typedef {import('better-sqlite3').Database} Database */

/**
 * @typedef {object} Person
 * @property {string} id the userId, or the anonymousId of a visitor never identified
 * @property {string | null} userId
 * @property {string[]} anonymousIds
 * @property {number} events all the person's messages
 * @property {string} firstAt
 * @property {string} lastAt
 */

/**
 * @param {any} row a row grouped by person
 * @returns {Person}
 */
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

/** @param {Database} db */
export function createPeople(db) {
  const selectPeople = db.prepare(
    `${PEOPLE_SQL} WHERE site_id = ? AND person_id IS NOT NULL GROUP BY person_id ORDER BY last_ms DESC`,
  );
  const selectPerson = db.prepare(`${PEOPLE_SQL} WHERE site_id = ? AND person_id = ? GROUP BY person_id`);
  const selectTimeline = db.prepare(
    'SELECT * FROM attributed WHERE site_id = ? AND person_id = ? ORDER BY timestamp_ms, id',
  );
  const selectOwner = db.prepare('SELECT user_id FROM identities WHERE site_id = ? AND anonymous_id = ?').pluck();
  const deleteMessages = db.prepare(`
    DELETE FROM messages WHERE site_id = @siteId AND (user_id = @userId OR anonymous_id IN
      (SELECT anonymous_id FROM identities WHERE site_id = @siteId AND user_id = @userId))`);
  const deleteIdentities = db.prepare('DELETE FROM identities WHERE site_id = @siteId AND user_id = @userId');
  const removeAll = db.transaction((/** @type {{ siteId: string, userId: string }} */ who) => {
    const messages = deleteMessages.run(who).changes;
    const identities = deleteIdentities.run(who).changes;
    return { messages, identities };
  });

  return {
    /** @param {string} siteId */
    list: (siteId) => selectPeople.all(siteId).map(toPerson),
    /**
     * A person by userId or by any of their anonymousIds, with their merged timeline; null when unknown.
     * @param {string} siteId
     * @param {string} id
     */
    find(siteId, id) {
      const owner = /** @type {string | undefined} */ (selectOwner.get(siteId, id));
      const personId = owner ?? id;
      const row = selectPerson.get(siteId, personId);
      if (!row) return null;
      return { person: toPerson(row), timeline: selectTimeline.all(siteId, personId).map(toEvent) };
    },
    /**
     * Deletes a person: their messages, those of every anonymousId linked to them, and the links.
     * @param {string} siteId
     * @param {string} userId
     * @returns {{ messages: number, identities: number }} how many rows went
     */
    remove: (siteId, userId) => removeAll({ siteId, userId }),
  };
}
