// The segment builder's conditions: an editor per condition (an event performed or not, a page
// viewed or not, an attribute; a group of them), read back into the definition the API takes
// (docs/collector.md, "Segments"), and filled from a saved one. Each field carries the path the
// API names it by (data-path, e.g. segment.conditions.0.min), so an answer's refusal or warning
// is shown beside the field it is about. The checks here only catch what a person can see is
// missing; the API checks everything again.
import { el } from './dom.js';

const KINDS = [
  ['performed', 'performed the event'],
  ['not-performed', 'did not perform the event'],
  ['viewed', 'viewed a page'],
  ['not-viewed', 'did not view a page'],
  ['attribute', 'has the attribute'],
];
const DATA_OPERATORS = [
  ['equals', 'equals'],
  ['not_equals', 'does not equal'],
  ['contains', 'contains'],
  ['greater', 'is greater than'],
  ['less', 'is less than'],
  ['exists', 'exists'],
  ['not_exists', 'does not exist'],
];
const ATTRIBUTE_OPERATORS = [...DATA_OPERATORS, ['before', 'is a time before'], ['after', 'is a time after']];
const WITHOUT_VALUE = ['exists', 'not_exists'];

/**
 * @param {string} name
 * @param {string[][]} options value and label
 * @param {string} [label]
 */
function select(name, options, label = '') {
  const node = el(
    'select',
    { attrs: { name, ...(label ? { 'aria-label': label } : {}) } },
    options.map(([value, text]) => el('option', { text, attrs: { value } })),
  );
  return /** @type {HTMLSelectElement} */ (node);
}

/**
 * @param {string} name
 * @param {Record<string, string>} [attrs]
 */
const input = (name, attrs = {}) => /** @type {HTMLInputElement} */ (el('input', { attrs: { name, ...attrs } }));

/** @param {string} text */
const removeButton = (text = 'Remove') =>
  el('button', { text: '×', title: text, className: 'remove', attrs: { type: 'button', 'aria-label': text } });

/** "at least [1] times within [ ] [days]": an empty window means ever. */
function timing() {
  return el('span', { className: 'timing' }, [
    el('label', {}, [
      'at least ',
      input('min', { type: 'number', min: '1', value: '1', inputmode: 'numeric' }),
      ' times',
    ]),
    el('label', {}, [
      'within ',
      input('within', { type: 'number', min: '1', placeholder: 'ever', inputmode: 'numeric' }),
      ' ',
      select(
        'unit',
        [
          ['d', 'days'],
          ['h', 'hours'],
        ],
        'window unit',
      ),
    ]),
  ]);
}

/** A condition on the event's data: field, operator, value. */
function dataCondition() {
  return el('li', { className: 'data-condition' }, [
    'where ',
    input('field', { placeholder: 'field, e.g. price', 'aria-label': 'data field' }),
    select('operator', DATA_OPERATORS, 'operator'),
    input('value', { placeholder: 'value', 'aria-label': 'value' }),
    removeButton('Remove this data condition'),
  ]);
}

/**
 * The fields of one kind of condition.
 * @param {string} kind
 */
function fieldsOf(kind) {
  if (kind == 'performed' || kind == 'not-performed')
    return [
      input('event', { placeholder: 'event name', list: 'event-name-list', 'aria-label': 'event name' }),
      timing(),
      el('ol', { className: 'data-conditions' }),
      el('button', { text: '+ data condition', className: 'link', attrs: { type: 'button', 'data-add': 'data' } }),
    ];
  if (kind == 'viewed' || kind == 'not-viewed')
    return [
      select(
        'url-operator',
        [
          ['contains', 'whose URL contains'],
          ['equals', 'whose URL is'],
        ],
        'URL operator',
      ),
      input('url', { placeholder: '/pricing', 'aria-label': 'URL' }),
      timing(),
    ];
  return [
    input('attribute', { placeholder: 'attribute, e.g. plan', list: 'attribute-name-list', 'aria-label': 'attribute' }),
    select('operator', ATTRIBUTE_OPERATORS, 'operator'),
    input('value', { placeholder: 'value', 'aria-label': 'value' }),
  ];
}

