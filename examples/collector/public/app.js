// The live view: events arrive over server-sent events (/api/stream) and are listed with their
// corrected time and skew; a click shows the raw JSON; the event names seen are listed with their
// counts. Hash routes switch to people and segments.
import { el, formatSkew, formatTime, timeCell, describeName, personLink, getJson, ApiError } from './dom.js';
import { createChart } from './chart.js';
import { setUpPeople, showPeople } from './people.js';
import { setUpSegments, showSegments } from './segments.js';
import { showSignIn } from './sign-in.js';

const MAX_ROWS = 500;
const REFRESH_MS = 1000;
const rows = /** @type {HTMLTableSectionElement} */ (document.querySelector('#events tbody'));
const raw = /** @type {HTMLElement} */ (document.getElementById('raw'));
const rawTitle = /** @type {HTMLElement} */ (document.getElementById('raw-title'));
const connection = /** @type {HTMLElement} */ (document.getElementById('connection'));
const names = /** @type {HTMLTableSectionElement} */ (document.querySelector('#event-names tbody'));
const namesTotal = /** @type {HTMLElement} */ (document.getElementById('event-names-total'));
const chart = createChart(/** @type {HTMLElement} */ (document.getElementById('chart')));

/** @param {any} event a stored event */
function eventRow(event) {
  const row = el('tr', {}, [
    timeCell(event.timestamp, `original ${event.originalTimestamp}, received ${event.receivedAt}`),
    el('td', {}, [el('span', { className: `type ${event.type}`, text: event.type })]),
    el('td', { className: 'name', text: describeName(event) }),
    el('td', { className: 'cell-person' }, [personLink(event.person)]),
    el('td', { className: 'skew', text: formatSkew(event.skewMs) }),
  ]);
  row.dataset.messageId = event.messageId;
  row.addEventListener('click', () => {
    rows.querySelector('tr.selected')?.classList.remove('selected');
    row.classList.add('selected');
    rawTitle.textContent = `Raw message ${event.messageId}`;
    raw.textContent = JSON.stringify(event.raw, null, 2);
  });
  return row;
}

async function loadRecentEvents() {
  const { events } = await getJson(`/api/events?limit=${MAX_ROWS}`);
  rows.replaceChildren(...events.map(eventRow));
}

/** The event names seen, the most frequent first, with their counts. */
async function loadEventNames() {
  const { events } = await getJson('/api/event-names');
  names.replaceChildren(
    ...events.map((/** @type {any} */ event) =>
      el('tr', { title: `last at ${formatTime(event.lastAt)}` }, [
        el('td', { className: 'name', text: event.name }),
        el('td', { className: 'cell-count', text: event.count.toLocaleString('en-US') }),
      ]),
    ),
  );
  namesTotal.textContent = `(${events.length})`;
}

/**
 * Runs `task` at most once a second while events stream in.
 * @param {() => Promise<unknown>} task
 */
function throttled(task) {
  /** @type {ReturnType<typeof setTimeout> | null} */
  let pending = null;
  return () => {
    pending ??= setTimeout(() => ((pending = null), task().catch((error) => console.warn(error))), REFRESH_MS);
  };
}
const refreshPeopleSoon = throttled(async () => showRoute());
const refreshNamesSoon = throttled(loadEventNames);

function listenForEvents() {
  const stream = new EventSource('/api/stream');
  stream.addEventListener('open', () => {
    connection.textContent = 'live';
    connection.classList.add('live');
  });
  stream.addEventListener('error', () => {
    connection.textContent = 'reconnecting…';
    connection.classList.remove('live');
  });
  stream.addEventListener('message', (message) => {
    const event = JSON.parse(message.data);
    // An identify can merge earlier anonymous rows into a person: re-read them attributed anew.
    if (event.type == 'identify') loadRecentEvents().catch(() => {});
    else {
      rows.prepend(eventRow(event));
      while (rows.rows.length > MAX_ROWS) rows.lastElementChild?.remove();
    }
    chart.refreshSoon();
    refreshNamesSoon();
    if (location.hash.startsWith('#people')) refreshPeopleSoon();
  });
}

function showRoute() {
  const [view, id] = location.hash.slice(1).split('/');
  const current = ['people', 'segments'].includes(view) ? view : 'live';
  for (const section of document.querySelectorAll('[data-section]')) {
    /** @type {HTMLElement} */ (section).hidden = /** @type {HTMLElement} */ (section).dataset.section != current;
  }
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('active', /** @type {HTMLElement} */ (link).dataset.view == current);
  }
  if (current == 'people') showPeople(id ? decodeURIComponent(id) : null).catch((error) => console.warn(error));
  if (current == 'segments') showSegments().catch((error) => console.warn(error));
}

/** Starts once the API lets this page read: else the sign-in form, and nothing else asks the API. */
async function start() {
  try {
    await loadRecentEvents();
  } catch (error) {
    if (error instanceof ApiError && error.status == 401) return showSignIn();
    console.warn(error);
  }
  window.addEventListener('hashchange', showRoute);
  setUpPeople();
  setUpSegments();
  showRoute();
  listenForEvents();
  loadEventNames().catch((error) => console.warn(error));
  chart.refresh().catch((error) => console.warn(error));
}

start();
