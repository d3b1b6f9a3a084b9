// The persistent outbox: every accepted message is kept in localStorage until a collector has
// acknowledged it, so a reload, a crash or a closed tab loses nothing.
//
// A message is stored under a key named after its tab, its time and the task that added it:
// `_cio_ob:<tab id>:<t>:<n>`, `t` being the millisecond of its call (Entry.t) and `n` the count of
// this tab's outbox writes before it (one write ends each task that adds). So a task writes new
// keys holding only what it added (one setItem, at the end of the task, unless its calls span a
// millisecond), and removals rewrite or delete only the keys of the messages removed (with the
// next write, or within a second): the storage work is proportional to what was added or
// acknowledged, never to the backlog. (One key holding the whole outbox, rewritten by every task,
// made a 2,000-call burst cost O(n²); a key per millisecond, which two tasks of one millisecond
// shared, made the second write the first one's messages again: 4.6 times the bytes of its
// messages for the bench's 200 tasks of one call.)
// Each tab writes only its own keys: localStorage has no atomic read-modify-write across tabs, so
// a shared key would lose one tab's writes to another's.
// While it holds messages, a tab holds a Web Lock named `_cio_ob:<tab id>`; the browser releases
// it when the tab closes or crashes, and a tab that can then take it adopts all the tab's keys.
// The lock is let go as soon as the outbox is empty: the HTML spec bars a page that holds a lock
// from the back/forward cache (not-restored reason "lock"), and an empty outbox guards nothing.
// Without Web Locks, a tab whose newest key is over LEASE_MS old is adopted instead; should the
// tab still be alive, its messages may then be sent twice, with the same messageIds.
import type { Config, Message } from './types';
import type { Storage } from './storage';
import type { IO } from './io';

export const OUTBOX_PREFIX = '_cio_ob:';
/** Without Web Locks: how long after its newest message a tab is presumed gone. */
const LEASE_MS = 120_000;
const MAX_AGE_MS = 7 * 86_400_000;
const REMOVAL_WRITE_DELAY_MS = 1000;

export interface Entry {
  /** The message, as sent. */
  m: Message;
  /** Its JSON, made once. */
  s: string;
  /** Its size in bytes (UTF-8). */
  b: number;
  /** When it entered the outbox (ms). */
  t: number;
  /** Where it is while a request carries it (the sender's flags), 0 when it waits. */
  f?: number;
  /** Set while the browser carries it with our trust (see the sender): kept in memory, not stored. */
  k?: boolean;
  /** Its key in localStorage, given when it is added (see createOutbox). */
  o?: string;
  /** Its context's JSON, the end of `s` shared with the messages built on the same page (message.ts). */
  c?: string;
}

export interface Outbox {
  add(entry: Entry): void;
  /** Unsent entries, oldest first (the live array: do not modify). */
  entries(): Entry[];
  /** Forget acknowledged (or dropped) entries. */
  remove(entries: Entry[]): void;
  /** Write the outbox at the end of this task (after entries changed their `k`). */
  save(): void;
  /** Take in what closed tabs left (`onAdopted` runs when something was taken). */
  adopt(): void;
}

let encoder: TextEncoder | undefined;
/** UTF-8 length; ASCII (nearly every message) is counted without encoding it. */
export const utf8Bytes = (s: string): number =>
  /^[\0-\x7f]*$/.test(s) ? s.length : (encoder ||= new TextEncoder()).encode(s).length;

const addBytes = (n: number, e: Entry) => n + e.b;
/**
 * The UTF-8 bytes of the entries' JSON, summed (Entry.b). One reducer for every caller: a function
 * expression at each call site is a new closure each time it runs (V8), a few dozen bytes of
 * garbage per task on the one-call path (bench, docs/size.md).
 */
export const bytesOf = (entries: Entry[]): number => entries.reduce(addBytes, 0);

// `f` and `k` are the entry's own: a page's Object.prototype.f or .k must not be read as its state.
export const toEntry = (m: Message, json: string, now: number, bytes: number = utf8Bytes(json), c?: string): Entry => ({
  m,
  s: json,
  b: bytes,
  t: now,
  k: false,
  f: 0,
  c,
});

