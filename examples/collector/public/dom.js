// The only way the live view builds DOM: every string from the data goes in as text
// (textContent), never as HTML, so an event named "<img onerror=…>" stays a name.

/**
 * @param {string} tag
 * @param {{ className?: string, text?: unknown, title?: string, attrs?: Record<string, string> }} [props]
 *   `attrs`: attributes set as given (type, name, value, data-*, …)
 * @param {(Node | string)[]} [children] strings become text nodes
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.title) node.title = props.title;
  if (props.text != null) node.textContent = String(props.text);
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/** An ISO time as "2026-11-29 12:00:00.123" (UTC), the form the API stores. */
export const formatTime = (/** @type {string | null} */ iso) => (iso ? iso.replace('T', ' ').replace('Z', '') : '—');

/** A table cell with a time: the date and the clock each kept whole, so a narrow column wraps between them. */
export function timeCell(/** @type {string | null} */ iso, /** @type {string} */ title = '') {
  const [date, clock] = formatTime(iso).split(' ');
  return el(
    'td',
    { className: 'time', title },
    clock ? [el('span', { text: date }), ' ', el('span', { text: clock })] : [date],
  );
}

/** Skew in ms as a short text: "—" when the time was not corrected. */
export function formatSkew(/** @type {number | null} */ ms) {
  if (ms == null) return '—';
  return Math.abs(ms) < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** @param {unknown} event a stored event from the API */
export function describeName(/** @type {any} */ event) {
  if (event.name) return event.name;
  if (event.type == 'page') return event.raw?.properties?.path ?? '(page)';
  if (event.type == 'identify') return event.raw?.userId ?? '';
  return '';
}

/** A button that opens a person's timeline; the label is their userId, or "anonymous …". */
export function personLink(/** @type {{ id: string, userId: string | null }} */ person) {
  const button = /** @type {HTMLButtonElement} */ (
    el('button', {
      className: 'person-link',
      text: person.userId ?? `anonymous ${person.id.slice(0, 8)}`,
      title: person.id,
    })
  );
  if (!person.userId) button.classList.add('anonymous');
  button.type = 'button';
  button.addEventListener('click', (e) => {
    e.stopPropagation();
    location.hash = `#people/${encodeURIComponent(person.id)}`;
  });
  return button;
}

/** An error answer of the API: its `detail` as the message, and its status. */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * Asks a JSON API; throws an ApiError with the API's own `detail` on an error answer.
 * @param {string} url
 * @param {{ method?: string, body?: unknown }} [init] a body is sent as JSON
 */
export async function getJson(url, { method = 'GET', body } = {}) {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const answer = await res.json();
  if (!res.ok) throw new ApiError(answer.detail ?? `HTTP ${res.status}`, res.status);
  return answer;
}

/** How many people, in words: "1 person", "2,345 people". */
export const countPeople = (/** @type {number} */ n) => `${n.toLocaleString('en-US')} ${n == 1 ? 'person' : 'people'}`;

/** A row of the people tables: the person, their email, messages and when last seen. */
export function personRow(/** @type {any} */ person) {
  const row = el('tr', {}, [
    el('td', { className: 'cell-person' }, [personLink(person)]),
    el('td', { className: 'cell-email', text: person.email ?? '—', title: person.email ?? '' }),
    el('td', { className: 'cell-count', text: person.events }),
    timeCell(person.lastAt),
  ]);
  row.addEventListener('click', () => (location.hash = `#people/${encodeURIComponent(person.id)}`));
  return row;
}
