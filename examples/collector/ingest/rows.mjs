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
 * Stores rows of one site and tells the site's live views about the new ones.
 * @param {{ store: import('../store/index.mjs').Store, stream: import('../event-stream.mjs').EventStream }} deps
 * @param {string} siteId
 * @param {import('../store/messages.mjs').MessageRow[]} rows
 * @returns {{ accepted: number, duplicates: number }}
 */
export function saveRows({ store, stream }, siteId, rows) {
  const { ids, duplicates } = store.messages.insert(rows);
  if (ids.length && stream.isWatched(siteId)) stream.publish(siteId, store.messages.byIds(siteId, ids));
  return { accepted: rows.length, duplicates };
}
