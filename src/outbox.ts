// The persistent outbox: every accepted message is kept in localStorage until a collector has
// acknowledged it, so a reload, a crash or a closed tab loses nothing.
//
// Each tab writes only its own key (`_cio_ob:<tab id>`): localStorage has no atomic
// read-modify-write across tabs, so a shared key would lose one tab's writes to another's.
// A tab holds a Web Lock named after its key for as long as it lives; the lock is released when
// the tab closes or crashes, and another tab that can then take it adopts the messages left
// behind. Without Web Locks, a key whose lease (the time of its last write) is older than
// LEASE_MS is adopted instead. Writes are batched: many calls in one task make one write, at
// the end of that task, before control returns to the event loop.
import type { Message } from './types';
import type { Storage } from './storage';

export const OUTBOX_PREFIX = '_cio_ob:';
/** Without Web Locks: a live tab rewrites its key at least once per retry (at most 60 s apart). */
const LEASE_MS = 120_000;
const MAX_AGE_MS = 7 * 86_400_000;

export interface Entry {
  /** The message, as sent. */
  m: Message;
  /** Its JSON, made once. */
  s: string;
  /** Its size in bytes (UTF-8). */
  b: number;
  /** When it entered the outbox (ms). */
  t: number;
  /** Set while a request carries it, so it is not sent twice at once. */
  f?: boolean;
}

export interface Outbox {
  add(entry: Entry): void;
  /** Unsent entries, oldest first (the live array: do not modify). */
  entries(): Entry[];
  /** Forget acknowledged (or dropped) entries. */
  remove(entries: Entry[]): void;
  /** Take in what closed tabs left; `onAdopted` runs when something was taken. */
  adopt(onAdopted: () => void): void;
}

export interface OutboxOptions {
  store: Storage;
  tabId: string;
  now: () => number;
  maxMessages: number;
  maxBytes: number;
  locks?: LockManager;
  /** Told how many of the oldest entries were dropped to stay within the limits. */
  onDrop: (count: number) => void;
}

let encoder: TextEncoder | undefined;
export const utf8Bytes = (s: string) => (encoder ||= new TextEncoder()).encode(s).length;

export function toEntry(m: Message, json: string, now: number): Entry {
  return { m, s: json, b: utf8Bytes(json), t: now };
}

export function createOutbox(o: OutboxOptions): Outbox {
  const key = OUTBOX_PREFIX + o.tabId;
  let queue: Entry[] = [];
  let bytes = 0;
  let isWriteScheduled = false;

  // Hold our own lock for the life of the tab; it tells other tabs we are alive.
  o.locks?.request(key, () => new Promise(() => {})).catch(() => {});

  const write = () => {
    isWriteScheduled = false;
    let dropped = 0;
    const oldest = o.now() - MAX_AGE_MS;
    while (queue.length && (queue.length > o.maxMessages || bytes > o.maxBytes || queue[0].t < oldest)) {
      bytes -= queue.shift()!.b;
      dropped++;
    }
    if (dropped) o.onDrop(dropped);
    o.store.set(key, queue.length ? `{"t":${o.now()},"q":[${queue.map((e) => `[${e.t},${e.s}]`).join(',')}]}` : null);
  };

  const scheduleWrite = () => {
    if (!isWriteScheduled) {
      isWriteScheduled = true;
      queueMicrotask(write);
    }
  };

  const add = (e: Entry) => {
    queue.push(e);
    bytes += e.b;
    scheduleWrite();
  };

  const take = (other: string) => {
    const raw = o.store.get(other);
    o.store.set(other, null);
    try {
      for (const [t, m] of JSON.parse(raw!).q) add(toEntry(m, JSON.stringify(m), t));
    } catch {
      // a key another version or a broken write left unreadable: nothing in it can be sent
    }
  };

  return {
    add,
    entries: () => queue,
    remove(done) {
      queue = queue.filter((e) => done.indexOf(e) < 0);
      bytes = queue.reduce((n, e) => n + e.b, 0);
      scheduleWrite();
    },
    adopt(onAdopted) {
      for (const other of o.store.keys(OUTBOX_PREFIX)) {
        if (other == key) continue;
        if (o.locks) {
          o.locks
            .request(other, { ifAvailable: true }, (lock) => {
              if (lock && o.store.get(other)) {
                take(other);
                onAdopted();
              }
            })
            .catch(() => {});
        } else {
          let lease = 0;
          try {
            lease = JSON.parse(o.store.get(other)!).t;
          } catch {
            // unreadable: adopt it now, take() discards what cannot be parsed
          }
          if (o.now() - lease > LEASE_MS) {
            take(other);
            onAdopted();
          }
        }
      }
    },
  };
}
