// The saved segments repository: named segment definitions of a site (their members are counted
// live, by store/segments.mjs, each time they are read).

/** @typedef {import('better-sqlite3').Database} Database */

/**
 * @typedef {object} SavedSegment
 * @property {number} id
 * @property {string} name
 * @property {unknown} segment the definition as it was saved
 * @property {string} createdAt
 * @property {string} updatedAt
 */

/** @param {any} row */
const toSaved = (row) => ({
  id: row.id,
  name: row.name,
  segment: JSON.parse(row.definition),
  createdAt: new Date(row.created_ms).toISOString(),
  updatedAt: new Date(row.updated_ms).toISOString(),
});

/** @param {Database} db */
export function createSavedSegments(db) {
  const selectAll = db.prepare('SELECT * FROM saved_segments WHERE site_id = ? ORDER BY name COLLATE NOCASE, id');
  const selectOne = db.prepare('SELECT * FROM saved_segments WHERE site_id = ? AND id = ?');
  const selectByName = db.prepare('SELECT id FROM saved_segments WHERE site_id = ? AND name = ?').pluck();
  const insert = db.prepare(`
    INSERT INTO saved_segments (site_id, name, definition, created_ms, updated_ms)
    VALUES (@siteId, @name, @definition, @nowMs, @nowMs)`);
  const update = db.prepare(`
    UPDATE saved_segments SET name = @name, definition = @definition, updated_ms = @nowMs
    WHERE site_id = @siteId AND id = @id`);
  const remove = db.prepare('DELETE FROM saved_segments WHERE site_id = ? AND id = ?');

  return {
    /**
     * @param {string} siteId
     * @returns {SavedSegment[]} by name
     */
    list: (siteId) => selectAll.all(siteId).map(toSaved),
    /**
     * @param {string} siteId
     * @param {number} id
     * @returns {SavedSegment | null}
     */
    get(siteId, id) {
      const row = selectOne.get(siteId, id);
      return row ? toSaved(row) : null;
    },
    /**
     * The id of the site's segment of this name, if any (names are unique per site).
     * @param {string} siteId
     * @param {string} name
     * @returns {number | undefined}
     */
    idOf: (siteId, name) => /** @type {number | undefined} */ (selectByName.get(siteId, name)),
    /**
     * @param {string} siteId
     * @param {{ name: string, segment: unknown }} saved
     * @param {number} nowMs
     * @returns {SavedSegment}
     */
    create(siteId, { name, segment }, nowMs) {
      const { lastInsertRowid } = insert.run({ siteId, name, definition: JSON.stringify(segment), nowMs });
      return /** @type {SavedSegment} */ (this.get(siteId, Number(lastInsertRowid)));
    },
    /**
     * @param {string} siteId
     * @param {number} id
     * @param {{ name: string, segment: unknown }} saved
     * @param {number} nowMs
     * @returns {SavedSegment | null} null when there is no such segment
     */
    replace(siteId, id, { name, segment }, nowMs) {
      const { changes } = update.run({ siteId, id, name, definition: JSON.stringify(segment), nowMs });
      return changes ? this.get(siteId, id) : null;
    },
    /**
     * @param {string} siteId
     * @param {number} id
     * @returns {boolean} whether it existed
     */
    remove: (siteId, id) => remove.run(siteId, id).changes > 0,
  };
}
