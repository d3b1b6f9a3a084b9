// The attributes repository: a person's latest traits (identify) and attributes (Track API PUT),
// and the attribute names a site has, for the segment form. store/summaries.mjs writes them.

/** @typedef {import('better-sqlite3').Database} Database */

/**
 * A stored value as JSON gives it back: objects and arrays parsed, true and false as booleans.
 * @param {{ value: unknown, type: string }} row
 */
export function toValue({ value, type }) {
  if (type == 'true' || type == 'false') return type == 'true';
  if (type == 'object' || type == 'array') return JSON.parse(/** @type {string} */ (value));
  return value;
}

/** @param {Database} db */
export function createAttributes(db) {
  // A trait sent as null removes it: the row stays (its time still decides later updates), unseen.
  const selectOfPerson = db.prepare(`
    SELECT name, value, type FROM person_attributes
    WHERE site_id = ? AND person_id = ? AND type != 'null' ORDER BY name`);
  const selectNames = db.prepare(`
    SELECT name, COUNT(*) AS people FROM person_attributes
    WHERE site_id = ? AND type != 'null' GROUP BY name ORDER BY people DESC, name LIMIT 300`);

  return {
    /**
     * @param {string} siteId
     * @param {string} personId
     * @returns {Record<string, unknown>} name → latest value
     */
    of: (siteId, personId) =>
      Object.fromEntries(
        selectOfPerson.all(siteId, personId).map((/** @type {any} */ row) => [row.name, toValue(row)]),
      ),
    /**
     * The site's attribute names, the most common first (at most 300, Customer.io's limit per person).
     * @param {string} siteId
     * @returns {{ name: string, people: number }[]}
     */
    names: (siteId) => /** @type {any[]} */ (selectNames.all(siteId)),
  };
}