/**
 * An editor for one condition; its kind select swaps its fields.
 * @param {string} [kind]
 */
export function conditionEditor(kind = 'performed') {
  const kinds = select('kind', KINDS, 'condition');
  kinds.value = kind;
  const fields = el('span', { className: 'fields' }, fieldsOf(kind));
  kinds.addEventListener('change', () => fields.replaceChildren(...fieldsOf(kinds.value)));
  return el('li', { className: 'condition' }, [kinds, fields, removeButton('Remove this condition')]);
}

/** An editor for a group: any of / all of, and its own conditions (not groups). */
export function groupEditor() {
  return el('li', { className: 'condition group' }, [
    el('span', { className: 'group-head' }, [
      select(
        'group-match',
        [
          ['any', 'any of'],
          ['all', 'all of'],
        ],
        'group match',
      ),
      ' these:',
      removeButton('Remove this group'),
    ]),
    el('ol', { className: 'conditions' }, [conditionEditor()]),
    el('button', {
      text: '+ condition in this group',
      className: 'link',
      attrs: { type: 'button', 'data-add': 'in-group' },
    }),
  ]);
}

/** Wires the add and remove buttons of an editor list (delegated, so new editors need nothing). */
export function handleEditorClicks(/** @type {HTMLElement} */ root) {
  root.addEventListener('click', (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target.matches('.remove')) target.closest('li')?.remove();
    else if (target.dataset.add == 'data')
      target.parentElement?.querySelector('.data-conditions')?.append(dataCondition());
    else if (target.dataset.add == 'in-group')
      target.closest('.group')?.querySelector('.conditions')?.append(conditionEditor());
    else return;
    root.dispatchEvent(new Event('input', { bubbles: true })); // the conditions changed
  });
}

/** A value as typed: true/false and numbers as such (so 25 equals the number 25), else text. */
function typedValue(/** @type {string} */ text, /** @type {string} */ operator) {
  if (operator == 'greater' || operator == 'less') return text.trim() == '' ? NaN : Number(text);
  if (operator != 'equals' && operator != 'not_equals') return text;
  if (text == 'true' || text == 'false') return text == 'true';
  return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
}

/**
 * @typedef {{ field: HTMLElement, message: string }} Problem a field and what is wrong with it
 */

/**
 * Reads a list of editors into conditions, tagging each field with its API path.
 * @param {Element} list an `ol` of editors
 * @param {string} path e.g. segment.conditions
 * @param {Problem[]} problems what a person can see is missing is added here
 * @returns {object[]}
 */
