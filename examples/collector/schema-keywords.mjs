// The two limits JSON Schema cannot say: a string's length in UTF-8 bytes (the unit every limit
// in src/limits.js uses) and the size of a value's JSON (Customer.io's data and attribute limits).
// Their error text comes from the `description` beside them in each schema (errors.mjs).
/** @typedef {import('ajv').default} Ajv */

/** @param {Ajv} ajv */
export function addByteKeywords(ajv) {
  ajv.addKeyword({
    keyword: 'maxBytes',
    type: 'string',
    schemaType: 'number',
    validate: (/** @type {number} */ max, /** @type {string} */ value) => Buffer.byteLength(value) <= max,
  });
  ajv.addKeyword({
    keyword: 'maxJsonBytes',
    schemaType: 'number',
    validate: (/** @type {number} */ max, /** @type {unknown} */ value) =>
      Buffer.byteLength(JSON.stringify(value) ?? '') <= max,
  });
  return ajv;
}
