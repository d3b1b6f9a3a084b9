// The segments page: builds a segment (segment-form.js), asks POST /api/segments/query for its
// count and first people, saves it by name, and lists the saved ones with live counts. Errors are
// the app's own, shown beside the field they are about (the form has novalidate); results that
// no longer match the form are cleared as soon as it changes.
import { el, getJson, countPeople, personRow, ApiError } from './dom.js';
import { conditionEditor, groupEditor, handleEditorClicks, readConditions, editorsOf } from './segment-form.js';

const form = /** @type {HTMLFormElement} */ (document.getElementById('segment-form'));
const conditions = /** @type {HTMLOListElement} */ (document.getElementById('conditions'));
const problem = /** @type {HTMLElement} */ (document.getElementById('segment-problem'));
const summary = /** @type {HTMLElement} */ (document.getElementById('segment-summary'));
const results = /** @type {HTMLTableSectionElement} */ (document.querySelector('#segment-results tbody'));
const saved = /** @type {HTMLUListElement} */ (document.getElementById('saved-segments'));
const nameField = /** @type {HTMLInputElement} */ (form.querySelector('[name=name]'));
const eventNames = /** @type {HTMLDataListElement} */ (document.getElementById('event-name-list'));
const attributeNames = /** @type {HTMLDataListElement} */ (document.getElementById('attribute-name-list'));

/** The saved segment the form was loaded from: Save under the same name replaces it. */
let loaded = /** @type {{ id: number, name: string } | null} */ (null);

function clearMessages() {
  for (const note of form.querySelectorAll('.field-error, .field-warning')) note.remove();
  for (const field of form.querySelectorAll('[aria-invalid]')) field.removeAttribute('aria-invalid');
  problem.textContent = '';
}

function clearResults(/** @type {string} */ why = '') {
  results.replaceChildren();
  summary.textContent = why;
}

/**
 * @param {Element} field
 * @param {string} message
 * @param {'error' | 'warning'} [kind]
 * @param {Node[]} [more] after the message (near-miss buttons)
 */
function noteBeside(field, message, kind = 'error', more = []) {
  if (kind == 'error') field.setAttribute('aria-invalid', 'true');
  const note = el(
    'span',
    { className: `field-${kind}`, text: message, attrs: { role: kind == 'error' ? 'alert' : 'note' } },
    more,
  );
  (field.closest('label') ?? field).after(note);
}

/** The definition in the form; null (with the problems shown) when a field needs filling. */
function readSegment() {
  clearMessages();
  /** @type {import('./segment-form.js').Problem[]} */
  const problems = [];
  const segment = {
    match: /** @type {HTMLSelectElement} */ (form.querySelector('[name=match]')).value,
    anonymous: /** @type {HTMLInputElement} */ (form.querySelector('[name=anonymous]')).checked ? 'include' : 'exclude',
    conditions: readConditions(conditions, 'segment.conditions', problems),
  };
  if (!segment.conditions.length) problems.push({ field: conditions, message: 'add at least one condition' });
  for (const { field, message } of problems) noteBeside(field, message);
  if (problems.length) {
    problem.textContent = problems.length == 1 ? 'One field needs fixing.' : `${problems.length} fields need fixing.`;
    /** @type {HTMLElement} */ (problems[0].field).focus();
    return null;
  }
  return segment;
}

/** A refusal of the API beside the field it names ("segment.conditions.0.min must be …"), else above the form. */
function showRefusal(/** @type {Error} */ error) {
  const [path] = error.message.split(' ');
  const field = path.startsWith('segment.') || path == 'name' ? form.querySelector(`[data-path="${path}"]`) : null;
  if (path == 'name' || error.message.startsWith('name:')) noteBeside(nameField, error.message.replace(/^name:? /, ''));
  else if (field) noteBeside(field, error.message.slice(path.length + 1));
  problem.textContent = error.message;
}

/** Warnings: an event never received, with buttons for the names it was probably meant to be. */
function showWarnings(/** @type {any[]} */ warnings) {
  for (const warning of warnings) {
    const field = /** @type {HTMLInputElement | null} */ (form.querySelector(`[data-path="${warning.path}"]`));
    if (!field) continue;
    const fixes = warning.didYouMean.map((/** @type {string} */ name) => {
      const button = el('button', { text: `use ${name}`, className: 'link', attrs: { type: 'button' } });
      button.addEventListener('click', () => {
        field.value = name;
        form.requestSubmit();
      });
      return button;
    });
    noteBeside(field, warning.detail, 'warning', fixes);
  }
}