export function readConditions(list, path, problems) {
  return [...list.children].map((item, i) => {
    const at = `${path}.${i}`;
    /** @param {string} name @param {string} key */
    const field = (name, key) => {
      const node = /** @type {HTMLInputElement} */ (
        item.querySelector(`:scope > .fields [name=${name}], :scope > [name=${name}]`)
      );
      if (node) node.dataset.path = `${at}.${key}`;
      return node;
    };
    /** @param {HTMLInputElement} node @param {string} message */
    const need = (node, message) =>
      node.value.trim() ? node.value.trim() : (problems.push({ field: node, message }), '');
    if (item.matches('.group')) {
      const match = /** @type {HTMLSelectElement} */ (item.querySelector('[name=group-match]')).value;
      return {
        kind: 'group',
        match,
        conditions: readConditions(
          /** @type {Element} */ (item.querySelector('.conditions')),
          `${at}.conditions`,
          problems,
        ),
      };
    }
    const kind = /** @type {HTMLSelectElement} */ (item.querySelector('[name=kind]')).value;
    if (kind == 'attribute') {
      const operator = field('operator', 'operator').value;
      const name = need(field('attribute', 'name'), 'name the attribute');
      const valueField = field('value', 'value');
      if (WITHOUT_VALUE.includes(operator)) return { kind, name, operator };
      const value = typedValue(need(valueField, 'give a value to compare with'), operator);
      if (Number.isNaN(value)) problems.push({ field: valueField, message: 'must be a number' });
      return { kind, name, operator, value };
    }
    const min = field('min', 'min');
    const within = field('within', 'within');
    const unit = /** @type {HTMLSelectElement} */ (item.querySelector('[name=unit]')).value;
    if (!/^[1-9]\d*$/.test(min.value.trim())) problems.push({ field: min, message: 'must be a whole number from 1' });
    if (within.value.trim() && !/^[1-9]\d*$/.test(within.value.trim()))
      problems.push({ field: within, message: 'must be a whole number from 1, or empty for ever' });
    const timed = {
      performed: kind == 'performed' || kind == 'viewed',
      min: Number(min.value),
      ...(within.value.trim() ? { within: `${within.value.trim()}${unit}` } : {}),
    };
    if (kind == 'viewed' || kind == 'not-viewed') {
      const operator = field('url-operator', 'url.operator').value;
      return {
        kind: 'page',
        url: { operator, value: need(field('url', 'url.value'), 'give a URL or part of one') },
        ...timed,
      };
    }
    const event = need(field('event', 'event'), 'name the event');
    const where = [...item.querySelectorAll('.data-condition')].map((row, j) => {
      const rowPath = `${at}.where.${j}`;
      const [name, operator, value] = ['field', 'operator', 'value'].map(
        (n) => /** @type {HTMLInputElement} */ (row.querySelector(`[name=${n}]`)),
      );
      name.dataset.path = `${rowPath}.field`;
      value.dataset.path = `${rowPath}.value`;
      const test = { field: need(name, 'name the data field'), operator: operator.value };
      if (WITHOUT_VALUE.includes(operator.value)) return test;
      const typed = typedValue(need(value, 'give a value to compare with'), operator.value);
      if (Number.isNaN(typed)) problems.push({ field: value, message: 'must be a number' });
      return { ...test, value: typed };
    });
    return { kind: 'event', event, ...timed, ...(where.length ? { where } : {}) };
  });
}

/**
 * Builds the editors of saved conditions.
 * @param {any[]} conditions
 * @returns {HTMLElement[]}
 */
export function editorsOf(conditions) {
  return conditions.map((condition) => {
    if (condition.kind == 'group') {
      const group = groupEditor();
      /** @type {HTMLSelectElement} */ (group.querySelector('[name=group-match]')).value = condition.match ?? 'all';
      /** @type {HTMLElement} */ (group.querySelector('.conditions')).replaceChildren(
        ...editorsOf(condition.conditions),
      );
      return group;
    }
    const performed = condition.performed ?? true;
    const kind =
      condition.kind == 'attribute'
        ? 'attribute'
        : condition.kind == 'page'
          ? performed
            ? 'viewed'
            : 'not-viewed'
          : performed
            ? 'performed'
            : 'not-performed';
    const editor = conditionEditor(kind);
    /** @param {string} name @param {unknown} value */
    const set = (name, value, root = editor) => {
      const node = /** @type {HTMLInputElement | null} */ (root.querySelector(`[name=${name}]`));
      if (node && value !== undefined) node.value = String(value);
    };
    set('event', condition.event);
    set('attribute', condition.name);
    set('operator', condition.operator);
    set('value', condition.value);
    set('url-operator', condition.url?.operator);
    set('url', condition.url?.value);
    set('min', condition.min ?? 1);
    if (condition.within) {
      set('within', condition.within.slice(0, -1));
      set('unit', condition.within.slice(-1));
    }
    for (const test of condition.where ?? []) {
      const row = dataCondition();
      set('field', test.field, row);
      set('operator', test.operator, row);
      set('value', test.value, row);
      editor.querySelector('.data-conditions')?.append(row);
    }
    return editor;
  });
}