export function createOutbox(
  c: Config,
  io: IO,
  store: Storage,
  /** Told how many of the oldest entries were dropped to stay within the limits. */
  onDrop: (count: number) => void,
  /** The collector cannot be reached now (failing, offline, no consent yet): the limits apply (see write). */
  isBacklogged: () => boolean,
  /** Told that entries left by another tab were taken in. */
  onAdopted: () => void,
): Outbox {
  /** This tab's lock name, and the start of each of its keys. */
  const tab = OUTBOX_PREFIX + io.randomId();
  let queue: Entry[] = [];
  let bytes = 0;
  /** Keys to be written: those this task added to, and those that lost entries. */
  const dirty = new Set<string>();
  let isWriteScheduled = false;
  /** Writes so far: what is added before the next write goes under keys of its own (see add). */
  let writes = 0;
  /** Some key was last written without entries the browser carried with our trust (`k`). */
  let isHolding = false;
  let lazyWriteTimer: any;
  /** Lets go of our lock: undefined while not held, 0 while requested. */
  let unlock: (() => void) | 0 | undefined;

  const write = (_?: unknown) => {
    isWriteScheduled = false;
    writes++;
    let dropped = 0;
    // The limits bound a backlog; a burst the collector is taking is held until sent, not cut to 1,000.
    // (The counts first: asking whether the collector is failing reads navigator.onLine.)
    const isFull = () => (queue.length > c.maxQueueMessages || bytes > c.maxQueueBytes) && isBacklogged();
    for (; queue.length && (isFull() || queue[0].t < io.now() - MAX_AGE_MS); dropped++) {
      dirty.add(queue[0].o!);
      bytes -= queue.shift()!.b;
    }
    if (dropped) onDrop(dropped);
    if (!queue.length && unlock) unlock = void unlock();
    // Each key as the outbox holds it now, but for what is trusted to the browser; emptied ones deleted.
    // (forEach and one string: no iterator results, filtered or mapped arrays in a write each task.)
    dirty.forEach((key) => {
      let kept = '';
      queue.forEach((e) => e.o != key || e.k || (kept += (kept && ',') + '[' + e.t + ',' + e.s + ']'));
      store.set(key, kept ? `{"q":[${kept}]}` : null);
    });
    dirty.clear();
  };
  const scheduleWrite = () => {
    if (!isWriteScheduled) Promise.resolve().then(write); // before the task ends (see message.ts)
    isWriteScheduled = true;
  };
  const add = (e: Entry) => {
    if (unlock === undefined && io.locks) {
      // Requested before the first key is written (at the end of the task): another tab's comes second.
      unlock = 0;
      io.locks
        .request(tab, () => new Promise<void>((resolve) => (unlock = queue.length ? resolve : void resolve())))
        .catch(() => (unlock = undefined));
    }
    dirty.add((e.o = tab + ':' + e.t + ':' + writes));
    queue.push(e);
    bytes += e.b;
    scheduleWrite();
  };

  /** Takes in every key of another tab (`other`, its lock name), deleting them. */
  const take = (other: string) => {
    for (const key of store.keys(other)) {
      const raw = store.get(key);
      store.set(key, null);
      try {
        for (const [t, m] of JSON.parse(raw!).q) add(toEntry(m, io.stringify(m), t));
      } catch {
        // a key that a broken write left unreadable: nothing in it can be sent
      }
    }
    queue.sort((a, b) => a.t - b.t); // oldest first, as the protocol promises (the sort is stable)
    onAdopted();
  };
  return {
    add,
    entries: () => queue,
    remove(done) {
      queue = queue.filter((e) => !done.includes(e));
      bytes = bytesOf(queue);
      done.forEach((e) => dirty.add(e.o!));
      // A removed message still stored costs at most a duplicate, never a loss: removals are
      // written with the next task's write, or within a second (an empty outbox at once: that
      // lets go of the lock).
      if (!queue.length) scheduleWrite();
      else lazyWriteTimer ||= io.setTimeout(() => write((lazyWriteTimer = 0)), REMOVAL_WRITE_DELAY_MS);
    },
    save() {
      // Entries now trusted to the browser leave their keys; after a save that left some out, every
      // key is written again (those no longer trusted come back, whatever the order of the calls).
      for (const e of queue) if (e.k || isHolding) dirty.add(e.o!);
      isHolding = queue.some((e) => e.k);
      scheduleWrite();
    },
    adopt() {
      // Keys are `_cio_ob:<tab id>:<t>:<n>` (`_cio_ob:<tab id>:<t>` before, `_cio_ob:<tab id>` before
      // issue 16): one lock, one lease per tab.
      for (const other of new Set(store.keys(OUTBOX_PREFIX).map((key) => key.split(':', 2).join(':')))) {
        if (other == tab) continue;
        if (io.locks) {
          io.locks.request(other, { ifAvailable: true }, (lock) => lock && take(other)).catch(() => {});
        } else {
          // Its lease: the time its newest key names (a key without one, of the previous version: none).
          if (store.keys(other).every((key) => !(io.now() - +key.split(':')[2] < LEASE_MS))) take(other);
        }
      }
    },
  };
}
