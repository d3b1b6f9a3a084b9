// The reference collector: POST /v1/batch as docs/protocol.md describes it, stored in SQLite, with
// a JSON API, server-sent events and a live view, and the demo pages served beside them.
// `createCollector` is the whole server; start.mjs only runs it with the demo's settings.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { readBody, BodyTooLargeError } from './read-body.mjs';
import { findEncoding, gunzipBody } from './decode-body.mjs';
import { createRateLimiter } from './rate-limit.mjs';
import { applyCors, answerPreflight, createOriginCheck, isLocalOrigin } from './cors.mjs';
import { validateBatch } from './validate.mjs';
import { correctTimestamp } from './skew.mjs';
import { createStore } from './store.mjs';
import { createEventStream } from './event-stream.mjs';
import { createApi } from './api.mjs';
import { injectSnippet, readStatic, sendFile } from './static-files.mjs';
import { refuse, sendJson } from './respond.mjs';

export const MAX_BODY_BYTES = 500 * 1024;
/** How long a refused upload is still read (and thrown away) so the client sees the 413 before the socket closes. */
const LINGER_MS = 1000;
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const DEMO_SITE_ID = 'demo';

/**
 * @typedef {object} CollectorOptions
 * @property {number} [port] 0 for an OS-chosen port. Default 8080.
 * @property {string} [host] Default 127.0.0.1.
 * @property {string} [dbPath] SQLite file; its folder is created. Default ./data/tracklet.db.
 * @property {string[] | ((writeKey: string) => boolean)} [siteIds] writeKeys accepted. Default ['demo'].
 * @property {string[] | ((origin: string) => boolean)} [origins] CORS origins. Default: any http://localhost:* or http://127.0.0.1:*.
 * @property {{ perSecond?: number, burst?: number }} [rateLimit] per client IP. Default 50/s, burst 200.
 * @property {Record<string, string>} [staticDirs] URL prefix (ending in /) → folder; replaces the defaults.
 * @property {(line: string) => void} [log] where errors are reported. Default console.error.
 * @property {() => number} [now] the server clock (ms), for tests.
 */

/**
 * @example const collector = await createCollector({ port: 0, dbPath: '/tmp/t.db' }); await collector.close();
 * @param {CollectorOptions} [options]
 */
