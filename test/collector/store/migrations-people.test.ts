// A database made by the collector before people had tables of their own (schema version 1) is
// brought up to date when the collector opens it: its messages fill people, attributes (the
// latest by timestamp) and event names, and segments see its history.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createCollector, type Collector } from '../../../examples/collector/index.mjs';
import { DEMO_READ } from '../harness';

/** The schema version 1 wrote (examples/collector/store/migrations.mjs, SCHEMA_V1), as a fixture. */
const SCHEMA_V1 = `
CREATE TABLE messages (id INTEGER PRIMARY KEY, site_id TEXT NOT NULL, message_id TEXT NOT NULL, type TEXT NOT NULL,
  name TEXT, anonymous_id TEXT, user_id TEXT, original_timestamp TEXT NOT NULL, timestamp_ms INTEGER NOT NULL,
  sent_at TEXT, received_at_ms INTEGER NOT NULL, skew_ms INTEGER, raw TEXT NOT NULL, UNIQUE (site_id, message_id));
CREATE INDEX messages_by_anonymous_id ON messages (site_id, anonymous_id) WHERE anonymous_id IS NOT NULL;
CREATE INDEX messages_by_user_id ON messages (site_id, user_id) WHERE user_id IS NOT NULL;
CREATE TABLE identities (site_id TEXT NOT NULL, anonymous_id TEXT NOT NULL, user_id TEXT NOT NULL,
  linked_at_ms INTEGER NOT NULL, PRIMARY KEY (site_id, anonymous_id)) WITHOUT ROWID;
CREATE INDEX identities_by_user_id ON identities (site_id, user_id);
CREATE VIEW attributed AS
  SELECT m.*, COALESCE(m.user_id, i.user_id) AS person_user_id, COALESCE(m.user_id, i.user_id, m.anonymous_id) AS person_id
  FROM messages m LEFT JOIN identities i ON i.site_id = m.site_id AND i.anonymous_id = m.anonymous_id;
PRAGMA user_version = 1;`;

const T = (iso: string) => Date.parse(iso);
const ROWS: [string, string, string | null, string | null, string | null, string, object][] = [
  // type, messageId, name, anonymousId, userId, timestamp, the rest of the message
  ['track', 'm1', 'browsed', 'a-1', null, '2013-01-28T16:10:15.000Z', {}],
  [
    'identify',
    'm2',
    null,
    'a-1',
    'ann',
    '2026-11-01T00:00:00.000Z',
    { traits: { plan: 'pro', email: 'ann@example.com' } },
  ],
  ['identify', 'm3', null, null, 'ann', '2026-10-01T00:00:00.000Z', { traits: { plan: 'trial' } }],
  ['track', 'm4', 'purchased', null, 'ann', '2026-11-02T00:00:00.000Z', {}],
  ['track', 'm5', 'purchased', 'guest', null, '2026-11-03T00:00:00.000Z', {}],
];

let dir: string;
let collector: Collector;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tracklet-migrate-'));
  const dbPath = join(dir, 'v1.db');
  const db = new Database(dbPath);
  db.exec(SCHEMA_V1);
  const insert = db.prepare(`INSERT INTO messages (site_id, message_id, type, name, anonymous_id, user_id,
    original_timestamp, timestamp_ms, received_at_ms, raw) VALUES ('demo', ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  for (const [type, id, name, anonymousId, userId, at, rest] of ROWS) {
    const raw = { type, messageId: id, timestamp: at, anonymousId, userId, event: name, ...rest };
    insert.run(id, type, name, anonymousId, userId, at, T(at), T(at), JSON.stringify(raw));
  }
  db.prepare(`INSERT INTO identities VALUES ('demo', 'a-1', 'ann', ?)`).run(T('2026-11-01T00:00:00.000Z'));
  db.close();
  collector = await createCollector({ port: 0, dbPath, log: () => {}, now: () => T('2026-11-29T12:00:00.000Z') });
});
afterAll(async () => {
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

const read = async (path: string, init: RequestInit = {}) =>
  (
    await fetch(`${collector.url}${path}`, { ...init, headers: { ...DEMO_READ, 'Content-Type': 'application/json' } })
  ).json();

it('fills people, their latest attributes and their anonymous history from the stored messages', async () => {
  const { person, timeline } = await read('/api/people/a-1');
  expect(person).toMatchObject({
    id: 'ann',
    anonymousIds: ['a-1'],
    email: 'ann@example.com',
    events: 4,
    attributes: { plan: 'pro', email: 'ann@example.com' },
  });
  expect(timeline.map((e: any) => e.messageId)).toEqual(['m1', 'm3', 'm2', 'm4']);
  expect((await read('/api/people')).people.map((p: any) => p.id)).toEqual(['guest', 'ann']);
});

it('counts the old messages in segments and in the event names', async () => {
  const segment = { conditions: [{ kind: 'event', event: 'browsed' }] };
  const answer = await read('/api/segments/query', { method: 'POST', body: JSON.stringify({ segment }) });
  expect(answer.people.map((p: any) => p.id)).toEqual(['ann']);
  expect((await read('/api/event-names')).events.map((e: any) => [e.name, e.count])).toEqual([
    ['purchased', 2],
    ['browsed', 1],
  ]);
});

it('moves an old visitor’s messages to the person they are identified as after the migration', async () => {
  const batch = [
    {
      type: 'identify',
      messageId: 'm6',
      anonymousId: 'guest',
      userId: 'gus',
      timestamp: '2026-11-04T00:00:00.000Z',
      traits: {},
    },
  ];
  const sent = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    body: JSON.stringify({ writeKey: 'demo', sentAt: '2026-11-29T12:00:00.000Z', batch }),
  });
  expect(sent.status).toBe(200);
  const { person, timeline } = await read('/api/people/guest');
  expect(person).toMatchObject({ id: 'gus', userId: 'gus', anonymousIds: ['guest'], events: 2 });
  expect(timeline.map((e: any) => [e.messageId, e.person.id])).toEqual([
    ['m5', 'gus'],
    ['m6', 'gus'],
  ]);
  expect((await read('/api/people')).people.map((p: any) => p.id)).toEqual(['gus', 'ann']);
});
