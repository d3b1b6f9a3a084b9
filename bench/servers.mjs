// Two local servers on OS-chosen ports of 127.0.0.1, both closed by run.mjs when it ends:
// - the site serves the bench pages and bundles cross-origin isolated (COOP + COEP), so
//   performance.now() has 5 µs resolution instead of 100 µs;
// - a sink is every SDK's collector: it records every request on any path and answers what
//   each SDK needs (CORS preflights with the Origin echoed and credentials allowed, 200 JSON).
//   Two kinds: `gzip`, tracklet's collector as it agrees to gzip (it takes gzip bodies and its
//   2xx JSON answer carries `"acceptEncoding": "gzip"`), and `plain`, a collector that has never
//   heard of gzip (it answers 415 to any gzip body and never mentions gzip).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const posthogDist = path.join(here, 'node_modules/posthog-js/dist');

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

const jsHeaders = { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' };

/** The site: `pages` maps a path to HTML, `files` maps a URL prefix to a folder. */
export async function startSite({ pages, files }) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const isolation = {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    };
    const html = pages.get(url.pathname);
    if (html) {
      res.writeHead(200, { ...isolation, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(html);
    }
    for (const [prefix, dir] of files) {
      if (!url.pathname.startsWith(prefix)) continue;
      const file = path.join(dir, path.normalize(url.pathname.slice(prefix.length)));
      if (file.startsWith(dir) && fs.existsSync(file) && fs.statSync(file).isFile()) {
        res.writeHead(200, { ...isolation, ...jsHeaders });
        return res.end(fs.readFileSync(file));
      }
    }
    res.writeHead(404, isolation);
    res.end();
  });
  const port = await listen(server);
  return { origin: `http://127.0.0.1:${port}`, port, close: () => server.close() };
}

// RudderStack asks {configUrl}/sourceConfig/ for the source's settings: this is the smallest
// config it accepts, with no destinations and its own error reporting and metrics off.
const rudderSourceConfig = JSON.stringify({
  isHosted: false,
  source: {
    id: 'bench-source',
    name: 'bench',
    writeKey: 'bench',
    enabled: true,
    workspaceId: 'bench-workspace',
    updatedAt: '2026-01-01T00:00:00.000Z',
    config: { statsCollection: { errors: { enabled: false }, metrics: { enabled: false } } },
    destinations: [],
  },
});

/** The sink kinds, in the order the bench reports them. */
export const SINKS = ['gzip', 'plain'];

/**
 * A sink of kind `kind` (see SINKS); `open()` is how many requests it has not answered yet.
 * `latencyMs` delays every POST's answer, as a collector across the internet would (default 0).
 * `requests` grows with { at, method, path, search, contentType, body, isComplete, status } for
 * every request (`status`: 415 for a gzip body refused by the plain sink, else 2xx). `body` is kept as it came over the wire, never decoded here: a gzip body
 * (tracklet's `?encoding=gzip` fetches, PostHog's `?compression=gzip-js`) counts its compressed
 * bytes in "body bytes", and events.mjs gunzips it (by its magic bytes, whatever the query says)
 * to count the events and report the encoding as "gzip, …".
 */
export async function startSink(kind = 'gzip', { latencyMs = 0 } = {}) {
  const requests = [];
  let open = 0;
  const server = http.createServer((req, res) => {
    open++;
    res.on('close', () => open--);
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    const url = new URL(req.url, 'http://x');
    const record = (isComplete) =>
      requests.push({
        at: Date.now(),
        method: req.method,
        path: url.pathname,
        search: url.search,
        contentType: req.headers['content-type'] || '',
        body: Buffer.concat(chunks),
        isComplete,
      });
    // A page that unloads mid-upload: keep what arrived, flagged incomplete.
    req.on('error', () => record(false));
    req.on('end', () => (latencyMs && req.method == 'POST' ? setTimeout(answer, latencyMs) : answer()));
    const answer = () => {
      record(true);
      const request = requests[requests.length - 1];
      const origin = req.headers.origin;
      const headers = {
        'access-control-allow-origin': origin || '*',
        'access-control-allow-credentials': 'true',
        'access-control-allow-methods': 'GET, POST, PUT, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] || '*',
        'cross-origin-resource-policy': 'cross-origin',
        'cache-control': 'no-store',
        vary: 'Origin',
      };
      if (req.method == 'OPTIONS') {
        res.writeHead(204, headers);
        return res.end();
      }
      if (url.pathname == '/bye') {
        res.writeHead(200, { ...headers, 'content-type': 'text/html' });
        return res.end('<!doctype html><title>bye</title>left the bench page');
      }
      // PostHog loads its extensions from {api_host}/static/: serve its own files from the package.
      const staticFile = url.pathname.startsWith('/static/') && path.join(posthogDist, path.basename(url.pathname));
      if (staticFile && fs.existsSync(staticFile)) {
        res.writeHead(200, { ...headers, ...jsHeaders });
        return res.end(fs.readFileSync(staticFile));
      }
      if (kind == 'plain' && request.body[0] == 0x1f && request.body[1] == 0x8b) {
        request.status = 415;
        res.writeHead(415, { ...headers, 'content-type': 'application/json' });
        return res.end('{"error":"unsupported_media_type","detail":"gzip is not accepted"}');
      }
      const json = url.pathname.includes('/sourceConfig')
        ? rudderSourceConfig
        : kind == 'gzip'
          ? '{"status":1,"code":200,"acceptEncoding":"gzip"}'
          : '{"status":1,"code":200}';
      res.writeHead(200, { ...headers, 'content-type': 'application/json' });
      res.end(json);
    };
  });
  const port = await listen(server);
  return {
    kind,
    origin: `http://127.0.0.1:${port}`,
    /** Requests not answered yet. */
    open: () => open,
    /** The same sink under another site name, for "navigate away" (a different origin and site). */
    otherOrigin: `http://localhost:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
