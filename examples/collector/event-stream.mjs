// Server-sent events for the live view: every newly stored message is written to the open
// streams of its site.
import { HttpError } from './errors.mjs';

const HEARTBEAT_MS = 15_000;
/** Each stream holds a socket open: cap them so streams cannot exhaust the server's sockets. */
const MAX_STREAMS = 100;

export function createEventStream() {
  /** @type {Map<import('node:http').ServerResponse, string>} open stream → its site */
  const clients = new Map();
  // A comment line now and then keeps proxies from closing an idle stream.
  const heartbeat = setInterval(() => clients.forEach((_, res) => res.write(': heartbeat\n\n')), HEARTBEAT_MS);
  heartbeat.unref();

  return {
    /**
     * Takes over the response: the route must not send anything else.
     * @param {import('fastify').FastifyReply} reply
     * @param {string} siteId
     */
    open(reply, siteId) {
      if (clients.size >= MAX_STREAMS)
        throw new HttpError(503, 'too_many_streams', `at most ${MAX_STREAMS} live views at once`);
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        .../** @type {import('node:http').OutgoingHttpHeaders} */ (reply.getHeaders()), // CORS, nosniff
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      clients.set(res, siteId);
      res.on('close', () => clients.delete(res));
    },
    /** Whether anyone listens to this site: building events costs a query, skipped when nobody does. */
    isWatched: (/** @type {string} */ siteId) => [...clients.values()].includes(siteId),
    /**
     * @param {string} siteId
     * @param {unknown[]} events
     */
    publish(siteId, events) {
      for (const event of events) {
        // JSON.stringify escapes newlines, so one event is always one `data:` line.
        const frame = `event: message\ndata: ${JSON.stringify(event)}\n\n`;
        clients.forEach((site, res) => site == siteId && res.write(frame));
      }
    },
    close() {
      clearInterval(heartbeat);
      clients.forEach((_, res) => res.end());
      clients.clear();
    },
  };
}

/** @typedef {ReturnType<typeof createEventStream>} EventStream */
