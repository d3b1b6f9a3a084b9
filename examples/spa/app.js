// A single-page app using the npm entry: createTracker sends a page view on load and on every
// history.pushState navigation by itself; the app only tracks its own events.
import { createTracker } from 'tracklet';

const tracker = createTracker({ siteId: 'demo', endpoint: location.origin });

const PAGES = {
  '/spa/': ['Home', 'A page that never reloads. Click around: each view is a page view.'],
  '/spa/pricing': ['Pricing', 'One plan: free, forever, for demos.'],
  '/spa/docs': ['Docs', 'Read docs/collector.md for the collector and the README for the library.'],
};

function render() {
  const [title, body] = PAGES[location.pathname] ?? ['Not found', 'No such page in this demo.'];
  document.title = `${title} · Tracklet SPA demo`;
  document.getElementById('title').textContent = title;
  document.getElementById('body').textContent = body;
}

document.querySelectorAll('a[data-route]').forEach((link) => {
  link.addEventListener('click', (event) => {
    event.preventDefault();
    if (link.pathname == location.pathname) return;
    history.pushState(null, '', link.pathname);
    render();
  });
});
window.addEventListener('popstate', render);

document
  .getElementById('signup')
  .addEventListener('click', () => tracker.track('trial_started', { plan: 'free', from: location.pathname }));
document
  .getElementById('login')
  .addEventListener('click', () => tracker.identify('spa-user-7', { email: 'spa-user-7@example.com', plan: 'free' }));
document.getElementById('logout').addEventListener('click', () => tracker.reset());

render();
