// cio.js: the script the snippet loads. Reads its options from its own <script> tag, replays
// the calls the snippet queued (in order, each with the time it was made), then puts the live
// API in place of the stub, so `_cio.push(['track', ...])` keeps working afterwards, also
// through a reference to the old array or to a stub method that the page saved.
import { createCore } from './tracker';
import type { TrackerOptions } from './types';

(() => {
  const w = window as any;
  const queue = w._cio;
  if (queue && queue.__tracklet) return; // cio.js loaded twice: the first one runs the page
  const script = (document.currentScript || document.getElementById('cio-tracker')) as HTMLScriptElement | null;
  const attr = (name: string) => script?.getAttribute('data-' + name);
  const isOn = (name: string) => attr(name) == 'true';
  const autoTrackPage = attr('auto-track-page') != 'false';
  const core = createCore({
    siteId: attr('site-id')!,
    // Without data-endpoint, the collector is where cio.js came from.
    endpoint: attr('endpoint') || (script?.src ? new URL(script.src, location.href).origin : undefined),
    autoTrackPage,
    debug: isOn('debug') || /[?&]cio_debug=1/.test(location.search),
    consent: attr('consent') as TrackerOptions['consent'], // anything but "pending" is granted (createCore)
    respectGPC: isOn('respect-gpc'),
    respectDNT: isOn('respect-dnt'),
  });
  const api: any = core.api;
  // Customer.io's classic snippet also stubs these: `sidentify` is its identify, `load` a no-op.
  api.sidentify = api.identify;
  api.load = () => {};
  // Only the API's own methods: a name Object.prototype has (hasOwnProperty, constructor) or a
  // name that is not a string must not reach a lookup that could call or convert it. The API's
  // own keys are strings, and `includes` compares without converting, so one check does both.
  const call = (item: any): void => {
    if (!Array.isArray(item)) return core.log.warn('push', 'expects [method, ...arguments]');
    const name = item[0];
    if (!Object.keys(api).includes(name) || typeof api[name] != 'function' || name == 'push')
      return core.log.warn('push', `unknown method ${typeof name == 'string' ? `"${name}"` : typeof name}`);
    const t = (item as any).t; // the stub's call time, unless the page pushed something else
    core.at(t > 0 ? t : undefined, () => api[name](...item.slice(1)));
  };
  api.push = (...items: unknown[]) => void items.forEach(call);
  api.__tracklet = 1;
  if (Array.isArray(queue)) {
    queue.forEach(call);
    // A page may have kept the old array (`cio = _cio`) or a stub method (which pushes onto the
    // array): give the array the live API's methods, its push included, so neither goes unread.
    // A frozen array cannot take them; the page's calls through `_cio` still work.
    try {
      Object.assign(queue, api);
    } catch {
      // a frozen array: the page's calls through `_cio` still work (above)
    }
  }
  w._cio = api;
  if (autoTrackPage) api.page();
})();
