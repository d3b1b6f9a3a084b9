// The persistent outbox: every accepted message is kept in localStorage until a collector has
// acknowledged it, so a reload, a crash or a closed tab loses nothing.
//
// Each tab writes only its own key (`_cio_ob:<tab id>`): localStorage has no atomic
// read-modify-write across tabs, so a shared key would lose one tab's writes to another's.
// While its key holds messages, a tab holds a Web Lock named after the key; the browser releases
// it when the tab closes or crashes, and a tab that can then take it adopts what was left behind.
// The lock is let go as soon as the outbox is empty: the HTML spec bars a page that holds a lock
// from the back/forward cache (not-restored reason "lock"), and an empty outbox guards nothing.
// Without Web Locks, a key whose lease (the time of its last write) is older than LEASE_MS is
// adopted instead; should its tab still be alive, its messages may then be sent twice, with the
// same messageIds. Writes are batched: the calls of one task make one write, at the end of that
// task, before control returns to the event loop.
import type { Config, Message } from './types';
import type { Storage } from './storage';
import type { IO } from './io';

export const OUTBOX_PREFIX = '_cio_ob:';
/** Without Web Locks: how long a key may go unwritten before its tab is presumed gone. */
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

export const toEntry = (m: Message, json: string, now: number): Entry => ({ m, s: json, b: utf8Bytes(json), t: now });

export function createOutbox(
  c: Config,
  io: IO,
  store: Storage,
  /** Told how many of the oldest entries were dropped to stay within the limits. */
  onDrop: (count: number) => void,
  /**
   * Whether the collector cannot be reached now (failing, offline, no consent yet). The count and
   * size limits bound such a backlog; a burst the collector is taking (2,000 calls in a loop) is
   * held until it is sent, not cut to the newest 1,000.
   */
  isBacklogged: () => boolean,
  /** Told that entries left by another tab were taken in. */
  onAdopted: () => void,
): Outbox {
  const key = OUTBOX_PREFIX + io.randomId();
  let queue: Entry[] = [];
  let bytes = 0;
  let isWriteScheduled = false;
  let lazyWriteTimer: any;
  /** Lets go of our lock: undefined while not held, 0 while requested. */
  let unlock: (() => void) | 0 | undefined;

  const write = () => {
    isWriteScheduled = false;
    let dropped = 0;
    const isFull = () => isBacklogged() && (queue.length > c.maxQueueMessages || bytes > c.maxQueueBytes);
    while (queue.length && (isFull() || queue[0].t < io.now() - MAX_AGE_MS)) {
      bytes -= queue.shift()!.b;
      dropped++;
    }
    if (dropped) onDrop(dropped);
    if (!queue.length && unlock) unlock = void unlock();
    const kept = queue.filter((e) => !e.k);
    store.set(key, kept.length ? `{"t":${io.now()},"q":[${kept.map((e) => `[${e.t},${e.s}]`).join()}]}` : null);
  };

  const save = (_?: unknown) => {
    if (!isWriteScheduled) queueMicrotask(write);
    isWriteScheduled = true;
  };

  const add = (e: Entry) => {
    // Requested before the key is first written (the write waits for the end of the task), so
    // another tab's request for it always comes second.
    if (unlock === undefined && io.locks) {
      unlock = 0;
      io.locks
        .request(key, () => new Promise<void>((resolve) => (unlock = queue.length ? resolve : void resolve())))
        .catch(() => (unlock = undefined));
    }
    queue.push(e);
    bytes += e.b;
    save();
  };

  const take = (other: string) => {
    const raw = store.get(other);
    store.set(other, null);
    try {
      for (const [t, m] of JSON.parse(raw!).q) add(toEntry(m, io.stringify(m), t));
      queue.sort((a, b) => a.t - b.t); // oldest first, as the protocol promises (the sort is stable)
      onAdopted();
    } catch {
      // a key that a broken write left unreadable: nothing in it can be sent
    }
  };

  return {
    add,
    entries: () => queue,
    remove(done) {
      const gone = new Set(done);
      queue = queue.filter((e) => !gone.has(e));
      bytes = queue.reduce((n, e) => n + e.b, 0);
      // A removed message still stored costs at most a duplicate, never a loss, and rewriting a
      // large outbox after every answer was the heaviest work the library did (a 2,000-call burst:
      // 37 rewrites of up to 1 MB). So removals are written once a second at most; an empty
      // outbox at once, which is cheap and lets go of the lock.
      if (!queue.length) save();
      else lazyWriteTimer ||= io.setTimeout(() => save((lazyWriteTimer = 0)), REMOVAL_WRITE_DELAY_MS);
    },
    save,
    adopt() {
      for (const other of store.keys(OUTBOX_PREFIX)) {
        if (other == key) continue;
        if (io.locks) {
          io.locks
            .request(other, { ifAvailable: true }, (lock) => {
              if (lock) take(other);
            })
            .catch(() => {});
        } else {
          let lease = 0;
          try {
            lease = JSON.parse(store.get(other)!).t;
          } catch {
            // unreadable: adopt it now, take() discards what cannot be parsed
          }
          if (io.now() - lease > LEASE_MS) take(other);
        }
      }
    },
  };
}
