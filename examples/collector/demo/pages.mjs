// The demo's HTML: a Content-Security-Policy that allows only the page's own files plus the hashes
// of the inline scripts it really contains (the pasted snippet, an import map), so injected
// script cannot run; and the built snippet pasted into the shop pages.
import { createHash } from 'node:crypto';

const INLINE_SCRIPT = /<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi;
export const SNIPPET_MARKER = '<!-- tracklet-snippet -->';

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
