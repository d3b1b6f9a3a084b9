// The only way the live view builds DOM: every string from the data goes in as text
// (textContent), never as HTML, so an event named "<img onerror=…>" stays a name.

/**
 * @param {string} tag
 * @param {{ className?: string, text?: unknown, title?: string }} [props]
 * @param {(Node | string)[]} [children] strings become text nodes
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.title) node.title = props.title;
  if (props.text != null) node.textContent = String(props.text);
  for (const child of children) node.append(child);
  return node;
}

/** An ISO time as "2026-11-29 12:00:00.123" (UTC), the form the API stores. */
export const formatTime = (/** @type {string | null} */ iso) => (iso ? iso.replace('T', ' ').replace('Z', '') : '—');

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

/** GET a JSON API; throws an ApiError with the API's own `detail` on an error answer. */
export async function getJson(/** @type {string} */ url) {
  const res = await fetch(url);
  const body = await res.json();
  if (!res.ok) throw new ApiError(body.detail ?? `HTTP ${res.status}`, res.status);
  return body;
}