/** @param {{ total: number, people: any[], warnings: any[] }} answer */
function showAnswer(answer) {
  const shown = answer.people.length < answer.total ? ` (the ${answer.people.length} most recently seen below)` : '';
  summary.textContent = `${countPeople(answer.total)} in this segment${shown}`;
  results.replaceChildren(...answer.people.map(personRow));
  showWarnings(answer.warnings);
}

async function findPeople() {
  const segment = readSegment();
  clearResults(segment ? 'Finding…' : '');
  if (!segment) return;
  try {
    showAnswer(await getJson('/api/segments/query', { method: 'POST', body: { segment, limit: 100 } }));
  } catch (error) {
    clearResults();
    showRefusal(/** @type {Error} */ (error));
  }
}

async function save() {
  const segment = readSegment();
  const name = nameField.value.trim();
  if (!name) noteBeside(nameField, 'name the segment to save it');
  if (!segment || !name) return;
  const isReplacing = loaded?.name == name;
  const url = isReplacing ? `/api/saved-segments/${loaded?.id}` : '/api/saved-segments';
  try {
    const answer = await getJson(url, { method: isReplacing ? 'PUT' : 'POST', body: { name, segment } });
    loaded = { id: answer.id, name: answer.name };
    showAnswer(answer);
    await showSaved();
  } catch (error) {
    if (error instanceof ApiError && error.status == 404) loaded = null; // deleted meanwhile: the next Save makes it anew
    showRefusal(/** @type {Error} */ (error));
  }
}

/** @param {any} segment a saved segment */
function open(segment) {
  loaded = { id: segment.id, name: segment.name };
  nameField.value = segment.name;
  /** @type {HTMLSelectElement} */ (form.querySelector('[name=match]')).value = segment.segment.match ?? 'all';
  /** @type {HTMLInputElement} */ (form.querySelector('[name=anonymous]')).checked =
    segment.segment.anonymous != 'exclude';
  conditions.replaceChildren(...editorsOf(segment.segment.conditions));
  findPeople();
}

async function showSaved() {
  const { segments } = await getJson('/api/saved-segments');
  saved.replaceChildren(
    ...segments.map((/** @type {any} */ segment) => {
      const openButton = el('button', { text: segment.name, className: 'link saved-name', attrs: { type: 'button' } });
      openButton.addEventListener('click', () => open(segment));
      const remove = el('button', {
        text: '×',
        className: 'remove',
        title: `Delete ${segment.name}`,
        attrs: { type: 'button' },
      });
      remove.addEventListener('click', async () => {
        await getJson(`/api/saved-segments/${segment.id}`, { method: 'DELETE' });
        if (loaded?.id == segment.id) loaded = null;
        await showSaved();
      });
      return el('li', {}, [openButton, el('span', { className: 'muted', text: countPeople(segment.total) }), remove]);
    }),
  );
  if (!segments.length)
    saved.replaceChildren(el('li', { className: 'muted', text: 'None yet: name a segment and save it.' }));
}

/** The names the site has seen, offered while typing. */
export async function refreshNames() {
  const [{ events }, { attributes }] = await Promise.all([
    getJson('/api/event-names'),
    getJson('/api/attribute-names'),
  ]);
  eventNames.replaceChildren(...events.map((/** @type {any} */ e) => el('option', { attrs: { value: e.name } })));
  attributeNames.replaceChildren(
    ...attributes.map((/** @type {any} */ a) => el('option', { attrs: { value: a.name } })),
  );
}

export function setUpSegments() {
  conditions.append(conditionEditor());
  handleEditorClicks(form);
  form.addEventListener('click', (e) => {
    const add = /** @type {HTMLElement} */ (e.target).dataset.add;
    if (add == 'condition') conditions.append(conditionEditor());
    else if (add == 'group') conditions.append(groupEditor());
    else return;
    form.dispatchEvent(new Event('input'));
  });
  // Anything changed: the results on screen no longer answer the form.
  const changed = (/** @type {Event} */ e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    if (target == nameField) return;
    if (summary.textContent || results.rows.length) clearResults('The conditions changed: press Find people.');
    target.removeAttribute?.('aria-invalid');
  };
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    findPeople();
  });
  /** @type {HTMLElement} */ (document.getElementById('save-segment')).addEventListener('click', save);
}

export async function showSegments() {
  await Promise.all([showSaved(), refreshNames()]);
}
