// People: everyone the collector knows, and one person's merged timeline (anonymous messages
// from before the login included).
import { el, formatTime, formatSkew, describeName, personLink, getJson } from './dom.js';

const list = /** @type {HTMLTableSectionElement} */ (document.querySelector('#people tbody'));
const title = /** @type {HTMLElement} */ (document.getElementById('person-title'));
const ids = /** @type {HTMLElement} */ (document.getElementById('person-ids'));
const timeline = /** @type {HTMLOListElement} */ (document.getElementById('timeline'));

/** @param {string | null} selectedId a userId or anonymousId from the URL */
export async function showPeople(selectedId) {
  const { people } = await getJson('/api/people');
  list.replaceChildren(
    ...people.map((/** @type {any} */ person) => {
      const row = el('tr', {}, [
        el('td', {}, [personLink(person)]),
        el('td', { className: 'time', text: person.anonymousIds.join(', ') }),
        el('td', { text: person.events }),
        el('td', { className: 'time', text: formatTime(person.lastAt) }),
      ]);
      row.addEventListener('click', () => (location.hash = `#people/${encodeURIComponent(person.id)}`));
      return row;
    }),
  );
  if (selectedId) await showPerson(selectedId);
}

/** @param {string} id */
async function showPerson(id) {
  let found;
  try {
    found = await getJson(`/api/people/${encodeURIComponent(id)}`);
  } catch (error) {
    title.textContent = 'Timeline';
    ids.textContent = /** @type {Error} */ (error).message;
    return timeline.replaceChildren();
  }
  const { person, timeline: events } = found;
  title.textContent = person.userId ? `Timeline of ${person.userId}` : `Timeline of anonymous visitor ${person.id}`;
  ids.textContent = `anonymous ids: ${person.anonymousIds.join(', ') || 'none'} · ${person.events} messages`;
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
