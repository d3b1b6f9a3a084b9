// JSON answers: every response of the batch endpoint and the API goes through these two.

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
export function sendJson(res, status, body) {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(JSON.stringify(body));
}

/**
 * An error answer: `{ error, detail }`. A 413 or 429 also closes the connection: the body was
 * not (fully) read, and reading it would cost what the refusal is there to save.
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} error
 * @param {string} detail
 */
export function refuse(res, status, error, detail) {
  if (status == 429 || status == 413) res.setHeader('Connection', 'close');
  sendJson(res, status, { error, detail });
}
