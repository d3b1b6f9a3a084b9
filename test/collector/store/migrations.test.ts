// The store brings a database made by the collector before sites existed up to date: its rows,
// identity links and people survive, under the site they were sent to.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openStore } from '../../../examples/collector/store/index.mjs';
import { SCHEMA_VERSION } from '../../../examples/collector/store/migrations.mjs';

const dir = mkdtempSync(join(tmpdir(), 'tracklet-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The schema of the collector before sites (write_key, identities shared by every writeKey). */
const BEFORE_SITES = `
CREATE TABLE messages (id INTEGER PRIMARY KEY, write_key TEXT NOT NULL, message_id TEXT NOT NULL,
  type TEXT NOT NULL, name TEXT, anonymous_id TEXT, user_id TEXT, original_timestamp TEXT NOT NULL,
  timestamp_ms INTEGER NOT NULL, sent_at TEXT, received_at_ms INTEGER NOT NULL, skew_ms INTEGER,
  raw TEXT NOT NULL, UNIQUE (write_key, message_id));
CREATE INDEX messages_by_event ON messages (type, name, timestamp_ms);
CREATE INDEX messages_by_anonymous_id ON messages (anonymous_id);
CREATE INDEX messages_by_user_id ON messages (user_id);
CREATE TABLE identities (anonymous_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, linked_at_ms INTEGER NOT NULL);
CREATE VIEW attributed AS SELECT m.*, COALESCE(m.user_id, i.user_id) AS person_user_id,
  COALESCE(m.user_id, i.user_id, m.anonymous_id) AS person_id
  FROM messages m LEFT JOIN identities i ON i.anonymous_id = m.anonymous_id;`;

it('moves a database from before sites to the current schema, keeping people and their timelines', () => {
  const path = join(dir, 'old.db');
  const old = new Database(path);
  old.exec(BEFORE_SITES);
  const insert = old.prepare(`INSERT INTO messages (write_key, message_id, type, name, anonymous_id, user_id,
    original_timestamp, timestamp_ms, received_at_ms, raw) VALUES (?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z', ?, 0, '{}')`);
  insert.run('demo', 'm1', 'track', 'browsed', 'anon-1', null, 1);
  insert.run('demo', 'm2', 'identify', null, 'anon-1', 'ann', 2);
  insert.run('demo', 'm3', 'track', 'bought', null, 'ann', 3);
  old.prepare("INSERT INTO identities VALUES ('anon-1', 'ann', 2)").run();
  old.close();

  const store = openStore(path);
  try {
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(store.people.find('demo', 'anon-1')?.timeline.map((e) => [e.name, e.person.id, e.writeKey])).toEqual([
      ['browsed', 'ann', 'demo'],
      [null, 'ann', 'demo'],
      ['bought', 'ann', 'demo'],
    ]);
    expect(store.db.prepare('SELECT * FROM identities').all()).toEqual([
      { site_id: 'demo', anonymous_id: 'anon-1', user_id: 'ann', linked_at_ms: 2 },
    ]);
  } finally {
    store.close();
  }
  // Opening it again runs nothing twice.
  openStore(path).close();
});
