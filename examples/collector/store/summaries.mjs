// What segments read instead of every message, kept up to date once per stored batch (not per
// message: a batch of 20 from one browser is one person and a few names, so one statement each):
// the person each new message belongs to, the people table, the event names seen, and the latest
// traits of each person. Runs inside the transaction that stored the batch (store/index.mjs), so
// a crash never leaves a message without its summary.
import { timeOfValue } from './migrations-people.mjs';

/** @typedef {import('better-sqlite3').Database} Database */

const NEW_ROWS = 'SELECT value FROM json_each(@ids)';

/** @param {Database} db */
export function createSummaries(db) {
  const setPerson = db.prepare(`
    UPDATE messages SET person_id = COALESCE(user_id,
      (SELECT i.user_id FROM identities i WHERE i.site_id = messages.site_id AND i.anonymous_id = messages.anonymous_id),
      anonymous_id)
    WHERE id IN (${NEW_ROWS})`);
  // A message's person is identified unless it is its own anonymousId without a userId.
  const addPeople = db.prepare(`
    INSERT INTO people (site_id, id, user_id, first_ms, last_ms, messages)
      SELECT site_id, person_id, MAX(CASE WHEN user_id IS NULL AND person_id = anonymous_id THEN NULL ELSE person_id END),
        MIN(timestamp_ms), MAX(timestamp_ms), COUNT(*)
      FROM messages WHERE id IN (${NEW_ROWS}) AND person_id IS NOT NULL GROUP BY site_id, person_id
    ON CONFLICT (site_id, id) DO UPDATE SET user_id = COALESCE(people.user_id, excluded.user_id),
      first_ms = MIN(first_ms, excluded.first_ms), last_ms = MAX(last_ms, excluded.last_ms),
      messages = messages + excluded.messages`);
  const addNames = db.prepare(`
    INSERT INTO event_names (site_id, type, name, count, last_ms)
      SELECT site_id, type, COALESCE(name, ''), COUNT(*), MAX(timestamp_ms)
      FROM messages WHERE id IN (${NEW_ROWS}) GROUP BY 1, 2, 3
    ON CONFLICT (site_id, type, name) DO UPDATE SET count = count + excluded.count,
      last_ms = MAX(last_ms, excluded.last_ms)`);
  // In time order, so within a batch too the latest value wins; a tie goes to the later arrival.
  const addAttributes = db.prepare(`
    INSERT INTO person_attributes (site_id, person_id, name, value, type, time_ms, updated_ms)
      SELECT m.site_id, m.person_id, j.key, j.value, j.type, ${timeOfValue('j.value', 'j.type')}, m.timestamp_ms
      FROM messages m, json_each(m.raw, '$.traits') j
      WHERE m.id IN (${NEW_ROWS}) AND m.type = 'identify' AND m.person_id IS NOT NULL
      ORDER BY m.timestamp_ms, m.id
    ON CONFLICT (site_id, person_id, name) DO UPDATE SET value = excluded.value, type = excluded.type,
      time_ms = excluded.time_ms, updated_ms = excluded.updated_ms
      WHERE excluded.updated_ms >= person_attributes.updated_ms`);

  return {
    /**
     * Summarises newly stored messages (call inside the transaction that stored them).
     * @param {number[]} ids their row ids
     */
    add(ids) {
      if (!ids.length) return;
      const params = { ids: JSON.stringify(ids) };
      setPerson.run(params);
      addPeople.run(params);
      addNames.run(params);
      addAttributes.run(params);
    },
  };
}
