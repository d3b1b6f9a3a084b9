// The store: one SQLite file, every SQL statement of the collector in this folder, one
// repository per domain (messages, people, segments), the schema brought up to date on open.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrations.mjs';
import { createMessages } from './messages.mjs';
import { createPeople } from './people.mjs';
import { createSegments } from './segments.mjs';

/**
 * Opens (and creates, with its folder) the database. WAL lets readers run beside the writer;
 * synchronous=NORMAL in WAL mode survives a crash of the collector and loses at most the last
 * commits on a power cut, without an fsync per commit; a 256 MB page cache and reads through
 * mmap keep the unique (site, messageId) index in memory past a few million rows
 * (docs/collector.md, "Ingest speed").
 * @param {string} dbPath
 * @returns {Store}
 */
export function openStore(dbPath) {
  mkdirSync(dirname(dbPath), { recursive: true });
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -262144');
  db.pragma('mmap_size = 1073741824');
  db.pragma('temp_store = MEMORY');
  migrate(db);
  return {
    db,
    messages: createMessages(db),
    people: createPeople(db),
    segments: createSegments(db),
    close: () => db.close(),
  };
}

/**
 * @typedef {object} Store
 * @property {import('better-sqlite3').Database} db the handle (tests read it)
 * @property {ReturnType<typeof createMessages>} messages
 * @property {ReturnType<typeof createPeople>} people
 * @property {ReturnType<typeof createSegments>} segments
 * @property {() => void} close
 */
