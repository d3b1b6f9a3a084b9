// The reference collector: Segment's and Customer.io's ingest APIs (docs/collector.md), stored in
// SQLite, read by the site's owner through a JSON API, server-sent events and a live view, with
// the demo pages served beside them. `createCollector` is the whole server; start.mjs runs it
// from the environment and flags; app.mjs builds it without listening.
import { buildApp } from './app.mjs';

export { buildApp, DEMO_SITES } from './app.mjs';

/**
 * @typedef {import('./app.mjs').AppOptions & { port?: number, host?: string }} CollectorOptions
 *   `port`: 0 for an OS-chosen port, default 8080; `host`: default 127.0.0.1.
 */

/**
 * @typedef {object} Collector
 * @property {string} url `http://HOST:PORT`
 * @property {number} port
 * @property {import('better-sqlite3').Database} db the store's handle (tests read it)
 * @property {import('fastify').FastifyInstance} app
 * @property {() => Promise<void>} close stops listening, ends streams, closes the database
 */

/**
 * Starts the collector. Rejects with the listen error (e.g. `EADDRINUSE`) when the port is taken.
 * @example const collector = await createCollector({ port: 0, dbPath: '/tmp/t.db' }); await collector.close();
 * @param {CollectorOptions} [options]
 * @returns {Promise<Collector>}
 */
export async function createCollector({ port = 8080, host = '127.0.0.1', ...options } = {}) {
  const { app, store } = await buildApp(options);
  try {
    await app.listen({ port, host });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = /** @type {import('node:net').AddressInfo} */ (app.server.address());
  const url = `http://${address.family == 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  return { url, port: address.port, db: store.db, app, close: () => app.close() };
}
