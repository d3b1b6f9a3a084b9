// The segments form: asks /api/segments and lists who is in the segment.
import { el, formatTime, personLink, getJson } from './dom.js';

export function setUpSegments() {
  const form = /** @type {HTMLFormElement} */ (document.getElementById('segment-form'));
  const summary = /** @type {HTMLElement} */ (document.getElementById('segment-summary'));
  const results = /** @type {HTMLTableSectionElement} */ (document.querySelector('#segment-results tbody'));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const query = new URLSearchParams(/** @type {any} */ (new FormData(form)));
    summary.classList.remove('error');
    try {
      const segment = await getJson(`/api/segments?${query}`);
      const one = segment.people.length == 1;
      const verb = segment.negate ? (one ? 'has not performed' : 'have not performed') : 'performed';
      summary.textContent = `${segment.people.length} ${one ? 'person' : 'people'} ${verb} "${segment.event}" at least ${segment.min}× within ${segment.within}`;
      results.replaceChildren(
        ...segment.people.map((/** @type {any} */ person) =>
          el('tr', {}, [
            el('td', {}, [personLink(person)]),
            el('td', { className: 'time', text: person.anonymousIds.join(', ') }),
            el('td', { text: person.count }),
            el('td', { className: 'time', text: formatTime(person.lastAt) }),
          ]),
        ),
      );
    } catch (error) {
      summary.textContent = /** @type {Error} */ (error).message;
      summary.classList.add('error');
      results.replaceChildren();
    }
  });
}
