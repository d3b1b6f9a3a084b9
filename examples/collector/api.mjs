// The JSON API the live view reads: recent events, people with their merged timelines,
// segments, events per minute, and the server-sent event stream.
import { parseSegmentQuery, createSegmentQuery } from './segments.mjs';
import { sendJson, refuse } from './respond.mjs';

const DEFAULT_EVENTS = 100;
const MAX_EVENTS = 1000;
const MAX_CHART_MINUTES = 24 * 60;

/**
 * @param {{ store: ReturnType<typeof import('./store.mjs').createStore>, stream: ReturnType<typeof import('./event-stream.mjs').createEventStream>, now: () => number }} deps
 */
export function createApi({ store, stream, now }) {
  const querySegment = createSegmentQuery(store.db);

  /** @type {Record<string, (params: URLSearchParams, res: import('node:http').ServerResponse, req: import('node:http').IncomingMessage) => void>} */
  const routes = {
    '/api/events'(params, res) {
      const limit = parseCount(params.get('limit'), DEFAULT_EVENTS, MAX_EVENTS);
      if (limit == null)
        return refuse(res, 400, 'invalid_field', `limit must be a whole number from 1 to ${MAX_EVENTS}`);
      sendJson(res, 200, { events: store.recentEvents(limit) });
    },
    '/api/people'(_, res) {
      sendJson(res, 200, { people: store.people() });
    },
    '/api/segments'(params, res) {
      const query = parseSegmentQuery(params);
      if (query.error != null) return refuse(res, 400, query.error, query.detail);
      const { event, within, negate, min } = query;
      sendJson(res, 200, { event, within, negate, min, people: querySegment(query, now()) });
    },
    '/api/stats'(params, res) {
      const minutes = parseCount(params.get('minutes'), 30, MAX_CHART_MINUTES);
      if (minutes == null)
        return refuse(res, 400, 'invalid_field', `minutes must be a whole number from 1 to ${MAX_CHART_MINUTES}`);
      const lastMinute = Math.floor(now() / 60_000);
      const counts = new Map(
        store.perMinute((lastMinute - minutes + 1) * 60_000, (lastMinute + 1) * 60_000).map((r) => [r.minute, r.count]),
      );
      const starts = Array.from({ length: minutes }, (_, i) => lastMinute - minutes + 1 + i);
      sendJson(res, 200, { minutes: starts.map((m) => m * 60), counts: starts.map((m) => counts.get(m) ?? 0) });
    },
    '/api/stream'(_, res, req) {
      stream.open(req, res);
    },
  };

  return {
    /**
     * @param {import('node:http').IncomingMessage} req
     * @param {import('node:http').ServerResponse} res
     */
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://collector');
      const route = routes[url.pathname];
      if (route) return route(url.searchParams, res, req);
      const personMatch = /^\/api\/people\/([^/]+)$/.exec(url.pathname);
      if (!personMatch) return refuse(res, 404, 'not_found', `no API at ${url.pathname}`);
      let id;
      try {
        id = decodeURIComponent(personMatch[1]);
      } catch {
        return refuse(res, 400, 'invalid_field', 'the person id is not valid percent-encoding');
      }
      const found = store.person(id);
      if (!found) return refuse(res, 404, 'not_found', 'no person with this userId or anonymousId');
      sendJson(res, 200, found);
    },
  };
}

/**
 * @param {string | null} text
 * @param {number} fallback when absent
 * @param {number} max
 * @returns {number | null} null when invalid
 */
function parseCount(text, fallback, max) {
  if (text == null) return fallback;
  if (!/^[1-9]\d{0,6}$/.test(text)) return null;
  const n = Number(text);
  return n <= max ? n : null;
}
