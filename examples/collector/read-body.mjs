// Reads a request body into one Buffer, refusing it as soon as more than `maxBytes` arrived:
// a client that sends 1 GB costs us at most maxBytes of memory, never the whole upload.

/** Thrown (as a rejection) when the body passes the limit; `status` is the HTTP answer. */
export class BodyTooLargeError extends Error {
  /** @param {number} maxBytes */
  constructor(maxBytes) {
    super(`request body is larger than ${maxBytes} bytes`);
    this.status = 413;
  }
}

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {number} maxBytes
 * @returns {Promise<Buffer>}
 */
export function readBody(req, maxBytes) {
  return new Promise((resolve, reject) => {
    // A declared length over the limit is refused before a single byte is read.
    const declaredBytes = Number(req.headers['content-length']);
    if (declaredBytes > maxBytes) return reject(new BodyTooLargeError(maxBytes));
    /** @type {Buffer[]} */
    const chunks = [];
    let receivedBytes = 0;
    const onData = (/** @type {Buffer} */ chunk) => {
      receivedBytes += chunk.length;
      if (receivedBytes > maxBytes) {
        cleanUp();
        chunks.length = 0;
        // Stop pulling from the socket; the caller answers 413 and closes the connection.
        req.pause();
        return reject(new BodyTooLargeError(maxBytes));
      }
      chunks.push(chunk);
    };
    const onEnd = () => (cleanUp(), resolve(Buffer.concat(chunks)));
    const onError = (/** @type {Error} */ error) => (cleanUp(), reject(error));
    // A client that hangs up mid-upload: nobody is left to answer, but the promise must settle.
    const onClose = () => onError(new Error('the client closed the connection before the body ended'));
    const cleanUp = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
