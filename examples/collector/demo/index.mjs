// Demo serving, apart from the collector: the live view, the shop (with the built snippet pasted
// in), the SPA (its index.html for every client-side route), the built library and uPlot, each
// from a folder mounted at a URL prefix. Files go out through @fastify/static (MIME types,
// streaming, ranges); HTML pages are read here, to paste the snippet and hash their inline
// scripts into the page's Content-Security-Policy.
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { sendError } from '../errors.mjs';
import { contentSecurityPolicy, injectSnippet } from './pages.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');

/** The demo's folders: the live view, the shop, the SPA, the built library and uPlot. */
export function defaultStaticDirs() {
  const uplotDist = dirname(createRequire(import.meta.url).resolve('uplot'));
  return {
    '/': resolve(HERE, '../public'),
    '/vendor/uplot/': uplotDist,
    '/shop/': resolve(ROOT, 'examples/shop'),
    '/spa/': resolve(ROOT, 'examples/spa'),
    '/dist/': resolve(ROOT, 'dist'),
  };
}

/**
 * @typedef {object} DemoOptions
 * @property {Record<string, string>} staticDirs URL prefix (ending in /) → folder
 * @property {string} siteId the site the shop's snippet sends to
 */

/**
 * The file under `root` a URL path names; null when it would escape `root`.
 * @param {string} root
 * @param {string} subPath decoded, after the mount's prefix
 */
function fileUnder(root, subPath) {
  const file = normalize(join(root, subPath.endsWith('/') || subPath == '' ? subPath + 'index.html' : subPath));
  return file == root || file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : null;
}

/** The origin the browser used, when the Host header looks like one; else the collector's own. */
const originOf = (/** @type {import('fastify').FastifyRequest} */ request) => {
  const host = request.headers.host ?? '';
  return /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:]+\](:\d{1,5})?$/i.test(host)
    ? `http://${host}`
    : `http://${request.socket.localAddress}:${request.socket.localPort}`;
};

/**
 * @param {import('fastify').FastifyInstance} app
 * @param {DemoOptions} options
 */
export default async function demoRoutes(app, { staticDirs, siteId }) {
  await app.register(fastifyStatic, { root: Object.values(staticDirs)[0] ?? HERE, serve: false, cacheControl: false });
  const distDir = staticDirs['/dist/'] ?? resolve(ROOT, 'dist');

  /**
   * @param {import('fastify').FastifyRequest} request
   * @param {import('fastify').FastifyReply} reply
   * @param {string} prefix
   * @param {string} file
   */
  async function sendPage(request, reply, prefix, file) {
    let html = await readFile(file, 'utf8').catch(() => null);
    if (html == null) return false;
    if (prefix == '/shop/') {
      const snippet = await readFile(join(distDir, 'snippet.html'), 'utf8').catch(() => null);
      html = injectSnippet(html, snippet, { siteId, scriptUrl: '/dist/cio.js', endpoint: originOf(request) });
    }
    reply.type('text/html; charset=utf-8').header('Content-Security-Policy', contentSecurityPolicy(html)).send(html);
    return true;
  }

  for (const [prefix, root] of Object.entries(staticDirs)) {
    const isSpa = prefix == '/spa/';
    if (prefix != '/') app.get(prefix.slice(0, -1), async (_request, reply) => reply.redirect(prefix, 301));
    app.get(`${prefix}*`, async (request, reply) => {
      const subPath = /** @type {{ '*': string }} */ (request.params)['*'];
      const file = fileUnder(root, subPath);
      if (!file) return sendError(reply, 404, 'not_found', `nothing at ${request.url.split('?')[0]}`);
      const ext = extname(file);
      if (ext == '.html') return (await sendPage(request, reply, prefix, file)) ? reply : reply.callNotFound();
      if (ext) return reply.sendFile(file.slice(root.length), root); // a missing file: callNotFound
      // An SPA's client-side route (no extension) gets its index.html.
      if (isSpa && (await sendPage(request, reply, prefix, join(root, 'index.html')))) return reply;
      return reply.callNotFound();
    });
  }
  app.route({
    method: ['POST', 'PUT', 'DELETE', 'PATCH'],
    url: '/*',
    handler: async (_request, reply) => sendError(reply, 405, 'method_not_allowed', 'use GET'),
  });
}
