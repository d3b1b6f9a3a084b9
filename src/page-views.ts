// Automatic page views: on SPA navigations and on a restore from the back/forward cache (the
// one on load is the caller's). A navigation's view waits for a later task, with the URL
// navigated to: a site that calls page() itself right after pushState (Customer.io's usual
// setup) or in its popstate listener keeps its own view, name and properties; and by then the app
// has rendered the page and set its title (a view read at once had the previous page's title).

import type { IO } from './io';

/** `claim`: the page called page() itself; `track`: a view now; `onNavigate`: the URL changed. */
export type PageViews = [claim: () => void, track: (url?: string) => void, onNavigate: () => void];

/** `api.page` is the public page() (a view of ours claims nothing); `isOn` is autoTrackPage. */
export function createPageViews(
  io: IO,
  isOn: boolean,
  api: { page: (url?: string) => unknown },
  /** Builds the calls of this task now (message.ts), so a view reads its page's title. */
  buildCalls: () => void,
): PageViews {
  let navigations = 0;
  let claimed = 0; // the navigation whose view the page sent itself
  let dueView: (() => void) | 0 = 0; // the last navigation's view, while it waits for its task
  const track = (url?: string) => {
    const n = claimed;
    if (isOn) api.page(url);
    claimed = n;
  };
  return [
    () => (claimed = navigations),
    track,
    () => {
      // A navigation before the last one's view was sent (Back then Forward on a busy page): that
      // view goes now, while its page's title is still the document's, before the app renders.
      if (dueView) {
        dueView();
        buildCalls();
      }
      const n = ++navigations;
      const url = io.window.location.href;
      const view = () => dueView == view && ((dueView = 0), claimed == n || track(url));
      io.setTimeout((dueView = view), 0);
    },
  ];
}
