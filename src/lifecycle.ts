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
