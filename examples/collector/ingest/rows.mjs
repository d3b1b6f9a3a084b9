// From a checked message to the row the store keeps: its site, its ids, its name, and its time
// corrected for the sender's clock skew. Both ingest routes (Segment, Customer.io) end here.
import { correctTimestamp } from './skew.mjs';

/**
 * @param {Record<string, any>} message a Segment-shaped message that passed the checks
 * @param {string} json the message as JSON (already made for the size check)
 * @param {{ siteId: string, sentAt: unknown, receivedAtMs: number }} request
 * @returns {import('../store/messages.mjs').MessageRow}
 */
export function toRow(message, json, { siteId, sentAt, receivedAtMs }) {
  const usedSentAt = message.sentAt ?? sentAt; // a message's own sentAt wins over the request's
  const { timestampMs, skewMs } = correctTimestamp(message.timestamp, usedSentAt, receivedAtMs);
  return {
    siteId,
    messageId: message.messageId,
    type: message.type,
    name: message.type == 'track' ? message.event : message.type == 'page' ? (message.name ?? null) : null,
    anonymousId: message.anonymousId ?? null,
    userId: message.userId ?? null,
    originalTimestamp: message.timestamp,
    timestampMs,
    sentAt: skewMs == null ? null : /** @type {string} */ (usedSentAt), // only a sentAt that was used
    receivedAtMs,
    skewMs,
    raw: json,
  };
}

/**
 * The one writer of messages: the batches of every request that arrives within one turn of the
 * event loop are stored in one transaction (a group commit: with 8 senders, a few batches share
 * each commit), then each request gets its own counts and the site's live views the new events.
 * @param {{ store: import('../store/index.mjs').Store, stream: import('../event-stream.mjs').EventStream }} deps
 */
export function createWriter({ store, stream }) {
  /** @type {{ siteId: string, rows: import('../store/messages.mjs').MessageRow[], resolve: (counts: { accepted: number, duplicates: number }) => void, reject: (error: Error) => void }[]} */
  let waiting = [];

  function writeWaiting() {
    const group = waiting;
    waiting = [];
    /** @type {{ ids: number[], duplicates: number }[]} */
    let results;
    try {
      results = store.messages.insert(group.map((entry) => entry.rows));
    } catch (error) {
      return group.forEach((entry) => entry.reject(/** @type {Error} */ (error)));
    }
    group.forEach(({ siteId, rows, resolve }, i) => {
      const { ids, duplicates } = results[i];
      if (ids.length && stream.isWatched(siteId)) stream.publish(siteId, store.messages.byIds(siteId, ids));
      resolve({ accepted: rows.length, duplicates });
    });
  }

  return {
    /**
     * Stores rows of one site; settles once they are committed.
     * @param {string} siteId
     * @param {import('../store/messages.mjs').MessageRow[]} rows
     * @returns {Promise<{ accepted: number, duplicates: number }>}
     */
    save(siteId, rows) {
      return new Promise((resolve, reject) => {
        if (!waiting.length) setImmediate(writeWaiting);
        waiting.push({ siteId, rows, resolve, reject });
      });
    },
  };
}

/** @typedef {ReturnType<typeof createWriter>} Writer */
