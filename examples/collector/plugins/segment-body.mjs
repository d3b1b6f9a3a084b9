// How the Segment side reads a body: whatever its Content-Type (browsers send text/plain so that
// no preflight is needed and sendBeacon works), capped while it streams in, gunzipped when it is
// announced as gzip, then parsed as JSON. Registered in the Segment routes' scope only.
//
// gzip is announced by `?encoding=gzip` (browsers: a Content-Encoding header is not
// CORS-safelisted, so it would need a preflight, and a preflighted keepalive fetch is dropped at
// unload and sendBeacon cannot send one) or by the standard `Content-Encoding: gzip` (servers).
import { gunzip } from 'node:zlib';
import { MAX_BATCH_BYTES } from '../../../src/limits.js';
import { HttpError } from '../errors.mjs';

const GZIP = new Set(['gzip', 'x-gzip']); // RFC 9110 §8.4.1.3: x-gzip is gzip
const IDENTITY = new Set(['', 'identity']);
const IS_GZIP = Symbol('isGzip');

/**
 * Decides from the request line and headers alone, before any byte of the body is read, so a
 * body the collector cannot decode is refused (415) before it is received. Both announcements at
 * once mean one gzip layer, not two: they name the same body.
 * @param {import('fastify').FastifyRequest} request
 */
export async function checkEncoding(request) {
  const query = new URL(request.url, 'http://collector').searchParams
    .getAll('encoding')
    .map((value) => value.toLowerCase());
  const header = String(request.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  const unknown =
    query.find((value) => !GZIP.has(value)) ?? (GZIP.has(header) || IDENTITY.has(header) ? undefined : header);
  if (unknown !== undefined) {
    const detail = `the body encoding "${unknown}" is not supported; send gzip (?encoding=gzip) or plain JSON`;
    // RFC 9110 §15.5.16: a 415 says what it would have accepted.
    throw new HttpError(415, 'unsupported_encoding', detail, {}, { 'Accept-Encoding': 'gzip' });
  }
  /** @type {any} */ (request)[IS_GZIP] = query.length > 0 || GZIP.has(header);
}

/**
 * Reads the body into one Buffer, refusing it as soon as more than `maxBytes` arrived: a client
 * that sends 1 GB costs at most maxBytes of memory. A declared length over the limit is refused
 * before a single byte is read.
 * @param {import('node:http').IncomingMessage} stream
 * @param {number} maxBytes
 * @returns {Promise<Buffer>}
 */
function readCapped(stream, maxBytes) {
  const tooLarge = () => new HttpError(413, 'body_too_large', `the request body is over ${maxBytes} bytes`);
  return new Promise((resolve, reject) => {
    if (Number(stream.headers['content-length']) > maxBytes) return reject(tooLarge());
    /** @type {Buffer[]} */
    const chunks = [];
    let receivedBytes = 0;
    const onData = (/** @type {Buffer} */ chunk) => {
      receivedBytes += chunk.length;
      if (receivedBytes <= maxBytes) return void chunks.push(chunk);
      cleanUp();
      chunks.length = 0;
      stream.pause(); // the error handler answers 413, reads the rest away for a moment, then closes
      reject(tooLarge());
    };
    const onEnd = () => (cleanUp(), resolve(Buffer.concat(chunks)));
    const onError = (/** @type {Error} */ error) => (cleanUp(), reject(error));
    // A client that hangs up mid-upload: nobody is left to answer, but the promise must settle.
    const onClose = () => onError(new Error('the client closed the connection before the body ended'));
    const cleanUp = () => {
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Gunzips at most `maxBytes`: zlib stops within one 16 KiB chunk of the limit, so a small body
 * that would inflate to gigabytes (a zip bomb) costs no more memory than a plain body may.
 * Runs on libuv's thread pool, not the event loop.
 * @param {Buffer} bytes
 * @param {number} maxBytes
 * @returns {Promise<Buffer>}
 */
function gunzipCapped(bytes, maxBytes) {
  return new Promise((resolve, reject) => {
    gunzip(bytes, { maxOutputLength: maxBytes }, (error, inflated) => {
      if (!error) return resolve(inflated);
      if (/** @type {NodeJS.ErrnoException} */ (error).code == 'ERR_BUFFER_TOO_LARGE')
        return reject(new HttpError(413, 'body_too_large', `the body inflates to over ${maxBytes} bytes`));
      reject(new HttpError(400, 'invalid_gzip', `the body is not valid gzip (${error.message})`));
    });
  });
}

/**
 * The content-type parser for every type (and none): the 500 KB cap counts the bytes on the
 * wire, and again what a gzip body inflates to.
 * @param {import('fastify').FastifyRequest} request
 * @param {import('node:http').IncomingMessage} payload
 */
export async function parseSegmentBody(request, payload) {
  let bytes = await readCapped(payload, MAX_BATCH_BYTES);
  if (/** @type {any} */ (request)[IS_GZIP]) bytes = await gunzipCapped(bytes, MAX_BATCH_BYTES);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
  }
}
