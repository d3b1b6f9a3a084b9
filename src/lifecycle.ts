// Browser glue for the moments delivery depends on. `visibilitychange` to hidden is the last
// event a page reliably gets on mobile (and when a tab is switched or closed); `pagehide` covers
// navigations and the back/forward cache, where visibilitychange may not fire. Both may fire for
// one unload: the second finds nothing left to send.

export function watchLifecycle(w: Window, onHide: () => void, onVisible: () => void, onOnline: () => void): void {
  const d = w.document;
  d.addEventListener('visibilitychange', () => (d.visibilityState == 'hidden' ? onHide() : onVisible()));
  w.addEventListener('pagehide', onHide);
  w.addEventListener('online', onOnline);
}

/**
 * Calls `beforeChange` before history.pushState and replaceState change the URL (the calls of the
 * task so far are built with the URL they were made on), and `onNavigate` after SPA navigations:
 * pushState and popstate when the URL (without its #hash) changes, replaceState only when the
 * path changes (apps use it to sync query strings, which is not a new page). After a popstate,
 * `defer` waits for a later task: the app's own popstate listener, registered after ours, is what
 * renders the page and sets its title (a page view read at once had the previous page's title).
 */
export function watchNavigation(
  w: Window,
  beforeChange: () => void,
  onNavigate: () => void,
  defer: (fn: () => void, ms: number) => void,
): void {
  const l = w.location;
  const h = w.history;
  let path = l.pathname;
  let search = l.search;
  const check = (pathOnly?: boolean) => {
    if (l.pathname != path || (!pathOnly && l.search != search)) onNavigate();
    path = l.pathname;
    search = l.search;
  };
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = h[method];
    h[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      try {
        beforeChange();
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
  w.addEventListener('popstate', () => defer(check, 0));
}
