// Server-sent events for the live view: every stored message is written to every open stream.
import { refuse } from './respond.mjs';

const HEARTBEAT_MS = 15_000;
/** Each stream holds a socket open: cap them so streams cannot exhaust the server's sockets. */
const MAX_STREAMS = 100;

export function createEventStream() {
  /** @type {Set<import('node:http').ServerResponse>} */
  const clients = new Set();
  // A comment line now and then keeps proxies from closing an idle stream.
  const heartbeat = setInterval(() => clients.forEach((res) => res.write(': heartbeat\n\n')), HEARTBEAT_MS);
  heartbeat.unref();

  return {
    /**
     * @param {import('node:http').IncomingMessage} req
     * @param {import('node:http').ServerResponse} res
     */
    open(req, res) {
      if (clients.size >= MAX_STREAMS)
        return refuse(res, 503, 'too_many_streams', `at most ${MAX_STREAMS} live views at once`);
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
    },
    /** @param {unknown[]} events */
    publish(events) {
      for (const event of events) {
        // JSON.stringify escapes newlines, so one event is always one `data:` line.
        const frame = `event: message\ndata: ${JSON.stringify(event)}\n\n`;
        clients.forEach((res) => res.write(frame));
      }
    },
    close() {
      clearInterval(heartbeat);
      clients.forEach((res) => res.end());
      clients.clear();
    },
  };
}
