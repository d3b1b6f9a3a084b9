// The persistent outbox: written before the event loop turns, once per task, emptied only by a
// 2xx, adopted by another tab when its own tab is gone, and kept within its limits. What a task
// writes is what it added, and what an answer deletes is what it acknowledged, whatever the backlog.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deferred, setup, settle, storedIds, T0, type Setup } from './harness';

let s: Setup;
beforeEach(() => (s = setup()));
afterEach(() => vi.useRealTimers());

/**
 * A LockManager that behaves like the browser's for these calls: the callback runs a task later,
 * the lock is held until its promise settles, `ifAvailable` gets null when it is taken.
 * `close(name)` is the browser releasing a closed tab's lock.
 */
function fakeLocks() {
  const held = new Set<string>();
  const locks = {
    request(name: string, options: any, callback?: (lock: Lock | null) => unknown) {
      if (typeof options == 'function') {
        callback = options;
        options = {};
      }
      if (held.has(name)) return options.ifAvailable ? Promise.resolve(callback!(null)) : new Promise(() => {});
      if (!options.ifAvailable) held.add(name);
      return new Promise((r) => setTimeout(r, 0))
        .then(() => (held.add(name), callback!({ name, mode: 'exclusive' } as Lock)))
        .finally(() => held.delete(name));
    },
    close: (name: string) => held.delete(name),
    held,
  };
  return locks;
}

/** The microtasks that end a task: the calls are built in one, the outbox written in the next. */
const endOfTask = async () => {
  await Promise.resolve();
  await Promise.resolve();
};

/** The Web Lock a tab holds for its outbox keys (`_cio_ob:<tab id>:…`): `_cio_ob:<tab id>`. */
const lockOf = (key: string) => key.split(':', 2).join(':');

/** Spies on this window's localStorage writes to outbox keys (happy-dom binds each method to its instance). */
function spyOnOutboxWrites(win: Window) {
  const setItem = vi.spyOn(win.localStorage, 'setItem');
  const removeItem = vi.spyOn(win.localStorage, 'removeItem');
  const isOutbox = ([key]: unknown[]) => String(key).startsWith('_cio_ob:');
  return {
    sets: () => setItem.mock.calls.filter(isOutbox) as [string, string][],
    removals: () => removeItem.mock.calls.filter(isOutbox).map(([key]) => key),
    clear: () => (setItem.mockClear(), removeItem.mockClear()),
  };
}

