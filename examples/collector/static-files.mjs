// Serves the live view, the demo pages and the built library from fixed folders. HTML pages get
// a Content-Security-Policy that allows only their own files plus the hashes of the inline scripts
// they really contain (the pasted snippet, an import map), so injected script cannot run.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
};
const INLINE_SCRIPT = /<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi;

/** The policy for a page, with a hash for each inline script it contains. */
export function contentSecurityPolicy(/** @type {string} */ html = '') {
  const hashes = [...html.matchAll(INLINE_SCRIPT)].map(
    ([, code]) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`,
  );
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.map((h) => ' ' + h).join('')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Finds a file for a URL path under a mount; null when there is none or the path escapes `root`.
 * @param {string} root the folder the mount serves
 * @param {string} subPath the URL path after the mount, already decoded
 * @param {string | undefined} fallback a file (relative to root) for extension-less paths: an SPA's index.html
 */
export async function readStatic(root, subPath, fallback) {
  const file = normalize(join(root, subPath.endsWith('/') || subPath == '' ? subPath + 'index.html' : subPath));
  if (file != root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  try {
    return { file, body: await readFile(file) };
  } catch {
    if (!fallback || extname(subPath)) return null;
    const fallbackFile = join(root, fallback);
    const body = await readFile(fallbackFile).catch(() => null);
    return body && { file: fallbackFile, body };
  }
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {string} file
 * @param {Buffer | string} body
 */
export function sendFile(res, file, body) {
  const type = CONTENT_TYPES[/** @type {keyof CONTENT_TYPES} */ (extname(file))] ?? 'application/octet-stream';
  /** @type {Record<string, string>} */
  const headers = { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
  if (type.startsWith('text/html')) headers['Content-Security-Policy'] = contentSecurityPolicy(String(body));
  res.writeHead(200, headers).end(body);
}

export const SNIPPET_MARKER = '<!-- tracklet-snippet -->';

/**
 * Pastes the built snippet (dist/snippet.html) into a demo page in place of the marker comment,
 * its placeholders filled in, so the demo always runs the snippet the build made.
 * @param {string} html
 * @param {string | null} snippet the contents of dist/snippet.html, or null when not built
 * @param {{ siteId: string, scriptUrl: string, endpoint: string }} values
 */
export function injectSnippet(html, snippet, { siteId, scriptUrl, endpoint }) {
  if (snippet == null)
    return html.replace(SNIPPET_MARKER, '<!-- tracklet: dist/snippet.html is missing; run "npm run build" -->');
  const filled = snippet
    .replaceAll('YOUR_SITE_ID', siteId)
    .replaceAll('https://YOUR_CDN/cio.js', scriptUrl)
    .replaceAll('https://YOUR_ENDPOINT', endpoint);
  return html.replace(SNIPPET_MARKER, () => filled.trim());
}
