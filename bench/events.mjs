// Counting events at the sink without a parser per SDK: every bench call carries a unique marker
// `bm<runId>q<index>z` in its properties, and a request's body is searched for markers after
// undoing the encodings the SDKs use: gzip (PostHog can compress), form/URL encoding (Mixpanel,
// PostHog's `data=`), and base64 (Snowplow's `ue_px`, Mixpanel's `data=`). Distinct markers give
// exact counts even when an SDK retries or sends an event twice.
import zlib from 'node:zlib';

const decoded = new WeakMap();
const MARKER = /bm(\d+)q(\d+)z/g;
const BASE64_TOKEN = /[A-Za-z0-9+/_-]{20,}={0,2}/g;

/** Every marker in one recorded request, as a Map runId → Set of indexes (cached). */
export function markersOf(request) {
  let found = decoded.get(request);
  if (found) return found;
  let body = request.body;
  if (body[0] == 0x1f && body[1] == 0x8b) {
    try {
      body = zlib.gunzipSync(body);
    } catch {
      // a truncated gzip body (page unloaded mid-upload) has no readable events
    }
  }
  const raw = body.toString('utf8') + '\n' + request.search;
  let unescaped = raw;
  try {
    unescaped = decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    // not URL-encoded: the raw text is searched as is
  }
  // Search the layers in order and keep the first that holds markers: that is how the SDK
  // encodes its events, reported in docs/benchmarks.md.
  const layers = [
    ['plain', raw],
    ['URL-encoded', unescaped],
  ];
  for (const text of [raw, unescaped]) {
    const tokens = [...text.matchAll(BASE64_TOKEN)].map(([token]) => Buffer.from(token, 'base64').toString('latin1'));
    layers.push(['base64', tokens.join('\n')]);
  }
  found = new Map();
  for (const [encoding, text] of layers) {
    for (const [, runId, index] of text.matchAll(MARKER)) {
      if (!found.has(runId)) found.set(runId, new Set());
      found.get(runId).add(index);
    }
    if (found.size && !found.encoding) found.encoding = (body == request.body ? '' : 'gzip, ') + encoding;
  }
  decoded.set(request, found);
  return found;
}

/** How the events of one request were found: "plain", "URL-encoded" or "base64", after "gzip, " if gunzipped. */
export const encodingOf = (request) => markersOf(request).encoding;

/** Requests that carry events of `runId`, and the distinct events delivered (in a request the sink accepted). */
export function eventsOfRun(requests, runId) {
  const carrying = [];
  const delivered = new Set();
  for (const request of requests) {
    if (request.status == 415) continue; // refused: the SDK must send these events again
    const indexes = markersOf(request).get(String(runId));
    if (!indexes) continue;
    carrying.push({ request, events: indexes.size });
    for (const i of indexes) delivered.add(i);
  }
  return { carrying, delivered: delivered.size };
}
