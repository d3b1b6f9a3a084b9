// What segments read instead of every message, kept up to date with every transaction that
// stores messages: the people table, the event names seen, and the latest traits of each person
// (the person each message belongs to is written with it: store/messages.mjs). The counts are
// summed in JavaScript first, so each person and each name is one upsert per transaction, however
// many of its messages came in it. Runs inside that transaction (store/index.mjs), so a crash
// never leaves a message without its summary.
import { timeOfValue } from './migrations-people.mjs';

/** @typedef {import('better-sqlite3').Database} Database */

/**
 * The new messages of each person: identified as soon as one of them is not an anonymous
 * visitor's own (it has a userId, or its visitor is linked), their first and last times, how many.
 * @param {import('./messages.mjs').StoredMessage[]} stored
 */
function sumPeople(stored) {
  /** @type {Map<string, { siteId: string, personId: string, userId: string | null, firstMs: number, lastMs: number, messages: number }>} */
  const people = new Map();
  for (const { row, personId } of stored) {
    if (personId == null) continue; // a Track API event with neither id belongs to nobody
    const userId = row.userId == null && personId == row.anonymousId ? null : personId;
    const key = `${row.siteId}\n${personId}`;
    const time = row.timestampMs;
    const person = people.get(key);
    if (!person) {
      people.set(key, { siteId: row.siteId, personId, userId, firstMs: time, lastMs: time, messages: 1 });
      continue;
    }
    person.userId ??= userId;
    person.firstMs = Math.min(person.firstMs, time);
    person.lastMs = Math.max(person.lastMs, time);
    person.messages++;
  }
  return people.values();
}

/**
 * The new messages of each site, type and name ('' for none): how many, and the latest time.
 * @param {import('./messages.mjs').StoredMessage[]} stored
 */
function sumNames(stored) {
  /** @type {Map<string, { siteId: string, type: string, name: string, count: number, lastMs: number }>} */
  const names = new Map();
  for (const { row } of stored) {
    const name = row.name ?? '';
    const key = `${row.siteId}\n${row.type}\n${name}`;
    const seen = names.get(key);
    if (!seen) names.set(key, { siteId: row.siteId, type: row.type, name, count: 1, lastMs: row.timestampMs });
    else {
      seen.count++;
      seen.lastMs = Math.max(seen.lastMs, row.timestampMs);
    }
  }
  return names.values();
}

/** @param {Database} db */
export function createSummaries(db) {
  const addPerson = db.prepare(`
    INSERT INTO people (site_id, id, user_id, first_ms, last_ms, messages)
    VALUES (@siteId, @personId, @userId, @firstMs, @lastMs, @messages)
    ON CONFLICT (site_id, id) DO UPDATE SET user_id = COALESCE(people.user_id, excluded.user_id),
      first_ms = MIN(first_ms, excluded.first_ms), last_ms = MAX(last_ms, excluded.last_ms),
      messages = messages + excluded.messages`);
  const addName = db.prepare(`
    INSERT INTO event_names (site_id, type, name, count, last_ms) VALUES (@siteId, @type, @name, @count, @lastMs)
    ON CONFLICT (site_id, type, name) DO UPDATE SET count = count + excluded.count,
      last_ms = MAX(last_ms, excluded.last_ms)`);
  // In time order, so within a transaction too the latest value wins; a tie goes to the later arrival.
  const addAttributes = db.prepare(`
    INSERT INTO person_attributes (site_id, person_id, name, value, type, time_ms, updated_ms)
      SELECT m.site_id, m.person_id, j.key, j.value, j.type, ${timeOfValue('j.value', 'j.type')}, m.timestamp_ms
      FROM messages m, json_each(m.raw, '$.traits') j
      WHERE m.id IN (SELECT value FROM json_each(@ids)) AND m.person_id IS NOT NULL
      ORDER BY m.timestamp_ms, m.id
    ON CONFLICT (site_id, person_id, name) DO UPDATE SET value = excluded.value, type = excluded.type,
      time_ms = excluded.time_ms, updated_ms = excluded.updated_ms
      WHERE excluded.updated_ms >= person_attributes.updated_ms`);

  return {
    /**
     * Summarises newly stored messages (call inside the transaction that stored them, once its
     * identity links are made).
     * @param {import('./messages.mjs').StoredMessage[]} stored
     */
    add(stored) {
      for (const person of sumPeople(stored)) addPerson.run(person);
      for (const name of sumNames(stored)) addName.run(name);
      const identifies = stored.filter((message) => message.row.type == 'identify' && message.personId != null);
      if (identifies.length) addAttributes.run({ ids: JSON.stringify(identifies.map((message) => message.id)) });
    },
  };
}
