// A segment, compiled to one SQL condition on a row `p` of `people`. Each condition is a
// subquery on that one person, answered by a seek: messages_by_person (site, person, type, event
// name or page URL, time) for events and page views, the primary key of person_attributes for
// attributes. So a segment costs a few seeks per person the site has, whatever the number of
// messages; no query filters every message, and nothing is filtered in JavaScript. Values are
// bound, never written into the SQL. The segment was checked by the read API's schema and made
// ready by ../segments.mjs (times in ms).

/**
 * @typedef {'equals' | 'not_equals' | 'contains' | 'greater' | 'less' | 'exists' | 'not_exists' | 'before' | 'after'} Operator
 * @typedef {{ field: string, operator: Operator, value?: string | number | boolean }} DataCondition
 * @typedef {{ kind: 'event', event: string, performed: boolean, min: number, fromMs: number | null, where: DataCondition[] }} EventCondition
 * @typedef {{ kind: 'page', url: { operator: 'equals' | 'contains', value: string }, performed: boolean, min: number, fromMs: number | null }} PageCondition
 * @typedef {{ kind: 'attribute', name: string, operator: Operator, value?: string | number | boolean, timeMs?: number }} AttributeCondition
 * @typedef {{ kind: 'group', match: 'all' | 'any', conditions: Condition[] }} GroupCondition
 * @typedef {EventCondition | PageCondition | AttributeCondition | GroupCondition} Condition
 * @typedef {{ match: 'all' | 'any', anonymous: 'include' | 'exclude', conditions: Condition[] }} ReadySegment
 */

/** A JSON value read by SQL as a number: numbers, and strings that are JSON numbers ("23.45", as form bodies send them). */
const asNumber = (/** @type {string} */ v, /** @type {string} */ t) =>
  `(CASE WHEN ${t} IN ('integer', 'real') THEN ${v} WHEN ${t} = 'text' AND json_valid(${v}) AND json_type(${v}) IN ('integer', 'real') THEN ${v} + 0 END)`;

/**
 * @param {ReadySegment} segment
 * @returns {{ where: string, params: Record<string, unknown> }} `where` tests a `people` row `p`;
 *   its parameters are named `@p0`, `@p1`, …; AND it with `p.site_id = @siteId`
 */
export function compileSegment(segment) {
  /** @type {Record<string, unknown>} */
  const params = {};
  let count = 0;
  const bind = (/** @type {unknown} */ value) => {
    const name = `p${count++}`;
    params[name] = value;
    return `@${name}`;
  };

  /**
   * A value test on SQL expressions of a JSON value `v`, its json_type `t` and (attributes) its time `time`.
   * @param {{ operator: Operator, value?: unknown, timeMs?: number }} test
   * @param {string} v
   * @param {string} t
   * @param {string} [time]
   */
  function valueTest({ operator, value, timeMs }, v, t, time) {
    const present = `(${t} IS NOT NULL AND ${t} != 'null')`;
    const equal =
      typeof value == 'number'
        ? `${asNumber(v, t)} = ${bind(value)}`
        : typeof value == 'boolean'
          ? `${t} = ${bind(String(value))}`
          : `(${t} = 'text' AND ${v} = ${bind(value)})`;
    switch (operator) {
      case 'exists':
        return present;
      case 'not_exists':
        return `NOT ${present}`;
      case 'equals':
        return equal;
      case 'not_equals':
        return `(${present} AND NOT ${equal})`;
      case 'contains':
        return `(${t} = 'text' AND instr(${v}, ${bind(String(value))}) > 0)`;
      case 'greater':
        return `${asNumber(v, t)} > ${bind(value)}`;
      case 'less':
        return `${asNumber(v, t)} < ${bind(value)}`;
      case 'before':
        return `${time} < ${bind(timeMs)}`;
      case 'after':
        return `${time} > ${bind(timeMs)}`;
    }
  }

  /**
   * Whether the person has at least `min` messages matching `filter` (or fewer, when not
   * performed); counting stops at `min`.
   * @param {{ performed: boolean, min: number, fromMs: number | null }} condition
   * @param {string} filter what else the messages must satisfy
   */
  function countedMessages({ performed, min, fromMs }, filter) {
    const since = fromMs == null ? '' : ` AND m.timestamp_ms >= ${bind(fromMs)}`;
    const found = `SELECT 1 FROM messages m
      WHERE m.site_id = p.site_id AND m.person_id = p.id AND ${filter}${since}`;
    const has = min == 1 ? `EXISTS (${found})` : `(SELECT COUNT(*) FROM (${found} LIMIT ${bind(min)})) >= ${bind(min)}`;
    return performed ? has : `NOT ${has}`;
  }

  /**
   * @param {Condition} condition
   * @returns {string}
   */
  function compileCondition(condition) {
    switch (condition.kind) {
      case 'event': {
        const data = condition.where.map((test) => {
          const path = bind(
            `$.properties${test.field
              .split('.')
              .map((key) => `."${key}"`)
              .join('')}`,
          );
          const v = `json_extract(m.raw, ${path})`;
          return ` AND ${valueTest(test, v, `json_type(m.raw, ${path})`)}`;
        });
        return countedMessages(
          condition,
          `m.type = 'track' AND m.event_key = ${bind(condition.event)}${data.join('')}`,
        );
      }
      case 'page': {
        const { operator, value } = condition.url;
        // event_key is a page view's URL (store/migrations-people.mjs).
        const test = operator == 'equals' ? `m.event_key = ${bind(value)}` : `instr(m.event_key, ${bind(value)}) > 0`;
        return countedMessages(condition, `m.type = 'page' AND ${test}`);
      }
      case 'attribute': {
        const isAbsence = condition.operator == 'not_exists';
        const test = isAbsence ? `a.type != 'null'` : valueTest(condition, 'a.value', 'a.type', 'a.time_ms');
        const found = `SELECT 1 FROM person_attributes a
          WHERE a.site_id = p.site_id AND a.person_id = p.id AND a.name = ${bind(condition.name)} AND ${test}`;
        return `${isAbsence ? 'NOT ' : ''}EXISTS (${found})`;
      }
      case 'group':
        return compileGroup(condition);
    }
  }

  /**
   * @param {{ match: 'all' | 'any', conditions: Condition[] }} group
   * @returns {string}
   */
  function compileGroup({ match, conditions }) {
    return `(${conditions.map(compileCondition).join(match == 'all' ? ' AND ' : ' OR ')})`;
  }

  const anonymous = segment.anonymous == 'exclude' ? ' AND p.user_id IS NOT NULL' : '';
  const where = `${compileGroup(segment)}${anonymous}`;
  return { where, params };
}