describe('writing the outbox', () => {
  it('stores a message in localStorage before the event loop turns (in the microtasks of its task)', async () => {
    const cio = await s.open();
    cio.track('saved');
    await endOfTask();
    const stored = Object.values(s.outboxes());
    expect(stored).toHaveLength(1);
    expect(stored[0].q.map(([t, m]: [number, any]) => [t, m.event])).toEqual([[T0, 'saved']]);
  });

  it('writes once per task, however many calls the task makes', async () => {
    const cio = await s.open();
    s.setOnline(false); // nothing is sent, so every write is the outbox's own
    // On the instance, not Storage.prototype: happy-dom binds each Storage method to its instance.
    const setItem = vi.spyOn(s.win.localStorage, 'setItem');
    for (let i = 0; i < 1000; i++) cio.track('e' + i);
    expect(setItem).not.toHaveBeenCalled();
    await endOfTask();
    const writes = setItem.mock.calls.filter(([key]) => String(key).startsWith('_cio_ob:'));
    expect(writes).toHaveLength(1);
    expect(storedIds(s.outboxes())).toHaveLength(1000);
    setItem.mockRestore();
  });

  it.each([
    ['a millisecond apart', 1],
    ['within one millisecond (a key of its own per task, not per millisecond)', 0],
  ])('writes only what a task added, whatever the backlog: tasks %s', async (_, gapMs) => {
    const cio = await s.open();
    s.setOnline(false); // nothing leaves: the backlog only grows
    const writes = spyOnOutboxWrites(s.win);
    const storedPerTask: number[] = [];
    for (let task = 0; task < 50; task++) {
      writes.clear();
      for (let i = 0; i < 10; i++) cio.track('e', { task, i });
      await endOfTask();
      storedPerTask.push(writes.sets().reduce((n, [, value]) => n + JSON.parse(value).q.length, 0));
      vi.advanceTimersByTime(gapMs);
    }
    expect(storedPerTask).toEqual(storedPerTask.map(() => 10));
    expect(storedIds(s.outboxes())).toHaveLength(500);
  });

  it('on an answer, deletes the keys whose messages were all acknowledged and rewrites at most one other', async () => {
    const cio = await s.open({ maxBatchBytes: 12_000 }); // a batch of ~11 messages of ~1 KB
    s.setOnline(false);
    for (let task = 0; task < 5; task++) {
      for (let i = 0; i < 5; i++) cio.track('e', { task, i, pad: 'x'.repeat(900) });
      await endOfTask();
      vi.advanceTimersByTime(1);
    }
    const keysBefore = Object.keys(s.outboxes());
    const idsOf = (key: string) => s.outboxes()[key].q.map(([, m]: [number, any]) => m.messageId);
    const idsByKey = new Map(keysBefore.map((key) => [key, idsOf(key)]));
    const later = deferred();
    // The first batch is acknowledged; the others, sent alongside it (up to four at once), wait.
    s.answers.push(200, later.promise, later.promise, later.promise);
    const writes = spyOnOutboxWrites(s.win);
    s.setOnline(true);
    await vi.advanceTimersByTimeAsync(1000); // removals are written within a second
    const acknowledged = new Set(s.requests[0].json.batch.map((m: any) => m.messageId));
    expect(acknowledged.size).toBeGreaterThan(5); // more than a key's worth: at least one key emptied
    const emptied = keysBefore.filter((key) => idsByKey.get(key)!.every((id: string) => acknowledged.has(id)));
    expect(emptied.length).toBeGreaterThan(0);
    expect(writes.removals().sort()).toEqual(emptied.sort());
    expect(writes.sets().length).toBeLessThanOrEqual(1); // the key acknowledged in part, if any
    for (const [key, value] of writes.sets())
      expect(JSON.parse(value).q.map(([, m]: [number, any]) => m.messageId)).toEqual(
        idsByKey.get(key)!.filter((id: string) => !acknowledged.has(id)),
      );
    expect(storedIds(s.outboxes())).toEqual([...idsByKey.values()].flat().filter((id) => !acknowledged.has(id)));
    later.resolve(200);
    await settle();
  });

  it('keeps messages stored through failures and removes them only after a 2xx', async () => {
    const cio = await s.open({}, { random: () => 1 });
    s.answers.push(500, 'network-error', 200);
    cio.track('a');
    await cio.flush();
    expect(storedIds(s.outboxes())).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.requests).toHaveLength(2);
    expect(storedIds(s.outboxes())).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(s.requests).toHaveLength(3);
    expect(s.outboxes()).toEqual({});
  });
});

describe('messages the browser carries with our trust', () => {
  it('leave storage when a page hide trusts their keepalive request, and come back when the page lives on and it fails', async () => {
    const cio = await s.open({ flushAt: 10_000, flushIntervalMs: 3_600_000 });
    cio.track('warmup');
    await cio.flush(); // a 2xx: the page's handovers are trusted
    cio.track('stays');
    await endOfTask();
    vi.advanceTimersByTime(1);
    const answer = deferred();
    s.answers.push(answer.promise);
    cio.track('in_flight');
    void cio.flush();
    await settle();
    const [stays, inFlight] = storedIds(s.outboxes());
    expect(s.requests.at(-1)!.json.batch.map((m: any) => m.messageId)).toEqual([stays, inFlight]);

    s.hide(); // the keepalive request outlives the page: trusted, so the next load must not send it again
    await settle();
    expect(storedIds(s.outboxes())).toEqual([]);

    answer.resolve('network-error'); // it failed after all, and the page is shown again
    await settle();
    s.show();
    await settle();
    expect(storedIds(s.outboxes())).toEqual([stays, inFlight]);
  });
});

