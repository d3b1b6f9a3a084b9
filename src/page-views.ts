// Automatic page views on SPA navigations, from the page's history: pushState and popstate when
// the URL (without its #hash) changes, replaceState only when the path changes (apps use it to
// sync query strings, which is not a new page). With `isHashRouted`, the #hash is part of the path
// (`#/settings`: Vue's and Angular's hash modes); a navigation to a new #hash fires popstate (HTML,
// "navigate to a fragment"). A restore from the back/forward cache is a view too: `pageshow` with
// `persisted` (plausible/analytics#3144). The page is visible again before it: a traversal runs
// the "now visible" steps (visibilitychange) before firing pageshow (Page Visibility, "Reacting to
// visibilitychange changes"; Chrome Platform Status 5279330336768000), so the tracker's own
// handler has run. The view on load is the tracker's.
//
// A navigation's view waits for a later task, with the URL navigated to: a site that calls page()
// itself right after pushState (Customer.io's usual setup) or in its popstate listener keeps its
// own view, name and properties (`claim`); and by then the app has rendered the page and set its
// title (a view read at once had the previous page's title).

import type { IO } from './io';

/**
 * Watches `io.window`'s history; returns `claim`, which the public page() calls: the view of the
 * navigation due is then the page's own, and is not sent. `buildCalls` builds the calls of this
 * task now (message.ts): before pushState and replaceState change the URL, so the calls made so
 * far keep the URL they were made on, and before a navigation's view that is still due.
 * `sendView(url)` sends an automatic view of `url` (of the page as it is, without one).
 */
export function watchNavigation(
  io: IO,
  isHashRouted: unknown,
  sendView: (url?: string) => void,
  buildCalls: () => void,
): () => void {
  const w = io.window;
  const l = w.location;
  const h = w.history;
  const pathOf = () => l.pathname + (isHashRouted ? l.hash : '');
  let path = pathOf();
  let search = l.search;
  let dueUrl: string | 0 = 0; // the last navigation's URL, while its view waits for a later task
  // Any timer of ours that finds a view due runs in a later task than the navigation that set it.
  const sendDueView = () => {
    if (dueUrl) {
      sendView(dueUrl);
      buildCalls(); // now: the view reads the title of its own page
    }
    dueUrl = 0;
  };
  const check = (pathOnly?: boolean) => {
    if (pathOf() != path || (!pathOnly && l.search != search)) {
      // A navigation before the last one's view was sent (Back then Forward on a busy page): that
      // view goes now, while its page's title is still the document's, before the app renders.
      sendDueView();
      dueUrl = l.href;
      io.setTimeout(sendDueView, 0);
    }
    path = pathOf();
    search = l.search;
  };
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = h[method];
    h[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      try {
        buildCalls();
      } catch {
        // as below: the page's navigation goes first
      }
      const result = original.apply(this, args);
      try {
        check(method == 'replaceState');
      } catch {
        // the page's navigation must succeed whatever tracking does
      }
      return result;
    };
  }
  w.addEventListener('popstate', () => check());
  w.addEventListener('pageshow', (e) => e.persisted && sendView());
  return () => (dueUrl = 0);
}
