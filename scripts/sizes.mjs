// Sizes of the shipped files, shared by the build's report and the size budget test.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

export const SNIPPET_PLACEHOLDERS = ['YOUR_SITE_ID', 'https://YOUR_CDN/cio.js', 'https://YOUR_ENDPOINT'];

const brotli = (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const gzip = (b) => gzipSync(b, { level: 9 }).length;
const measure = (file) => {
  const b = readFileSync(file);
  return { min: b.length, gzip: gzip(b), brotli: brotli(b) };
};

/** Bytes of the snippet's script (without the <script> tags), cio.js and the npm entry. */
export function sizes(dir = 'dist') {
  const code = Buffer.from(readFileSync(`${dir}/snippet.html`, 'utf8').replace(/^<script>\n|\n<\/script>\n$/g, ''));
  return {
    snippet: code.length,
    snippetGzip: gzip(code),
    snippetBrotli: brotli(code),
    cio: measure(`${dir}/cio.js`),
    entry: measure(`${dir}/index.mjs`),
  };
}