describe('adopting what a closed tab left', () => {
  it("with Web Locks: takes another tab's messages once the browser has released its lock", async () => {
    const locks = fakeLocks() as unknown as LockManager & ReturnType<typeof fakeLocks>;
    const left = await s.open({ flushAt: 100 }, { locks });
    left.track('from_closed_tab');
    await settle();
    const [key] = Object.keys(s.outboxes());
    expect(locks.held.has(lockOf(key))).toBe(true);
    const leftIds = storedIds(s.outboxes());

    // While the other tab lives, its lock is held: nothing is taken.
    const alive = await s.open({}, { locks });
    await alive.flush();
    expect(s.requests).toHaveLength(0);

    vi.clearAllTimers(); // the first tab is gone: no timer of its will ever run
    locks.close(lockOf(key));
    const next = await s.open({}, { locks });
    await next.flush();
    expect(s.sent().map((m: any) => m.messageId)).toEqual(leftIds);
    await settle();
    expect(s.outboxes()).toEqual({});
  });

  it('without Web Locks: takes a key whose last write is over 2 minutes old, not before', async () => {
    const left = await s.open({ flushAt: 100 });
    left.track('from_closed_tab');
    await settle();
    const leftIds = storedIds(s.outboxes());
    vi.clearAllTimers(); // the first tab is gone

    vi.advanceTimersByTime(60_000);
    const next = await s.open(); // the harness's io has `locks: undefined`
    await next.flush();
    expect(s.requests).toHaveLength(0);

    vi.advanceTimersByTime(61_000);
    const third = await s.open(); // (a page event would wake the first tab's listeners too)
    await third.flush();
    expect(s.sent().map((m: any) => m.messageId)).toEqual(leftIds);
  });

  it('with Web Locks: takes every key a closed tab left, oldest message first, once its lock is free', async () => {
    const locks = fakeLocks() as unknown as LockManager & ReturnType<typeof fakeLocks>;
    const left = await s.open({ flushAt: 100 }, { locks });
    for (let task = 0; task < 3; task++) {
      left.track('task' + task);
      await endOfTask();
      vi.advanceTimersByTime(1);
    }
    await settle();
    const keys = Object.keys(s.outboxes());
    expect(keys).toHaveLength(3);
    expect(new Set(keys.map(lockOf)).size).toBe(1); // one tab, one lock
    vi.clearAllTimers();
    locks.close(lockOf(keys[0]));
    const next = await s.open({}, { locks });
    await next.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['task0', 'task1', 'task2']);
    await settle();
    expect(s.outboxes()).toEqual({});
  });

  it('takes what a tab of the previous version left (one key per tab, `_cio_ob:<tab id>`)', async () => {
    const message = { type: 'track', messageId: 'v0-1', event: 'from_v0', properties: {}, context: {} };
    s.win.localStorage.setItem(
      `_cio_ob:${'0'.repeat(36)}`,
      JSON.stringify({ t: T0 - 1000, q: [[T0 - 1000, message]] }),
    );
    const cio = await s.open();
    await cio.flush();
    expect(s.sent().map((m: any) => m.messageId)).toEqual(['v0-1']);
  });

  it('without Web Locks: a tab counts as alive while its newest key is under 2 minutes old', async () => {
    const left = await s.open({ flushAt: 100, flushIntervalMs: 3_600_000 }); // it sends nothing itself
    left.track('first');
    await settle();
    vi.advanceTimersByTime(90_000);
    left.track('second');
    await settle(); // then the first tab is gone (it has no timer due within the hour)
    vi.advanceTimersByTime(60_000); // the first key is 150 s old, the second 60 s
    const early = await s.open();
    await early.flush();
    expect(s.requests).toHaveLength(0);
    vi.advanceTimersByTime(61_000);
    const late = await s.open();
    await late.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['first', 'second']);
  });

  it('a second tracker on the same storage ignores a key it cannot read', async () => {
    s.win.localStorage.setItem('_cio_ob:broken', '{"t":0,"q":[');
    const cio = await s.open();
    cio.track('fine');
    await cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['fine']);
    expect(s.win.localStorage.getItem('_cio_ob:broken')).toBeNull();
  });
});

