// cio.js: the script the snippet loads. Reads its options from its own <script> tag, replays
// the calls the snippet queued (in order, each with the time it was made), then puts the live
// API in place of the stub, so `_cio.push(['track', ...])` keeps working afterwards, also
// through a reference to the old array or to a stub method that the page saved.
//
// Other scripts on the page reassign `_cio`'s methods, or `window._cio` itself, at any time
// (Customer.io's classic snippet, added again by a theme or a tag manager, assigns its own stub
// methods over whatever `_cio` has: `function(){_cio.push([name].concat(args))}`). So:
// - `push` and every replay dispatch through the library's own method table, never through the
//   page-writable properties of `_cio` (through them, that stub made push call itself until the
//   stack overflowed: a RangeError on every later call);
// - whatever is assigned to `window._cio` is adopted: the calls queued on it are replayed and the
//   live methods installed on it, and `window._cio` stays the live API. Where `_cio` is a `var`
//   (Customer.io's snippet ran first) it cannot be watched; it is reconciled once a second and
//   when the page hides. A second cio.js hands over to the first, which reconciles.
import { createCore } from './tracker';
import { createStorage } from './storage';
import { readUserId } from './identity';
import { ownValue } from './validate';
import type { TrackerOptions } from './types';

/** Where a second cio.js finds the first one's `reconcile` (a global symbol: no name on `window`). */
const RUNNING = Symbol.for('tracklet');
const RECONCILE_INTERVAL_MS = 1000;

(() => {
  const w = window as any;
  if (w[RUNNING]) return w[RUNNING](); // cio.js loaded twice: the first one runs the page
  const script = (document.currentScript || document.getElementById('cio-tracker')) as any;
  const attr = (name: string) => script?.getAttribute('data-' + name);
  const isOn = (name: string) => attr(name) == 'true';
  const autoTrackPage = attr('auto-track-page') != 'false';
  const core = createCore({
    siteId: attr('site-id')!,
    // Without data-endpoint, the collector is where cio.js came from.
    endpoint: attr('endpoint') || (script?.src ? new URL(script.src, location.href).origin : undefined),
    autoTrackPage,
    trackHashRoutes: isOn('track-hash-routes'),
    debug: isOn('debug') || /[?&]cio_debug=1/.test(location.search),
    consent: attr('consent') as TrackerOptions['consent'], // anything but "pending" is granted (createCore)
    respectGPC: isOn('respect-gpc'),
    respectDNT: isOn('respect-dnt'),
    gzip: isOn('gzip'),
  });
  const own: any = core.api; // the tracker's own object: never handed to the page
  // Customer.io's in-app messages (`data-use-in-app="true"`, as their snippet sets it): the one
  // warning `on('in-app:…')` gets too.
  if (isOn('use-in-app')) own.off('in-app:');
  // Customer.io's classic snippet also stubs these: `sidentify` is its identify, `load` a no-op.
  const table: Record<string, (...args: unknown[]) => unknown> = Object.assign(own, {
    sidentify: own.identify,
    load: () => {},
  });
  const names = Object.keys(table);
  // Only the table's own names: a name Object.prototype has (hasOwnProperty, constructor) or a
  // name that is not a string must not reach a lookup that could call or convert it; `includes`
  // compares without converting.
  const call = (item: any): void => {
    if (!Array.isArray(item)) return core.log.warn('push', 'expects [method, ...arguments]');
    const name = item[0];
    if (!names.includes(name))
      return core.log.warn('push', `unknown method ${typeof name == 'string' ? `"${name}"` : typeof name}`);
    const t = ownValue(item, 't') as number; // the stub's call time (never an inherited `t`)
    core.at(t > 0 ? t : undefined, () => table[name](...item.slice(1)));
  };
  // The identified id (Customer.io's `_findCustomer` reads its `_cioid` cookie; so does this,
  // with the identity module's rule for which copy counts), and the prefix of the cookie names.
  const live = {
    ...table,
    push: (...items: unknown[]) => void items.forEach(call),
    _findCustomer: () => readUserId(createStorage(w, false)) || '',
    cookieNamespace: '_cio',
    __tracklet: 1,
  };

  /** Replays the calls queued on `queue` (once), and gives it the live methods, push included. */
  const adopt = (queue: any) => {
    if (queue?.__tracklet) return; // the live API, or adopted already (nothing: Object.assign throws below)
    if (Array.isArray(queue)) queue.forEach(call);
    // A page may keep the array (`cio = _cio`) or a stub method (which pushes onto it): with the
    // live methods on it, neither goes unread.
    try {
      Object.assign(queue, live);
    } catch {
      // nothing to adopt, or a frozen array (the page's calls through `_cio` still work)
    }
  };
  /** `window._cio` is the live API again, and what it held was adopted. */
  const reconcile = () => {
    const queue = w._cio;
    w._cio = live;
    adopt(queue);
  };
  // The snippet's own queue first: a script may have replaced `window._cio` before cio.js came.
  // Not when it is still `window._cio`: reconcile adopts that (a frozen queue, which cannot take
  // the mark of adoption, would be replayed twice).
  const queue = script?.q;
  if (queue != w._cio) adopt(queue);
  reconcile();
  w[RUNNING] = reconcile;
  try {
    Object.defineProperty(w, '_cio', { get: () => live, set: adopt, configurable: true });
  } catch {
    // `var _cio` ran before: a property of window that cannot be redefined.
    setInterval(reconcile, RECONCILE_INTERVAL_MS);
    // Before the tracker's own page-hide handler (capture on window runs first), which sends.
    w.addEventListener('visibilitychange', reconcile, true);
    w.addEventListener('pagehide', reconcile, true);
  }
  if (autoTrackPage) own.page();
})();
