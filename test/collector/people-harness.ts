// What the people and segment specs send and ask: messages at times relative to a fixed clock,
// Track API calls as Customer.io documents them, and the read API with the demo site's key.
import { randomUUID } from 'node:crypto';
import { DEMO_READ, postBatch } from './harness';

export const NOW = Date.parse('2026-11-29T12:00:00.000Z');
export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** An ISO time `ms` before NOW. */
export const ago = (ms: number) => new Date(NOW - ms).toISOString();
/** Unix seconds `ms` before NOW, as the Track API takes times. */
export const secondsAgo = (ms: number) => Math.floor((NOW - ms) / 1000);

type Fields = Record<string, unknown>;
export const trackAt = (event: string, at: string, fields: Fields = {}) => ({
  type: 'track',
  event,
  properties: {},
  messageId: randomUUID(),
  timestamp: at,
  ...fields,
});
export const identifyAt = (at: string, fields: Fields = {}) => ({
  type: 'identify',
  messageId: randomUUID(),
  timestamp: at,
  ...fields,
});
export const pageAt = (at: string, fields: Fields = {}) => ({
  type: 'page',
  properties: {},
  messageId: randomUUID(),
  timestamp: at,
  ...fields,
});

/** Sends a batch as the library does, sentAt = NOW, so every timestamp is kept as it is. */
export async function send(url: string, batch: unknown[]) {
  const result = await postBatch(url, { writeKey: 'demo', sentAt: new Date(NOW).toISOString(), batch });
  if (result.status != 200) throw new Error(`batch refused: ${JSON.stringify(result.body)}`);
}

const BASIC = `Basic ${Buffer.from('demo:demo-secret').toString('base64')}`;

/** A Track API call with the demo site's key; a URLSearchParams body goes form-encoded. */
export async function trackApi(url: string, method: string, path: string, body: URLSearchParams | object) {
  const isForm = body instanceof URLSearchParams;
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: {
      Authorization: BASIC,
      'Content-Type': isForm ? 'application/x-www-form-urlencoded' : 'application/json',
    },
    body: isForm ? body.toString() : JSON.stringify(body),
  });
  if (res.status != 200) throw new Error(`Track API refused: ${await res.text()}`);
}

/** A read API request with the demo site's key: JSON in, status and JSON out. */
export async function readApi(url: string, path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...DEMO_READ, ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: res.status, body: await res.json() };
}