describe('limits', () => {
  it('keeps at most 1,000 messages while the collector is down, dropping the oldest with one warning saying how many', async () => {
    const cio = await s.open({ flushAt: 5000, maxBatchBytes: 2e6 });
    s.answers.push(503);
    cio.track('first');
    await cio.flush(); // the collector fails: from now on the outbox is a backlog
    cio.track('second');
    const dropped = vi.fn();
    cio.on('dropped', dropped);
    for (let i = 0; i < 1003; i++) cio.track('e' + i);
    await settle();
    const events = Object.values(s.outboxes()).flatMap((o: any) => o.q.map(([, m]: any) => m.event));
    expect(events).toHaveLength(1000);
    expect(events[0]).toBe('e3');
    expect(s.warnings()).toEqual([
      'tracklet: track(): outbox full or over 7 days old: the 5 oldest messages were dropped',
    ]);
    expect(dropped).toHaveBeenCalledWith({ count: 5 });
  });

  it('rewrites a large outbox at most once a second while acknowledgements come in, not once per answer', async () => {
    const cio = await s.open();
    const setItem = vi.spyOn(s.win.localStorage, 'setItem');
    for (let i = 0; i < 2000; i++) cio.track('burst', { i });
    await cio.flush(); // about 20 answers arrive within the same second
    const writes = setItem.mock.calls.filter(([key]) => String(key).startsWith('_cio_ob:'));
    expect(s.requests.length).toBeGreaterThan(10);
    expect(writes.length).toBeLessThanOrEqual(2); // the burst itself, at most one coalesced rewrite
    expect(storedIds(s.outboxes())).toEqual([]); // and the emptied outbox is gone at once
    setItem.mockRestore();
  });

  it('holds a burst larger than the limits while the collector is taking it, and sends all of it', async () => {
    const cio = await s.open();
    for (let i = 0; i < 2000; i++) cio.track('burst', { i });
    await settle();
    await cio.flush();
    expect(s.sent()).toHaveLength(2000);
    expect(s.warnings()).toEqual([]);
    expect(s.requests.length).toBeLessThanOrEqual(100);
  });

  it('keeps at most 1 MB of messages, dropping the oldest with one warning saying how many', async () => {
    const cio = await s.open();
    s.setOnline(false); // nothing leaves: the outbox only fills
    const blob = 'x'.repeat(10_000);
    for (let i = 0; i < 110; i++) cio.track('e' + i, { blob });
    await settle();
    const kept = Object.values(s.outboxes()).flatMap((o: any) => o.q.map(([, m]: any) => m.event));
    const count = 110 - kept.length;
    expect(count).toBeGreaterThan(0);
    expect(kept[kept.length - 1]).toBe('e109');
    expect(kept[0]).toBe('e' + count);
    expect(JSON.stringify(Object.values(s.outboxes())[0].q).length).toBeLessThan(1e6 + 100_000);
    expect(s.warnings()).toEqual([
      `tracklet: track(): outbox full or over 7 days old: the ${count} oldest messages were dropped`,
    ]);
  });

  it('drops messages older than 7 days', async () => {
    const cio = await s.open();
    s.setOnline(false);
    cio.track('stale');
    vi.advanceTimersByTime(7 * 86_400_000 + 1);
    cio.track('fresh');
    await settle();
    s.setOnline(true);
    await settle();
    await cio.flush();
    expect(s.sent().map((m: any) => m.event)).toEqual(['fresh']);
  });
});

it('sends what a closed tab left before this page’s newer messages (oldest first)', async () => {
  const at = Date.now();
  s.win.localStorage.setItem(
    '_cio_ob:old',
    JSON.stringify({
      t: at - 1000,
      q: [
        [
          at - 60_000,
          {
            type: 'track',
            messageId: 'old1',
            timestamp: new Date(at - 60_000).toISOString(),
            anonymousId: 'x',
            event: 'old',
            properties: {},
            context: {},
          },
        ],
      ],
    }),
  );
  const locks = { request: (name: string, a: any, b?: any) => Promise.resolve().then(() => (b ?? a)({ name })) } as any;
  const cio = s.tracker({}, { locks });
  cio.track('new');
  await vi.advanceTimersByTimeAsync(2000);
  expect(s.sent().map((m: any) => m.event)).toEqual(['old', 'new']);
});
