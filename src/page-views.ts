// Automatic page views: on SPA navigations and on a restore from the back/forward cache (the
// one on load is the caller's). A navigation's view waits for a later task, with the URL
// navigated to: a site that calls page() itself right after pushState (Customer.io's usual
// setup) or in its popstate listener keeps its own view, name and properties; and by then the app
// has rendered the page and set its title (a view read at once had the previous page's title).

import type { IO } from './io';

/** `claim`: the page called page() itself; `track`: a view now; `onNavigate`: the URL changed. */
export type PageViews = [claim: () => void, track: (url?: string) => void, onNavigate: () => void];

/** `api.page` is the public page() (a view of ours claims nothing); `isOn` is autoTrackPage. */
export function createPageViews(io: IO, isOn: boolean, api: { page: (url?: string) => unknown }): PageViews {
  let navigations = 0;
  let claimed = 0; // the navigation whose view the page sent itself
  const track = (url?: string) => {
    const n = claimed;
    if (isOn) api.page(url);
    claimed = n;
  };
  return [
    () => (claimed = navigations),
    track,
    () => {
      const n = ++navigations;
      const url = io.window.location.href;
      io.setTimeout(() => claimed == n || track(url), 0);
    },
  ];
}
