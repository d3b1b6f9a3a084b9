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
