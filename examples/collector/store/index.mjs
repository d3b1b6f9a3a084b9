// The store: one SQLite file, every SQL statement of the collector in this folder, one
// repository per domain (messages, people, segments, saved segments), the schema brought up to
// date on open, and the summaries segments read kept with every stored batch.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrations.mjs';
import { createMessages } from './messages.mjs';
import { createPeople } from './people.mjs';
import { createAttributes } from './attributes.mjs';
import { createSegments } from './segments.mjs';
import { createSummaries } from './summaries.mjs';
import { createSavedSegments } from './saved-segments.mjs';

/**
 * Opens (and creates, with its folder) the database. WAL lets readers run beside the writer;
 * synchronous=NORMAL in WAL mode survives a crash of the collector and loses at most the last
 * commits on a power cut, without an fsync per batch; a 64 MB page cache keeps the unique
 * (site, messageId) index in memory up to a few million rows (docs/collector.md, "Ingest speed").
 * @param {string} dbPath
 * @returns {Store}
 */
export function openStore(dbPath) {
  mkdirSync(dirname(dbPath), { recursive: true });
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  migrate(db);
  const messages = createMessages(db);
  const summaries = createSummaries(db);
  // The summaries segments read are written in the transaction that stores the batch.
  const insert = db.transaction((/** @type {import('./messages.mjs').MessageRow[]} */ rows) => {
    const result = messages.insert(rows);
    summaries.add(result.ids);
    return result;
  });
  return {
    db,
    messages: { ...messages, insert },
    people: createPeople(db),
    attributes: createAttributes(db),
    segments: createSegments(db),
    savedSegments: createSavedSegments(db),
    close: () => db.close(),
  };
}

/**
 * @typedef {object} Store
 * @property {import('better-sqlite3').Database} db the handle (tests read it)
 * @property {ReturnType<typeof createMessages>} messages
 * @property {ReturnType<typeof createPeople>} people
 * @property {ReturnType<typeof createAttributes>} attributes
 * @property {ReturnType<typeof createSegments>} segments
 * @property {ReturnType<typeof createSavedSegments>} savedSegments
 * @property {() => void} close
 */