export async function createCollector({
  port = 8080,
  host = '127.0.0.1',
  dbPath = './data/tracklet.db',
  siteIds = [DEMO_SITE_ID],
  origins = isLocalOrigin,
  rateLimit = {},
  staticDirs = defaultStaticDirs(),
  log = (line) => console.error(line),
  now = Date.now,
} = {}) {
  const store = createStore(dbPath);
  const stream = createEventStream();
  const limiter = createRateLimiter({ ...rateLimit, now });
  const isAllowedOrigin = createOriginCheck(origins);
  const isKnownWriteKey = typeof siteIds == 'function' ? siteIds : (/** @type {string} */ key) => siteIds.includes(key);
  const api = createApi({ store, stream, now });
  const mounts = Object.entries(staticDirs).sort(([a], [b]) => b.length - a.length);
  let origin = '';

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    const limit = limiter.take(req.socket.remoteAddress ?? 'unknown');
    if (!limit.isAllowed) {
      applyCors(req, res, isAllowedOrigin);
      res.setHeader('Retry-After', String(limit.retryAfterSeconds));
      return refuse(
        res,
        429,
        'rate_limited',
        `too many requests from this address; retry after ${limit.retryAfterSeconds} s`,
      );
    }
    const path = new URL(req.url ?? '/', 'http://collector').pathname;
    if (req.method == 'OPTIONS') return answerPreflight(req, res, isAllowedOrigin);
    if (path == '/v1/batch') {
      applyCors(req, res, isAllowedOrigin);
      if (req.method != 'POST') return refuse(res, 405, 'method_not_allowed', 'use POST for /v1/batch');
      return receiveBatch(req, res);
    }
    if (path.startsWith('/api/')) {
      applyCors(req, res, isAllowedOrigin);
      if (req.method != 'GET') return refuse(res, 405, 'method_not_allowed', 'the API answers GET only');
      return api.handle(req, res);
    }
    if (req.method != 'GET' && req.method != 'HEAD') return refuse(res, 405, 'method_not_allowed', 'use GET');
    return serveStatic(req, res, path);
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function receiveBatch(req, res) {
    // Refused before reading: a body we cannot decode is not worth receiving.
    const encoding = findEncoding(req);
    if (encoding.problem) {
      res.setHeader('Accept-Encoding', 'gzip'); // RFC 9110 §15.5.16: what a 415 would have accepted
      return refuse(res, encoding.problem.status, encoding.problem.error, encoding.problem.detail);
    }
    /** @type {Buffer} */
    let bytes;
    try {
      bytes = await readBody(req, MAX_BODY_BYTES);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) return; // the client went away mid-upload: nobody to answer
      refuse(res, 413, 'body_too_large', `the request body is over ${MAX_BODY_BYTES} bytes`);
      // Throw away (never keep) what is still coming for a moment, then drop the connection.
      res.on('finish', () => {
        req.resume();
        setTimeout(() => req.socket.destroy(), LINGER_MS).unref();
      });
      return;
    }
    // The wire cap above counted the compressed bytes; the same cap bounds what they inflate to.
    if (encoding.isGzip) {
      const inflated = await gunzipBody(bytes, MAX_BODY_BYTES);
      if (inflated.problem)
        return refuse(res, inflated.problem.status, inflated.problem.error, inflated.problem.detail);
      bytes = inflated.bytes;
    }
    /** @type {unknown} */
    let body;
    try {
      body = JSON.parse(bytes.toString('utf8'));
    } catch {
      return refuse(res, 400, 'invalid_json', 'the body is not valid JSON');
    }
    const result = validateBatch(body, isKnownWriteKey);
    if (result.problem) return refuse(res, result.problem.status, result.problem.error, result.problem.detail);

    const receivedAtMs = now();
    const rows = result.valid.map(({ message: m }) => {
      const sentAt = m.sentAt ?? result.sentAt;
      const { timestampMs, skewMs } = correctTimestamp(m.timestamp, sentAt, receivedAtMs);
      return {
        writeKey: result.writeKey,
        messageId: m.messageId,
        type: m.type,
        name: m.type == 'track' ? m.event : m.type == 'page' ? (m.name ?? null) : null,
        anonymousId: m.anonymousId ?? null,
        userId: m.userId ?? null,
        originalTimestamp: m.timestamp,
        timestampMs,
        sentAt: skewMs == null ? null : sentAt, // only a sentAt that was used
        receivedAtMs,
        skewMs,
        raw: JSON.stringify(m),
      };
    });
    const { stored, duplicates } = rows.length ? store.insert(rows) : { stored: [], duplicates: 0 };
    stream.publish(stored);
    const accepted = rows.length;
    const { rejected } = result;
    if (!rejected.length) return sendJson(res, 200, { ok: true, accepted, duplicates });
    const more = rejected.length > 1 ? ` (and ${rejected.length - 1} more)` : '';
    sendJson(res, accepted ? 207 : 400, {
      error: 'invalid_message',
      detail: rejected[0].detail + more,
      accepted,
      duplicates,
      rejected,
    });
  }

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   * @param {string} path
   */
  async function serveStatic(req, res, path) {
    let subPath;
    try {
      subPath = decodeURIComponent(path);
    } catch {
      return refuse(res, 400, 'invalid_path', 'the path is not valid percent-encoding');
    }
    const mount = mounts.find(([prefix]) => subPath.startsWith(prefix) || subPath + '/' == prefix);
    if (!mount) return notFound(res, path);
    const [prefix, root] = mount;
    if (subPath + '/' == prefix) return void res.writeHead(301, { Location: prefix }).end();
    const found = await readStatic(root, subPath.slice(prefix.length), prefix == '/spa/' ? 'index.html' : undefined);
    if (!found) return notFound(res, path);
    if (prefix != '/shop/' || !found.file.endsWith('.html')) return sendFile(res, found.file, found.body);
    const snippet = await readFile(
      resolve(staticDirs['/dist/'] ?? resolve(ROOT, 'dist'), 'snippet.html'),
      'utf8',
    ).catch(() => null);
    const page = injectSnippet(found.body.toString('utf8'), snippet, {
      siteId: DEMO_SITE_ID,
      scriptUrl: '/dist/cio.js',
      endpoint: originOf(req),
    });
    sendFile(res, found.file, page);
  }

  /**
   * 404, except for the icon browsers ask every site for: with no /favicon.ico file that is an
   * empty 204, so no page of the demo logs a failed request. It needs no <link rel="icon"> in the
   * pages, and so nothing in their CSP (a data: icon would need img-src data:).
   * @param {import('node:http').ServerResponse} res
   * @param {string} path
   */
  const notFound = (res, path) =>
    path == '/favicon.ico'
      ? void res.writeHead(204, { 'Cache-Control': 'max-age=86400', 'X-Content-Type-Options': 'nosniff' }).end()
      : refuse(res, 404, 'not_found', `nothing at ${path}`);

  /** The origin the browser used, when the Host header looks like one; else the collector's own. */
  const originOf = (/** @type {import('node:http').IncomingMessage} */ req) => {
    const hostHeader = req.headers.host ?? '';
    return /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(hostHeader) ? `http://${hostHeader}` : origin;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((/** @type {Error} */ error) => {
      log(`collector: ${req.method} ${req.url} failed: ${error.stack ?? error}`);
      if (!res.headersSent) refuse(res, 500, 'internal_error', 'the collector failed; see its log');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveListen(undefined));
  });
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  origin = `http://${address.family == 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url: origin,
    port: address.port,
    db: store.db,
    close: () =>
      new Promise((resolveClose) => {
        stream.close();
        server.closeAllConnections();
        server.close(() => {
          store.close();
          resolveClose(undefined);
        });
      }),
  };
}

/** The demo's folders: the live view, the shop, the SPA, the built library and uPlot. */
function defaultStaticDirs() {
  const uplotDist = dirname(createRequire(import.meta.url).resolve('uplot'));
  return {
    '/': resolve(HERE, 'public'),
    '/vendor/uplot/': uplotDist,
    '/shop/': resolve(ROOT, 'examples/shop'),
    '/spa/': resolve(ROOT, 'examples/spa'),
    '/dist/': resolve(ROOT, 'dist'),
  };
}
