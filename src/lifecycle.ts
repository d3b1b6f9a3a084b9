// Browser glue for the moments delivery depends on. `visibilitychange` to hidden is the last
// event a page reliably gets on mobile (and when a tab is switched or closed); `pagehide` covers
// navigations and the back/forward cache, where visibilitychange may not fire. Both may fire for
// one unload: the second finds nothing left to send.

/** `onRestore`: the page came back from the back/forward cache (pageshow, persisted): a new view of it. */
export function watchLifecycle(
  w: Window,
  onHide: () => void,
  onVisible: () => void,
  onOnline: () => void,
  onRestore: () => void,
): void {
  const d = w.document;
  d.addEventListener('visibilitychange', () => (d.visibilityState == 'hidden' ? onHide() : onVisible()));
  w.addEventListener('pagehide', onHide);
  w.addEventListener('pageshow', (e) => e.persisted && onRestore());
  w.addEventListener('online', onOnline);
}

/**
 * Calls `beforeChange` before history.pushState and replaceState change the URL (the calls of the
 * task so far are built with the URL they were made on), and `onNavigate` at once after SPA
 * navigations: pushState and popstate when the URL (without its #hash) changes, replaceState only
 * when the path changes (apps use it to sync query strings, which is not a new page). With
 * `isHashRouted`, the #hash is part of the path (`#/settings`: Vue's and Angular's hash modes);
 * a navigation to a new #hash fires popstate (HTML, "navigate to a fragment").
 */
export function watchNavigation(
  w: Window,
  isHashRouted: unknown,
  beforeChange: () => void,
  onNavigate: () => void,
): void {
  const l = w.location;
  const h = w.history;
  const pathOf = () => l.pathname + (isHashRouted ? l.hash : '');
  let path = pathOf();
  let search = l.search;
  const check = (pathOnly?: boolean) => {
    if (pathOf() != path || (!pathOnly && l.search != search)) onNavigate();
    path = pathOf();
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
  w.addEventListener('popstate', () => check());
}
