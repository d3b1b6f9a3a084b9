// People: everyone the site has seen, a page at a time, searchable by id, email or anonymous id;
// and one person's attributes and merged timeline (anonymous messages from before the login included).
import { el, formatTime, formatSkew, describeName, getJson, countPeople, personRow } from './dom.js';

const PAGE_SIZE = 100;
const list = /** @type {HTMLTableSectionElement} */ (document.querySelector('#people tbody'));
const total = /** @type {HTMLElement} */ (document.getElementById('people-total'));
const range = /** @type {HTMLElement} */ (document.getElementById('people-range'));
const pager = /** @type {HTMLElement} */ (document.getElementById('people-pager'));
const searchForm = /** @type {HTMLFormElement} */ (document.getElementById('people-search'));
const title = /** @type {HTMLElement} */ (document.getElementById('person-title'));
const ids = /** @type {HTMLElement} */ (document.getElementById('person-ids'));
const attributes = /** @type {HTMLElement} */ (document.getElementById('person-attributes'));
const timeline = /** @type {HTMLOListElement} */ (document.getElementById('timeline'));

let offset = 0;
let search = '';

/** Re-reads the list on its current page and search. */
async function showList() {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
  if (search) query.set('search', search);
  const page = await getJson(`/api/people?${query}`);
  list.replaceChildren(...page.people.map(personRow));
  total.textContent = `(${countPeople(page.total)}${search ? ` matching "${search}"` : ''})`;
  range.textContent = page.total
    ? `${offset + 1}–${offset + page.people.length} of ${page.total.toLocaleString('en-US')}`
    : '';
  /** @type {HTMLButtonElement} */ (pager.querySelector('[data-page=previous]')).disabled = offset == 0;
  /** @type {HTMLButtonElement} */ (pager.querySelector('[data-page=next]')).disabled =
    offset + PAGE_SIZE >= page.total;
}

/** @param {Record<string, unknown>} values name → latest value */
function showAttributes(values) {
  attributes.replaceChildren(
    ...Object.entries(values).flatMap(([name, value]) => [
      el('dt', { text: name }),
      el('dd', { text: typeof value == 'string' ? value : JSON.stringify(value) }),
    ]),
  );
}

/** @param {string} id */
async function showPerson(id) {
  let found;
  try {
    found = await getJson(`/api/people/${encodeURIComponent(id)}`);
  } catch (error) {
    title.textContent = 'Timeline';
    ids.textContent = /** @type {Error} */ (error).message;
    attributes.replaceChildren();
    return timeline.replaceChildren();
  }
  const { person, timeline: events } = found;
  title.textContent = person.userId ? `Timeline of ${person.userId}` : `Timeline of anonymous visitor ${person.id}`;
  ids.textContent = `anonymous ids: ${person.anonymousIds.join(', ') || 'none'} · ${person.events} messages`;
  showAttributes(person.attributes);
  timeline.replaceChildren(
    ...events.map((/** @type {any} */ event) =>
      el('li', {}, [
        el('span', { className: 'time', text: formatTime(event.timestamp) }),
        ' ',
        el('span', { className: `type ${event.type}`, text: event.type }),
        ' ',
        el('strong', { text: describeName(event) }),
        ' ',
        el('span', {
          className: 'via',
          text: `${event.raw.userId ? 'as ' + event.raw.userId : 'anonymous ' + event.person.anonymousId} · skew ${formatSkew(event.skewMs)}`,
        }),
      ]),
    ),
  );
}

/** @param {string | null} selectedId a userId or anonymousId from the URL */
export async function showPeople(selectedId) {
  await showList();
  if (selectedId) await showPerson(selectedId);
}

export function setUpPeople() {
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    search = String(new FormData(searchForm).get('search') ?? '').trim();
    offset = 0;
    showList().catch((error) => console.warn(error));
  });
  pager.addEventListener('click', (e) => {
    const button = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('[data-page]'));
    if (!button) return;
    const step = button.dataset.page == 'next' ? PAGE_SIZE : -PAGE_SIZE;
    offset = Math.max(0, offset + step);
    showList().catch((error) => console.warn(error));
  });
}
