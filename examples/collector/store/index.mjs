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
 * Opens (and creates, with its folder) the database, tuned for ingest (docs/collector.md,
 * "Ingest speed", has the measurements):
 * - WAL, so readers run beside the writer; synchronous=NORMAL, which in WAL mode survives a crash
 *   of the collector and may lose the last commits on a power cut, with no fsync per commit;
 * - a checkpoint every 65,536 pages (256 MB of WAL) instead of SQLite's 1,000: random messageIds
 *   dirty another index page with nearly every row, and copying them back several times a second
 *   held ingest near 9,500 events/s (near 27,000 with 16,384 pages);
 * - a 64 MB page cache, and reads through mmap. Not more cache: SQLite scans its whole page
 *   cache at the end of a transaction in which a B-tree split swapped page numbers (it parks a page
 *   at the lock-byte page number, 262,145, then truncates back to the file's size: pcache1Truncate
 *   in SQLite 3.51), which random messageIds make nearly every transaction. With 256 MB that scan
 *   cost ~10% of ingest's CPU at 300,000 stored; at 1,000,000 the collector spent 46.3 µs of CPU
 *   per event with 256 MB and 38.4 µs with 64 MB (back-to-back runs).
 * @param {string} dbPath
 * @returns {Store}
 */
export function openStore(dbPath) {
  mkdirSync(dirname(dbPath), { recursive: true });
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  db.pragma('mmap_size = 1073741824');
  db.pragma('wal_autocheckpoint = 65536');
  db.pragma('journal_size_limit = 268435456');
  db.pragma('temp_store = MEMORY');
  migrate(db);
  const messages = createMessages(db);
  const summaries = createSummaries(db);
  // The summaries segments read are written in the transaction that stores the batches (one
  // transaction for every batch that arrived in a turn of the event loop: ingest/rows.mjs).
  const insert = db.transaction((/** @type {import('./messages.mjs').MessageRow[][]} */ batches) => {
    const results = messages.insert(batches);
    summaries.add(results.flatMap((result) => result.stored));
    return results.map(({ ids, duplicates }) => ({ ids, duplicates }));
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
 * @property {Omit<ReturnType<typeof createMessages>, 'insert'> & { insert: (batches: import('./messages.mjs').MessageRow[][]) => { ids: number[], duplicates: number }[] }} messages
 *   `insert` stores batches and their summaries in one transaction
 * @property {ReturnType<typeof createPeople>} people
 * @property {ReturnType<typeof createAttributes>} attributes
 * @property {ReturnType<typeof createSegments>} segments
 * @property {ReturnType<typeof createSavedSegments>} savedSegments
 * @property {() => void} close
 */
