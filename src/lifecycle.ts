// Browser glue for the moments delivery depends on. `visibilitychange` to hidden is the last
// event a page reliably gets on mobile (and when a tab is switched or closed); `pagehide` covers
// navigations and the back/forward cache, where visibilitychange may not fire. Both may fire for
// one unload: the second finds nothing left to send.

export interface LifecycleHandlers {
  hide(): void;
  visible(): void;
  online(): void;
}

export function watchLifecycle(w: Window, on: LifecycleHandlers): void {
  const d = w.document;
  d.addEventListener('visibilitychange', () => (d.visibilityState == 'hidden' ? on.hide() : on.visible()));
  w.addEventListener('pagehide', on.hide);
  w.addEventListener('online', on.online);
}

/**
 * Calls `onNavigate` after SPA navigations: history.pushState and popstate when the URL (without
 * its #hash) changes, replaceState only when the path changes (apps use it to sync query
 * strings, which is not a new page).
 */
export function watchNavigation(w: Window, onNavigate: () => void): void {
  const l = w.location;
  const h = w.history;
  const key = () => l.pathname + l.search;
  let last = key();
  let lastPath = l.pathname;
  const check = (pathOnly?: boolean) => {
    if (pathOnly ? l.pathname != lastPath : key() != last) onNavigate();
    last = key();
    lastPath = l.pathname;
  };
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = h[method];
    h[method] = function (this: History, ...args: Parameters<History['pushState']>) {
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
