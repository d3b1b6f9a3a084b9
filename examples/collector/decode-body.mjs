// The one content coding a batch may come in: gzip (docs/protocol.md). Browsers announce it with
// `?encoding=gzip`, because a Content-Encoding header is not CORS-safelisted: it would need a
// preflight, and a preflighted keepalive fetch is dropped at unload and sendBeacon cannot send
// one. Server-side senders may use the standard `Content-Encoding: gzip` instead.
import { gunzip } from 'node:zlib';

/** @typedef {{ status: number, error: string, detail: string }} DecodeProblem */

const GZIP = new Set(['gzip', 'x-gzip']); // RFC 9110 §8.4.1.3: x-gzip is gzip
const IDENTITY = new Set(['', 'identity']);

/**
 * Decides from the request line and headers alone, before any byte of the body is read.
 * Both announcements at once mean one gzip layer, not two: they name the same body.
 * @param {import('node:http').IncomingMessage} req
 * @returns {{ isGzip: boolean, problem: null } | { problem: DecodeProblem }}
 */
export function findEncoding(req) {
  const query = new URL(req.url ?? '/', 'http://collector').searchParams
    .getAll('encoding')
    .map((value) => value.toLowerCase());
  const header = String(req.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const unknown =
    query.find((value) => !GZIP.has(value)) ?? (GZIP.has(header) || IDENTITY.has(header) ? undefined : header);
  if (unknown !== undefined) {
    return {
      problem: {
        status: 415,
        error: 'unsupported_encoding',
        detail: `the body encoding "${unknown}" is not supported; send gzip (?encoding=gzip) or plain JSON`,
      },
    };
  }
  return { isGzip: query.length > 0 || GZIP.has(header), problem: null };
}

/**
 * Gunzips at most `maxBytes`: zlib stops within one 16 KiB chunk of the limit, so a small body
 * that would inflate to gigabytes (a zip bomb) costs no more memory than a plain body may.
 * Runs on libuv's thread pool, not the event loop.
 * @param {Buffer} bytes the body as received
 * @param {number} maxBytes
 * @returns {Promise<{ bytes: Buffer, problem: null } | { problem: DecodeProblem }>}
 */
export function gunzipBody(bytes, maxBytes) {
  return new Promise((resolve) => {
    gunzip(bytes, { maxOutputLength: maxBytes }, (error, inflated) => {
      if (!error) return resolve({ bytes: inflated, problem: null });
      if (/** @type {NodeJS.ErrnoException} */ (error).code == 'ERR_BUFFER_TOO_LARGE') {
        return resolve({
          problem: { status: 413, error: 'body_too_large', detail: `the body inflates to over ${maxBytes} bytes` },
        });
      }
      resolve({
        problem: { status: 400, error: 'invalid_gzip', detail: `the body is not valid gzip (${error.message})` },
      });
    });
  });
}
