// Signing in: reads need the site's API key or dashboard password. POST /api/session trades it
// for an HttpOnly cookie, which every fetch and the EventSource of this page then carry.

/** Hides the views and shows the sign-in form; a signed-in page reloads. */
export function showSignIn() {
  const view = /** @type {HTMLElement} */ (document.getElementById('sign-in-view'));
  const form = /** @type {HTMLFormElement} */ (document.getElementById('sign-in'));
  const problem = /** @type {HTMLElement} */ (document.getElementById('sign-in-problem'));
  for (const section of document.querySelectorAll('[data-section]')) /** @type {HTMLElement} */ (section).hidden = true;
  view.hidden = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fields = Object.fromEntries(new FormData(form));
    const res = await fetch('/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(fields),
    });
    if (res.ok) return location.reload();
    problem.textContent = (await res.json().catch(() => null))?.detail ?? `HTTP ${res.status}`;
    problem.classList.add('error');
  });
}
